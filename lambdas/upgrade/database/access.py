"""Reach a cluster's databases: directly (pg8000, from inside the VPC) or via the Data API.

One SQL code, two executors. Credentials come from the Secrets Manager secret named in the
input and go nowhere but into the connection.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ClientError

from aws import rds_data
from upgrade.database.sql import Executor
from upgrade.shared.errors import DatabaseAccessFailed
from upgrade.shared.models import DatabaseAccess

CA_BUNDLE_VARIABLE = "RDS_CA_BUNDLE"  # path of Amazon RDS's CA bundle; without it TLS encrypts but cannot verify


@dataclass(frozen=True)
class ClusterSql:
    """Sessions to one cluster's databases, and where a person would connect to finish work by hand."""

    open: Callable[[str, float], Executor]  # (database, timeout in seconds) -> a session
    host: str
    port: int
    user: str
    via: Literal["direct", "data_api"]

    @property
    def sessions(self) -> bool:
        """SET sticks to a pg8000 session; the Data API runs each call on a pooled connection of its own."""
        return self.via == "direct"


def cluster_sql(
    access: DatabaseAccess,
    cluster: dict[str, Any],
    secrets: Any,
    rds_data_client: Any,
    *,
    own_endpoint: bool,
    read_only: bool = True,
) -> ClusterSql:
    """Sessions to ``cluster`` with the input's credentials.

    ``own_endpoint``: connect to the cluster's own Endpoint/Port, never the input's or the secret's host. Green
    needs this: it is a clone with the same roles, but the secret's host (and any host in the input) names blue.
    ``read_only=False``: direct sessions keep the server's default transaction mode (the switchover probe).
    """
    try:
        secret = secrets.json(access.secret_arn)
    except (ClientError, ValueError) as error:
        raise DatabaseAccessFailed(f"cannot use secret {access.secret_arn}: {error}") from None
    endpoint, endpoint_port = cluster.get("Endpoint"), cluster.get("Port")
    if own_endpoint:
        host, port = endpoint, endpoint_port
    else:
        host = access.host or secret.get("host") or endpoint
        port = access.port or secret.get("port") or endpoint_port
    if not host:
        raise DatabaseAccessFailed(f"{cluster.get('DBClusterIdentifier')} has no endpoint yet")
    user, port = str(secret["username"]), int(port or 5432)
    if access.connect_via == "data_api":
        if not cluster.get("HttpEndpointEnabled"):
            raise DatabaseAccessFailed(
                f"the RDS Data API is not enabled on {cluster.get('DBClusterIdentifier')} (enable-http-endpoint)"
            )
        by_api = rds_data.connector(rds_data_client, cluster["DBClusterArn"], access.secret_arn)
        return ClusterSql(lambda database, _timeout: by_api(database), str(host), port, user, "data_api")
    password, ca_bundle = secret.get("password"), os.environ.get(CA_BUNDLE_VARIABLE)

    def open_direct(database: str, timeout: float) -> Executor:
        # pg8000 (and ssl) only when a session is opened directly: the Data API path and the functions that
        # never connect do not pay for its import at cold start
        from aws import postgres

        return postgres.connect(
            str(host), port, user, password, database, access.ssl, timeout, ca_bundle, read_only=read_only
        )

    return ClusterSql(open_direct, str(host), port, user, "direct")
