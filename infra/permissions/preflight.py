"""RDS grants of the step functions of one capability. The preflight reads the cluster, its members, groups, snapshots,
integrations and proxies; it changes nothing.
"""

from __future__ import annotations

from infra.permissions.grants import (
    ANY_SNAPSHOT,
    DEPLOYMENT_IDS,
    ENGINE_CATALOGUE,
    EVERY_RESOURCE,
    GROUP_FAMILIES,
    INSTANCES_READ,
    MOVED_ASIDE_LIST,
    ORDERABLE_CLASSES,
    OWN_NAMES,
    PROXIES_READ,
    SOURCE_CLUSTER_GROUP_READ,
    ZERO_ETL_READ,
    ClusterScope,
    Grant,
    every,
)


def preflight(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        # DescribeDBClusters itself is on cluster:* (FindClusterMovedAside): the cluster moved aside is listed
        Grant("DescribeClusters", ("ListTagsForResource", "DescribePendingMaintenanceActions"), scope.clusters),
        Grant(
            "ReadCurrentClusterGroup",
            ("DescribeDBClusterParameters",),
            (every("cluster-pg"),),
            SOURCE_CLUSTER_GROUP_READ,
        ),
        Grant("OrderableClasses", ("DescribeOrderableDBInstanceOptions",), (EVERY_RESOURCE,), ORDERABLE_CLASSES),
        Grant("DescribeMembers", ("DescribeDBInstances", "ListTagsForResource"), (every("db"),), INSTANCES_READ),
        Grant("ReadEngineCatalogue", ("DescribeDBEngineVersions",), (EVERY_RESOURCE,), ENGINE_CATALOGUE),
        Grant("FindBlueGreen", ("DescribeBlueGreenDeployments",), (every("deployment"),), DEPLOYMENT_IDS),
        Grant(
            "ReadParameterGroupFamilies",
            ("DescribeDBClusterParameterGroups", "DescribeDBParameterGroups"),
            (every("cluster-pg"), every("pg")),
            GROUP_FAMILIES,
        ),
        Grant("FindRestoreSnapshot", ("DescribeDBClusterSnapshots",), (every("cluster-snapshot"),), ANY_SNAPSHOT),
        Grant("FindZeroEtlIntegrations", ("DescribeIntegrations",), (EVERY_RESOURCE,), ZERO_ETL_READ),
        Grant(
            "FindProxies",
            ("DescribeDBProxies", "DescribeDBProxyTargets"),
            (every("db-proxy"), every("target-group")),
            PROXIES_READ,
        ),
        Grant("FindClusterMovedAside", ("DescribeDBClusters",), (every("cluster"),), MOVED_ASIDE_LIST),
        Grant("ReadAsideClusterTags", ("ListTagsForResource",), scope.aside_clusters, OWN_NAMES),
    )
