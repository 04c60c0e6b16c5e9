"""RDS grants of the step functions of one capability. The way back: assess, move the replaced cluster aside, restore
the snapshot under the original name, recreate instances, verify, and delete the failed cluster only on request.
"""

from __future__ import annotations

from infra.permissions.grants import (
    ANY_SNAPSHOT,
    ASIDE_INSTANCES,
    CLUSTERS_LIST,
    INSTANCES_READ,
    OWN_NAMES,
    RECREATE_MEMBERS,
    RENAME_MEMBERS,
    RESTORE_INPUTS,
    ClusterScope,
    Grant,
    RdsResource,
    every,
)


def assess_rollback(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        # the members' versions and statuses say whether the failed upgrade left anything to roll back
        Grant("DescribeMembers", ("DescribeDBInstances",), (every("db"),), INSTANCES_READ),
    )


def move_aside(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("FindReplacedCluster", ("DescribeDBClusters",), (every("cluster"),), CLUSTERS_LIST),
        Grant("DescribeMembers", ("DescribeDBInstances",), (every("db"),), INSTANCES_READ),
        Grant("RenameClusterAside", ("ModifyDBCluster",), scope.clusters + scope.aside_clusters, OWN_NAMES),
        # the original names are tagged on before the renames, so a later restore can finish an interrupted one
        Grant("TagClusterBeforeRename", ("AddTagsToResource",), scope.clusters),
        Grant("RenameInstancesAside", ("ModifyDBInstance", "AddTagsToResource"), (every("db"),), RENAME_MEMBERS),
    )


def restore_cluster(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("FindSnapshot", ("DescribeDBClusterSnapshots",), (every("cluster-snapshot"),), ANY_SNAPSHOT),
        Grant("RestoreUnderOriginalName", ("RestoreDBClusterFromSnapshot", "AddTagsToResource"), scope.clusters),
        # the restore is also authorized on the snapshot, subnet group and parameter group it names
        Grant(
            "RestoreFromSnapshot",
            ("RestoreDBClusterFromSnapshot",),
            (every("cluster-snapshot"), every("subgrp"), every("cluster-pg")),
            RESTORE_INPUTS,
        ),
    )


def create_instances(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeMembers", ("DescribeDBInstances",), (every("db"),), INSTANCES_READ),
        Grant("CreateMembersInRestoredCluster", ("CreateDBInstance",), scope.clusters),
        Grant("CreateMembers", ("CreateDBInstance",), (every("db"), every("pg")), RECREATE_MEMBERS),
    )


def verify_restore(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("DescribeMembers", ("DescribeDBInstances",), (every("db"),), INSTANCES_READ),
    )


def delete_failed_cluster(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant(
            "DeleteAsideCluster",
            ("DescribeDBClusters", "ModifyDBCluster", "DeleteDBCluster", "CreateDBClusterSnapshot"),
            scope.aside_clusters + scope.aside_snapshots,
            OWN_NAMES,
        ),
        Grant("DeleteAsideInstances", ("DeleteDBInstance",), (RdsResource("db", "*-aside-*"),), ASIDE_INSTANCES),
    )
