"""RDS grants of the step functions of one capability. After the upgrade: verify the version on every member, then the
post-upgrade step's reads.
"""

from __future__ import annotations

from infra.permissions.grants import CLUSTERS_LIST, GREEN_CLUSTERS, INSTANCES_READ, ClusterScope, Grant, every


def verify_upgrade(_: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("FindClusters", ("DescribeDBClusters",), (every("cluster"),), CLUSTERS_LIST),
        Grant("DescribeMembers", ("DescribeDBInstances",), (every("db"),), INSTANCES_READ),
    )


def post_upgrade(scope: ClusterScope) -> tuple[Grant, ...]:
    """ANALYZE and extension updates on green before switchover, or on the cluster upgraded in place."""
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("DescribeGreenCluster", ("DescribeDBClusters",), scope.green_clusters, GREEN_CLUSTERS),
        Grant("DescribeMembers", ("DescribeDBInstances",), (every("db"),), INSTANCES_READ),
    )
