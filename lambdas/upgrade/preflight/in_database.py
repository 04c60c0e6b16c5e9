"""The preflight's in-database checks on the cluster being upgraded: a session per database, then the SQL catalogue.

An unreadable secret or a disabled Data API is a failed connectivity check in the report, not a crash.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from aws import rds_data
from upgrade.database.access import CA_BUNDLE_VARIABLE, cluster_sql
from upgrade.database.heartbeat import CREATE_HEARTBEAT, HEARTBEAT_TABLE
from upgrade.database.sql import ConnectFailed, Executor, QueryFailed
from upgrade.shared.errors import DatabaseAccessFailed
from upgrade.shared.models import DatabaseAccess, UpgradeInput
from upgrade.shared.preflight_report import CheckResult, Evidence
from upgrade.shared.versions import parse_version


def in_database_checks(
    secrets: Any, rds_data_client: Any
) -> Callable[[UpgradeInput, dict[str, Any]], list[CheckResult]]:
    def run(request: UpgradeInput, cluster: dict[str, Any]) -> list[CheckResult]:
        access = request.database
        assert access is not None, "preflight runs the in-database checks only when the input gives access"
        try:
            connect = _connector(access, cluster, secrets, rds_data_client)
        except (ClientError, ValueError) as error:  # unreadable or malformed secret: a finding, not a crash
            return [_unreachable(cluster, f"cannot use secret {access.secret_arn}: {error}")]
        if isinstance(connect, CheckResult):
            return [connect]
        # the SQL catalogue (the largest part of preflight) only when the input gives database access: without it
        # the checks are skipped, and a cold start does not compile them
        from upgrade.preflight.sql_runner import run_database_checks

        return run_database_checks(
            connect,
            parse_version(cluster["EngineVersion"]),
            request.target_version,
            request.strategy,
            first_database=access.database,
        )

    return run


def _connector(
    access: DatabaseAccess, cluster: dict[str, Any], secrets: Any, rds_data_client: Any
) -> Callable[[str], Executor] | CheckResult:
    if access.connect_via == "data_api":
        if not cluster.get("HttpEndpointEnabled"):
            return _unreachable(cluster, "the RDS Data API is not enabled on the cluster (enable-http-endpoint)")
        return rds_data.connector(rds_data_client, cluster["DBClusterArn"], access.secret_arn)
    secret = secrets.json(access.secret_arn)
    from aws import postgres  # pg8000 only when connecting directly (see upgrade.database.access)

    return postgres.connector(
        host=access.host or secret.get("host") or cluster["Endpoint"],
        port=int(access.port or secret.get("port") or cluster.get("Port") or 5432),
        user=str(secret["username"]),
        password=secret.get("password"),
        ssl=access.ssl,
        ca_bundle=os.environ.get(CA_BUNDLE_VARIABLE),
    )


def _unreachable(cluster: dict[str, Any], detail: str) -> CheckResult:
    return CheckResult(
        id="DB-connectivity",
        title="The databases can be reached for the in-database checks",
        scope="database",
        status="fail",
        evidence=[Evidence(object_name=cluster["DBClusterIdentifier"], detail=detail)],
        remediation="Check that the preflight function can read the secret (database_access.secret_arns in cdk.json) "
        "and that it holds RDS credentials; for connect_via data_api, enable the Data API on the cluster.",
    )


HEARTBEAT_CHECK = "BG-switchover-probe-heartbeat"
HEARTBEAT_TITLE = "The heartbeat table the switchover probe writes to exists on blue"


def heartbeat_maker(secrets: Any) -> Callable[[UpgradeInput, dict[str, Any]], CheckResult]:
    """Make the switchover probe's heartbeat table on blue (upgrade.database.heartbeat says why before green).

    The preflight is the one step that connects to blue before CreateBlueGreenDeployment; it makes the table only in
    an upgrade that passed every check (``run_preflight`` decides), so a report-only run changes nothing. The table
    is the one thing it writes, with ``IF NOT EXISTS``: a second run finds it. A failure is a warning: only the
    downtime measurement depends on it.
    """

    def make(request: UpgradeInput, cluster: dict[str, Any]) -> CheckResult:
        access = request.database
        assert access is not None and access.connect_via == "direct", "the probe writes over direct sessions"
        try:
            # the cluster endpoint, as the probe writes through it; a writable session (the checks' are read-only)
            session = cluster_sql(access, cluster, secrets, None, own_endpoint=True, read_only=False).open(
                access.database, 30.0
            )
        except (DatabaseAccessFailed, ConnectFailed) as error:
            return _heartbeat_missing(access.database, str(error))
        try:
            session.query(CREATE_HEARTBEAT)
        except QueryFailed as error:
            return _heartbeat_missing(access.database, str(error))
        finally:
            session.close()
        return CheckResult(
            id=HEARTBEAT_CHECK,
            title=HEARTBEAT_TITLE,
            scope="database",
            status="pass",
            reason=f"public.{HEARTBEAT_TABLE} in database {access.database}, made before green exists",
        )

    return make


def _heartbeat_missing(database: str, detail: str) -> CheckResult:
    return CheckResult(
        id=HEARTBEAT_CHECK,
        title=HEARTBEAT_TITLE,
        scope="database",
        status="warn",
        finding="The switchover's write downtime will not be measured: the heartbeat table could not be made",
        evidence=[Evidence(database=database, object_name=f"public.{HEARTBEAT_TABLE}", detail=detail)],
        remediation=f"Let the secret's user create public.{HEARTBEAT_TABLE} in database {database} (CREATE on "
        "schema public), or create it before the upgrade: " + CREATE_HEARTBEAT,
    )
