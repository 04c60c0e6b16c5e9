"""RDS grants of the step functions of one capability. Functions around the workflow: the notifier's reads and the
approval request's (the same), the wait woken by RDS events, and the functions that call no RDS API at all.
"""

from __future__ import annotations

from infra.permissions.grants import DEPLOYMENT_IDS, OWN_NAMES, ClusterScope, Grant, every


def notify(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        # a failed rollback or restore: the message says where the cluster moved aside is
        Grant("DescribeAsideCluster", ("DescribeDBClusters",), scope.aside_clusters, OWN_NAMES),
        Grant("DescribeBlueGreen", ("DescribeBlueGreenDeployments",), (every("deployment"),), DEPLOYMENT_IDS),
    )


def await_change(scope: ClusterScope) -> tuple[Grant, ...]:
    """Registers a task token, then checks once whether the awaited change already happened."""
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("DescribeSnapshot", ("DescribeDBClusterSnapshots",), scope.snapshots, OWN_NAMES),
        Grant("DescribeBlueGreen", ("DescribeBlueGreenDeployments",), (every("deployment"),), DEPLOYMENT_IDS),
    )


def no_rds(_: ClusterScope) -> tuple[Grant, ...]:
    return ()


def request_approval(scope: ClusterScope) -> tuple[Grant, ...]:
    """The approval message is a notification: the same reads as the notifier."""
    return notify(scope)
