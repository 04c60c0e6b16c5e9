"""RDS grants of the step functions of one capability. The in-place strategy: one ModifyDBCluster to the target
version, then watching the cluster and its instances settle.
"""

from __future__ import annotations

from infra.permissions.grants import (
    EVENTS_READ,
    EVERY_RESOURCE,
    INSTANCES_READ,
    OWN_NAMES,
    REBOOT_MEMBERS,
    ClusterScope,
    Grant,
    every,
)


def start_in_place_upgrade(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        # the upgrade call is authorized on the cluster and on the target-family groups it names (ours)
        Grant(
            "UpgradeInPlace",
            ("ModifyDBCluster",),
            scope.clusters + scope.own_cluster_parameter_groups + scope.own_instance_parameter_groups,
            OWN_NAMES,
        ),
    )


def check_in_place_upgrade(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("ReadUpgradeEvents", ("DescribeEvents",), (EVERY_RESOURCE,), EVENTS_READ),
    )


def settle_instances(_: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeMembers", ("DescribeDBInstances",), (every("db"),), INSTANCES_READ),
        Grant("RebootPendingMembers", ("RebootDBInstance",), (every("db"),), REBOOT_MEMBERS),
    )
