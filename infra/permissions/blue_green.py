"""RDS grants of the step functions of one capability. The blue/green strategy: create and watch the deployment, the
consistency check before the switchover, the switchover, the clean-up, and abandoning green.
"""

from __future__ import annotations

from infra.permissions.grants import (
    CLUSTERS_LIST,
    DEPLOYMENT_IDS,
    GREEN_CLUSTERS,
    GREEN_STAGING,
    GREEN_STAGING_DELETE,
    OLD_INSTANCES,
    OWN_NAMES,
    SWITCHOVER_RENAMES,
    ClusterScope,
    Grant,
    RdsResource,
    every,
    global_blue_green,
)


def create_blue_green(scope: ClusterScope) -> tuple[Grant, ...]:
    green = (every("cluster"), every("db"), every("cluster-endpoint"))
    return (
        Grant("FindBlueGreen", ("DescribeBlueGreenDeployments",), (every("deployment"),), DEPLOYMENT_IDS),
        Grant(
            "CreateBlueGreen",
            ("CreateBlueGreenDeployment", "AddTagsToResource"),
            (every("deployment"),),
            DEPLOYMENT_IDS,
        ),
        # the deployment is also authorized on its source cluster and the target parameter groups it names
        Grant(
            "CreateBlueGreenFromOwnGroups",
            ("CreateBlueGreenDeployment",),
            scope.clusters + scope.own_cluster_parameter_groups + scope.own_instance_parameter_groups,
            OWN_NAMES,
        ),
        Grant(
            "ProvisionGreen",
            ("CreateDBCluster", "CreateDBInstance", "CreateDBClusterEndpoint"),
            (*green, every("subgrp"), *scope.own_cluster_parameter_groups, *scope.own_instance_parameter_groups),
            GREEN_STAGING,
        ),
        Grant("TagGreen", ("AddTagsToResource",), green, GREEN_STAGING),
        global_blue_green("CreateGlobalCluster"),
    )


def check_blue_green(_: ClusterScope) -> tuple[Grant, ...]:
    return (Grant("DescribeBlueGreen", ("DescribeBlueGreenDeployments",), (every("deployment"),), DEPLOYMENT_IDS),)


def consistency_check(scope: ClusterScope) -> tuple[Grant, ...]:
    """Blue and green compared before switchover: both clusters are described, nothing else."""
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("DescribeGreenCluster", ("DescribeDBClusters",), scope.green_clusters, GREEN_CLUSTERS),
    )


def start_switchover(_: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant(
            "SwitchOver",
            ("DescribeBlueGreenDeployments", "SwitchoverBlueGreenDeployment"),
            (every("deployment"),),
            DEPLOYMENT_IDS,
        ),
        Grant(
            "RenameClusters",
            ("ModifyDBCluster", "PromoteReadReplicaDBCluster"),
            (every("cluster"),),
            SWITCHOVER_RENAMES,
        ),
        global_blue_green("ModifyGlobalCluster"),
    )


def check_switchover(_: ClusterScope) -> tuple[Grant, ...]:
    return (Grant("DescribeSwitchover", ("DescribeBlueGreenDeployments",), (every("deployment"),), DEPLOYMENT_IDS),)


def switchover_probe(scope: ClusterScope) -> tuple[Grant, ...]:
    """The write probe beside the switchover: the cluster's endpoint (described again for each new connection) and
    the deployment's status (a switchover that ended without switching never refuses a write)."""
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("DescribeSwitchover", ("DescribeBlueGreenDeployments",), (every("deployment"),), DEPLOYMENT_IDS),
    )


def clean_up(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("FindOldBlue", ("DescribeDBClusters",), (every("cluster"),), CLUSTERS_LIST),
        Grant("DeleteBlueGreenObject", ("DeleteBlueGreenDeployment",), (every("deployment"),), DEPLOYMENT_IDS),
        Grant(
            "DeleteOldCluster",
            ("ModifyDBCluster", "DeleteDBCluster", "CreateDBClusterSnapshot"),
            scope.old_clusters + scope.old_cluster_snapshots,
            OWN_NAMES,
        ),
        # no DeleteGlobalCluster: after a switchover the deployment is deleted without its target (DeleteTarget is
        # refused then), so RDS deletes nothing on the caller's behalf
        Grant("DeleteOldInstances", ("DeleteDBInstance",), (RdsResource("db", "*-old*"),), OLD_INSTANCES),
    )


def abandon_blue_green(scope: ClusterScope) -> tuple[Grant, ...]:
    """A rejected or timed-out approval: delete the deployment and the green environment, never blue."""
    return (
        Grant(
            "DeleteBlueGreen",
            ("DescribeBlueGreenDeployments", "DeleteBlueGreenDeployment"),
            (every("deployment"),),
            DEPLOYMENT_IDS,
        ),
        # green's deletion protection is copied from blue: turned off first, by its visible name
        Grant("UnprotectGreenCluster", ("DescribeDBClusters", "ModifyDBCluster"), scope.green_clusters, GREEN_CLUSTERS),
        # DeleteTarget has RDS delete green's cluster, instances and endpoints on the caller's behalf
        Grant(
            "DeleteStagingEnvironment",
            ("DeleteDBCluster", "DeleteDBInstance", "DeleteDBClusterEndpoint"),
            (every("cluster"), every("db"), every("cluster-endpoint")),
            GREEN_STAGING_DELETE,
        ),
        global_blue_green("DeleteGlobalCluster"),
    )
