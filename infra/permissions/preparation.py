"""RDS grants of the step functions of one capability. Preparing either strategy: capacity raised and restored, blue's
cluster parameter group, the target family's groups, the pre-upgrade snapshot.
"""

from __future__ import annotations

from infra.permissions.grants import (
    CLUSTERS_LIST,
    ENGINE_DEFAULTS,
    EVERY_RESOURCE,
    INSTANCES_READ,
    OWN_NAMES,
    REBOOT_MEMBERS,
    SOURCE_CLUSTER_GROUP_MODIFY,
    SOURCE_CLUSTER_GROUP_READ,
    SOURCE_INSTANCE_GROUP_READ,
    ClusterScope,
    Grant,
    every,
)


def raise_capacity(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant(
            "RecordAndRaiseCapacity",
            ("DescribeDBClusters", "ListTagsForResource", "AddTagsToResource", "ModifyDBCluster"),
            scope.clusters,
        ),
    )


def restore_capacity(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("FindBlueAfterRename", ("DescribeDBClusters",), (every("cluster"),), CLUSTERS_LIST),
        # after a rollback stopped half-way, the raised capacity is on the cluster moved aside
        Grant(
            "RestoreCapacity",
            ("ListTagsForResource", "RemoveTagsFromResource", "ModifyDBCluster"),
            scope.clusters + scope.old_clusters + scope.aside_clusters,
            OWN_NAMES,
        ),
    )


def prepare_source_parameter_group(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("DescribeMembers", ("DescribeDBInstances",), (every("db"),), INSTANCES_READ),
        Grant(
            "CreateOwnClusterGroup",
            ("DescribeDBClusterParameterGroups", "CreateDBClusterParameterGroup", "AddTagsToResource"),
            scope.own_cluster_parameter_groups,
            OWN_NAMES,
        ),
        Grant(
            "ReadCurrentClusterGroup",
            ("DescribeDBClusterParameters",),
            (every("cluster-pg"),),
            SOURCE_CLUSTER_GROUP_READ,
        ),
        Grant(
            "EnableLogicalReplication",
            ("ModifyDBClusterParameterGroup",),
            (every("cluster-pg"),),
            SOURCE_CLUSTER_GROUP_MODIFY,
        ),
        # attaching our group: ModifyDBCluster is authorized on the cluster and on the group it names
        Grant(
            "AttachOwnClusterGroup",
            ("ModifyDBCluster",),
            scope.clusters + scope.own_cluster_parameter_groups,
            OWN_NAMES,
        ),
    )


def check_parameter_sync(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("DescribeMembers", ("DescribeDBInstances",), (every("db"),), INSTANCES_READ),
        Grant("RebootPendingMembers", ("RebootDBInstance",), (every("db"),), REBOOT_MEMBERS),
    )


def create_target_parameter_groups(scope: ClusterScope) -> tuple[Grant, ...]:
    own_groups = scope.own_cluster_parameter_groups + scope.own_instance_parameter_groups
    return (
        Grant(
            "CreateAndFillOwnGroups",
            (
                "DescribeDBClusterParameterGroups",
                "DescribeDBParameterGroups",
                "CreateDBClusterParameterGroup",
                "CreateDBParameterGroup",
                "AddTagsToResource",
                "ModifyDBClusterParameterGroup",
                "ModifyDBParameterGroup",
            ),
            own_groups,
            OWN_NAMES,
        ),
        Grant(
            "ReadSourceClusterGroup",
            ("DescribeDBClusterParameters",),
            (every("cluster-pg"),),
            SOURCE_CLUSTER_GROUP_READ,
        ),
        Grant("ReadSourceInstanceGroup", ("DescribeDBParameters",), (every("pg"),), SOURCE_INSTANCE_GROUP_READ),
        Grant(
            "ReadEngineDefaults",
            ("DescribeEngineDefaultClusterParameters", "DescribeEngineDefaultParameters"),
            (EVERY_RESOURCE,),
            ENGINE_DEFAULTS,
        ),
    )


def start_snapshot(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant(
            "TakePreUpgradeSnapshot",
            ("DescribeDBClusterSnapshots", "CreateDBClusterSnapshot", "AddTagsToResource"),
            scope.snapshots,
            OWN_NAMES,
        ),
        # CreateDBClusterSnapshot is authorized on the source cluster as well as on the snapshot
        Grant("SnapshotSourceCluster", ("CreateDBClusterSnapshot",), scope.clusters),
    )


def check_snapshot(scope: ClusterScope) -> tuple[Grant, ...]:
    return (Grant("DescribeSnapshot", ("DescribeDBClusterSnapshots",), scope.snapshots, OWN_NAMES),)
