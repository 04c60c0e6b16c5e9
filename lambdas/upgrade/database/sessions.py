"""Sessions to a cluster's databases, as the post-upgrade and consistency handlers hand them to their step.

The step opens them only when the execution input gives database access: without it the step does no SQL, so
``upgrade.database.access`` (and the Data API wrapper it uses) is imported at the first opening, not at cold start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from upgrade.database.access import ClusterSql
    from upgrade.shared.models import DatabaseAccess

SessionsFor = Callable[["DatabaseAccess", dict[str, Any], bool], "ClusterSql"]


def sessions_for(secrets: Any, rds_data_client: Any) -> SessionsFor:
    """``cluster_sql`` with the AWS clients fixed."""

    def sessions(access: DatabaseAccess, cluster: dict[str, Any], own_endpoint: bool) -> ClusterSql:
        from upgrade.database.access import cluster_sql

        return cluster_sql(access, cluster, secrets, rds_data_client, own_endpoint=own_endpoint)

    return sessions
