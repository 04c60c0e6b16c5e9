"""Least-privilege RDS permissions of each step function, scoped to the configured clusters.

Every statement that needs a wildcard carries the reason next to it; the same reason is
used for the cdk-nag acknowledgment, so the template, the review and the audit trail say
the same thing. Names we control follow lambdas/upgrade/shared/naming.py:
``<cluster>-<family>-cluster`` / ``-instance`` parameter groups, ``<cluster>-pre-upgrade-...``
snapshots; a switchover renames blue to ``<cluster>-old1`` (instances: ``<instance>-old1``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from aws_cdk import Aws
from aws_cdk import aws_iam as iam


@dataclass(frozen=True)
class RdsResource:
    """One RDS ARN pattern; kind "" stands for every resource ("*")."""

    kind: str
    name: str

    @property
    def is_wildcard(self) -> bool:
        return "*" in self.name

    @property
    def _regional(self) -> bool:
        # global clusters have no Region in their ARN (Service Authorization Reference: arn:${Partition}:rds::
        # ${Account}:global-cluster:${GlobalCluster})
        return self.kind != "global-cluster"

    def arn(self) -> str:
        if not self.kind:
            return "*"
        region = Aws.REGION if self._regional else ""
        return f"arn:{Aws.PARTITION}:rds:{region}:{Aws.ACCOUNT_ID}:{self.kind}:{self.name}"

    def nag_text(self) -> str:
        """How cdk-nag prints this resource in an AwsSolutions-IAM5 finding id (its flattened Fn::Join)."""
        if not self.kind:
            return "*"
        region = "<AWS::Region>" if self._regional else ""
        return f"arn:<AWS::Partition>:rds:{region}:<AWS::AccountId>:{self.kind}:{self.name}"


EVERY_RESOURCE = RdsResource("", "*")


@dataclass(frozen=True)
class Grant:
    """Allow ``rds:<action>`` on resources; a wildcard resource must say why."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[RdsResource, ...]
    reason: str | None = None

    def __post_init__(self) -> None:
        if any(resource.is_wildcard for resource in self.resources) and not self.reason:
            raise ValueError(f"grant {self.sid} uses a wildcard resource without a reason")

    def statement(self) -> iam.PolicyStatement:
        return iam.PolicyStatement(
            sid=self.sid,
            actions=[f"rds:{action}" for action in self.actions],
            resources=[resource.arn() for resource in self.resources],
        )

    def wildcard_findings(self) -> dict[str, str]:
        """cdk-nag finding id -> reason, for each wildcard resource of this grant."""
        return {
            f"AwsSolutions-IAM5[Resource::{resource.nag_text()}]": str(self.reason)
            for resource in self.resources
            if resource.is_wildcard
        }


class ClusterScope:
    """ARN patterns derived from the configured cluster ids."""

    def __init__(self, clusters: Iterable[str]) -> None:
        self._clusters = tuple(clusters)

    def _each(self, kind: str, pattern: str) -> tuple[RdsResource, ...]:
        return tuple(RdsResource(kind, pattern.format(id=cluster)) for cluster in self._clusters)

    @property
    def clusters(self) -> tuple[RdsResource, ...]:
        return self._each("cluster", "{id}")

    @property
    def old_clusters(self) -> tuple[RdsResource, ...]:
        return self._each("cluster", "{id}-old*")

    @property
    def own_cluster_parameter_groups(self) -> tuple[RdsResource, ...]:
        return self._each("cluster-pg", "{id}-*")

    @property
    def own_instance_parameter_groups(self) -> tuple[RdsResource, ...]:
        return self._each("pg", "{id}-*")

    @property
    def snapshots(self) -> tuple[RdsResource, ...]:
        return self._each("cluster-snapshot", "{id}-*")

    @property
    def old_cluster_snapshots(self) -> tuple[RdsResource, ...]:
        return self._each("cluster-snapshot", "{id}-old*")

    @property
    def aside_clusters(self) -> tuple[RdsResource, ...]:
        return self._each("cluster", "{id}-aside-*")

    @property
    def aside_snapshots(self) -> tuple[RdsResource, ...]:
        return self._each("cluster-snapshot", "{id}-aside-*")

    @property
    def green_clusters(self) -> tuple[RdsResource, ...]:
        return self._each("cluster", "{id}-green-*")


def _all(kind: str) -> RdsResource:
    return RdsResource(kind, "*")


# Why each wildcard is needed. These texts become cdk-nag acknowledgment reasons.
OWN_NAMES = (
    "Prefix patterns under each configured cluster id: the workflow's own deterministic names "
    "(<cluster>-<family>-cluster/-instance parameter groups, <cluster>-pre-upgrade-<versions>-<execution> snapshots) "
    "and the name AWS gives blue at switchover (<cluster>-old1); the suffix depends on versions and the execution."
)
INSTANCES_READ = (
    "Cluster members are listed with a db-cluster-id filter; instance identifiers are user-chosen and cannot be "
    "derived from the cluster id, so DescribeDBInstances is on db:* (read-only, this account and Region)."
)
CLUSTERS_LIST = (
    "Blue is followed across the switchover rename (<cluster> -> <cluster>-old1) by its resource id, which needs "
    "DescribeDBClusters without an identifier; that listing is authorized on cluster:* (read-only)."
)
ENGINE_CATALOGUE = (
    "DescribeDBEngineVersions reads AWS's aurora-postgresql engine-version catalogue (valid upgrade targets, "
    "parameter group families); no resource of this account is read or changed."
)
ORDERABLE_CLASSES = (
    "DescribeOrderableDBInstanceOptions reads AWS's catalogue of instance classes offered per engine version and "
    "has no resource-level permissions (Service Authorization Reference: no resource type); read-only."
)
ENGINE_DEFAULTS = (
    "DescribeEngineDefaultClusterParameters/DescribeEngineDefaultParameters read AWS's defaults of a parameter "
    "group family, not a resource of this account; read-only."
)
DEPLOYMENT_IDS = (
    "Blue/green deployment identifiers (bgd-...) are generated by RDS at creation and cannot be known when the "
    "policy is written, so blue/green calls are on deployment:* of this account and Region."
)
SOURCE_CLUSTER_GROUP_READ = (
    "The cluster's current custom cluster parameter group has a user-chosen name; its user-set parameters are "
    "read (to keep logical replication and carry settings to the target family): cluster-pg:*, read-only."
)
SOURCE_CLUSTER_GROUP_MODIFY = (
    "When the cluster already uses a custom cluster parameter group (user-chosen name), rds.logical_replication "
    "must be set in that group for blue/green; default.* groups cannot be modified in RDS."
)
SOURCE_INSTANCE_GROUP_READ = (
    "The writer's DB parameter group has a user-chosen name; its user-set parameters are read to carry them to "
    "the target family: pg:*, read-only."
)
REBOOT_MEMBERS = (
    "Members of the configured cluster whose parameter group is pending-reboot are rebooted; member identifiers "
    "are user-chosen, not derivable from the cluster id, and no RDS condition key ties an instance to its cluster."
)
GREEN_STAGING = (
    "RDS creates the green cluster, instances and endpoints on the caller's behalf under internally generated "
    "names; the Aurora User Guide (Authorizing access to blue/green deployment operations) requires "
    "CreateDBCluster, CreateDBInstance, CreateDBClusterEndpoint and AddTagsToResource and says policies for them "
    "cannot use partial name patterns, only *. Green copies blue's user-named DB subnet group."
)
SWITCHOVER_RENAMES = (
    "A switchover renames blue to <cluster>-old1 and the internally named green cluster and instances to the "
    "original names on the caller's behalf; the Aurora User Guide requires ModifyDBCluster and "
    "PromoteReadReplicaDBCluster for it and says partial name patterns cannot be used, only *."
)
GREEN_STAGING_DELETE = (
    "Deleting a blue/green deployment with DeleteTarget has RDS delete the green cluster, instances and endpoints on "
    "the caller's behalf under internally defined names; the Aurora User Guide (Authorizing access to blue/green "
    "deployment operations) requires DeleteDBCluster, DeleteDBInstance and DeleteDBClusterEndpoint and says policies "
    "for them cannot use partial name patterns, only *. Used only to back out before a switchover; blue is checked "
    "not to be the target first."
)
OLD_INSTANCES = (
    "After switchover the old blue's instances keep their user-chosen names with -oldN appended (not derivable "
    "from the cluster id); deletion is limited to instances named *-old* and only runs when the execution "
    "input asks for delete_old_cluster."
)

GROUP_FAMILIES = (
    "Preflight reads the family of the cluster's and instances' current parameter groups (user-chosen names) to "
    "capture the settings a restore must recreate; DescribeDBClusterParameterGroups/DescribeDBParameterGroups, "
    "read-only."
)
ANY_SNAPSHOT = (
    "A standalone restore names any manual snapshot of the account (user-chosen names, e.g. one taken by hand "
    "before an upgrade); it is only read here and restored under a configured cluster's identifier."
)
EVENTS_READ = (
    "DescribeEvents does not support resource-level permissions; the in-place check reads the cluster's recent "
    "events to report why Aurora refused or failed an upgrade (read-only)."
)
RENAME_MEMBERS = (
    "A rollback tags the failed cluster's instances (user-chosen names) with their name and renames them to "
    "<name>-aside-<run> so the original "
    "identifiers are free for the restored instances; instance names are not derivable from the cluster id."
)
MOVED_ASIDE_LIST = (
    "A restore whose cluster is not under its name finds the cluster a rollback moved aside (by the tag the rename "
    "step put on it, or by the snapshot's source resource id), which needs DescribeDBClusters without an "
    "identifier; that listing is authorized on cluster:* (read-only)."
)
RESTORE_INPUTS = (
    "RestoreDBClusterFromSnapshot is also authorized on what it names: the snapshot (possibly user-named), the "
    "cluster's own DB subnet group and its source-version cluster parameter group (user-chosen names)."
)
RECREATE_MEMBERS = (
    "The restored cluster's instances are recreated under their original, user-chosen identifiers with their "
    "original (user-named) DB parameter groups; only members of a configured cluster are created."
)
GREEN_CLUSTERS = (
    "RDS names the green cluster <cluster>-green-<random suffix> when it creates the blue/green deployment; the "
    "suffix is unknown until then, so the green cluster is matched by that prefix under each configured cluster id."
)
ASIDE_INSTANCES = (
    "Deleting the kept-aside cluster (only when the input sets delete_failed_cluster) deletes its instances, "
    "which carry their user-chosen names plus -aside-<run>."
)
ZERO_ETL_READ = (
    "DescribeIntegrations lists the account's zero-ETL integrations (their identifiers are generated by RDS) to "
    "find those whose source is the cluster; listing is authorized on * (Service Authorization Reference), "
    "read-only."
)
PROXIES_READ = (
    "RDS proxies have user-chosen names and RDS-generated resource ids; preflight lists them and their targets "
    "to find those that target the cluster (DescribeDBProxies, DescribeDBProxyTargets), read-only."
)
GLOBAL_BLUE_GREEN = (
    "For a member of a global database, RDS manages the global cluster topology on the caller's behalf, under "
    "names it generates: the Aurora User Guide (Authorizing access to blue/green deployment operations, "
    "additional permissions for Aurora Global Database) requires CreateGlobalCluster to create, "
    "ModifyGlobalCluster to switch over and DeleteGlobalCluster to delete a deployment, and says partial name "
    "patterns cannot be used, only *. CreateGlobalCluster is also authorized on the (green) cluster it uses."
)


def _global_blue_green(action: str) -> Grant:
    """The extra action a blue/green operation needs when the source is a global database member."""
    resources = (
        (_all("global-cluster"), _all("cluster")) if action == "CreateGlobalCluster" else (_all("global-cluster"),)
    )
    return Grant(f"GlobalDatabase{action.removesuffix('GlobalCluster')}", (action,), resources, GLOBAL_BLUE_GREEN)


def _preflight(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        # DescribeDBClusters itself is on cluster:* (FindClusterMovedAside): the cluster moved aside is listed
        Grant("DescribeClusters", ("ListTagsForResource", "DescribePendingMaintenanceActions"), scope.clusters),
        Grant(
            "ReadCurrentClusterGroup",
            ("DescribeDBClusterParameters",),
            (_all("cluster-pg"),),
            SOURCE_CLUSTER_GROUP_READ,
        ),
        Grant("OrderableClasses", ("DescribeOrderableDBInstanceOptions",), (EVERY_RESOURCE,), ORDERABLE_CLASSES),
        Grant("DescribeMembers", ("DescribeDBInstances", "ListTagsForResource"), (_all("db"),), INSTANCES_READ),
        Grant("ReadEngineCatalogue", ("DescribeDBEngineVersions",), (EVERY_RESOURCE,), ENGINE_CATALOGUE),
        Grant("FindBlueGreen", ("DescribeBlueGreenDeployments",), (_all("deployment"),), DEPLOYMENT_IDS),
        Grant(
            "ReadParameterGroupFamilies",
            ("DescribeDBClusterParameterGroups", "DescribeDBParameterGroups"),
            (_all("cluster-pg"), _all("pg")),
            GROUP_FAMILIES,
        ),
        Grant("FindRestoreSnapshot", ("DescribeDBClusterSnapshots",), (_all("cluster-snapshot"),), ANY_SNAPSHOT),
        Grant("FindZeroEtlIntegrations", ("DescribeIntegrations",), (EVERY_RESOURCE,), ZERO_ETL_READ),
        Grant(
            "FindProxies",
            ("DescribeDBProxies", "DescribeDBProxyTargets"),
            (_all("db-proxy"), _all("target-group")),
            PROXIES_READ,
        ),
        Grant("FindClusterMovedAside", ("DescribeDBClusters",), (_all("cluster"),), MOVED_ASIDE_LIST),
        Grant("ReadAsideClusterTags", ("ListTagsForResource",), scope.aside_clusters, OWN_NAMES),
    )


def _raise_capacity(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant(
            "RecordAndRaiseCapacity",
            ("DescribeDBClusters", "ListTagsForResource", "AddTagsToResource", "ModifyDBCluster"),
            scope.clusters,
        ),
    )


def _restore_capacity(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("FindBlueAfterRename", ("DescribeDBClusters",), (_all("cluster"),), CLUSTERS_LIST),
        # after a rollback stopped half-way, the raised capacity is on the cluster moved aside
        Grant(
            "RestoreCapacity",
            ("ListTagsForResource", "RemoveTagsFromResource", "ModifyDBCluster"),
            scope.clusters + scope.old_clusters + scope.aside_clusters,
            OWN_NAMES,
        ),
    )


def _prepare_source_parameter_group(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("DescribeMembers", ("DescribeDBInstances",), (_all("db"),), INSTANCES_READ),
        Grant(
            "CreateOwnClusterGroup",
            ("DescribeDBClusterParameterGroups", "CreateDBClusterParameterGroup", "AddTagsToResource"),
            scope.own_cluster_parameter_groups,
            OWN_NAMES,
        ),
        Grant(
            "ReadCurrentClusterGroup",
            ("DescribeDBClusterParameters",),
            (_all("cluster-pg"),),
            SOURCE_CLUSTER_GROUP_READ,
        ),
        Grant(
            "EnableLogicalReplication",
            ("ModifyDBClusterParameterGroup",),
            (_all("cluster-pg"),),
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


def _check_parameter_sync(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("DescribeMembers", ("DescribeDBInstances",), (_all("db"),), INSTANCES_READ),
        Grant("RebootPendingMembers", ("RebootDBInstance",), (_all("db"),), REBOOT_MEMBERS),
    )


def _create_target_parameter_groups(scope: ClusterScope) -> tuple[Grant, ...]:
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
            (_all("cluster-pg"),),
            SOURCE_CLUSTER_GROUP_READ,
        ),
        Grant("ReadSourceInstanceGroup", ("DescribeDBParameters",), (_all("pg"),), SOURCE_INSTANCE_GROUP_READ),
        Grant(
            "ReadEngineDefaults",
            ("DescribeEngineDefaultClusterParameters", "DescribeEngineDefaultParameters"),
            (EVERY_RESOURCE,),
            ENGINE_DEFAULTS,
        ),
    )


def _start_snapshot(scope: ClusterScope) -> tuple[Grant, ...]:
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


def _check_snapshot(scope: ClusterScope) -> tuple[Grant, ...]:
    return (Grant("DescribeSnapshot", ("DescribeDBClusterSnapshots",), scope.snapshots, OWN_NAMES),)


def _create_blue_green(scope: ClusterScope) -> tuple[Grant, ...]:
    green = (_all("cluster"), _all("db"), _all("cluster-endpoint"))
    return (
        Grant("FindBlueGreen", ("DescribeBlueGreenDeployments",), (_all("deployment"),), DEPLOYMENT_IDS),
        Grant(
            "CreateBlueGreen", ("CreateBlueGreenDeployment", "AddTagsToResource"), (_all("deployment"),), DEPLOYMENT_IDS
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
            (*green, _all("subgrp"), *scope.own_cluster_parameter_groups, *scope.own_instance_parameter_groups),
            GREEN_STAGING,
        ),
        Grant("TagGreen", ("AddTagsToResource",), green, GREEN_STAGING),
        _global_blue_green("CreateGlobalCluster"),
    )


def _check_blue_green(_: ClusterScope) -> tuple[Grant, ...]:
    return (Grant("DescribeBlueGreen", ("DescribeBlueGreenDeployments",), (_all("deployment"),), DEPLOYMENT_IDS),)


def _start_switchover(_: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant(
            "SwitchOver",
            ("DescribeBlueGreenDeployments", "SwitchoverBlueGreenDeployment"),
            (_all("deployment"),),
            DEPLOYMENT_IDS,
        ),
        Grant(
            "RenameClusters", ("ModifyDBCluster", "PromoteReadReplicaDBCluster"), (_all("cluster"),), SWITCHOVER_RENAMES
        ),
        _global_blue_green("ModifyGlobalCluster"),
    )


def _check_switchover(_: ClusterScope) -> tuple[Grant, ...]:
    return (Grant("DescribeSwitchover", ("DescribeBlueGreenDeployments",), (_all("deployment"),), DEPLOYMENT_IDS),)


def _verify_upgrade(_: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("FindClusters", ("DescribeDBClusters",), (_all("cluster"),), CLUSTERS_LIST),
        Grant("DescribeMembers", ("DescribeDBInstances",), (_all("db"),), INSTANCES_READ),
    )


def _clean_up(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("FindOldBlue", ("DescribeDBClusters",), (_all("cluster"),), CLUSTERS_LIST),
        Grant("DeleteBlueGreenObject", ("DeleteBlueGreenDeployment",), (_all("deployment"),), DEPLOYMENT_IDS),
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


def _start_in_place_upgrade(scope: ClusterScope) -> tuple[Grant, ...]:
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


def _check_in_place_upgrade(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("ReadUpgradeEvents", ("DescribeEvents",), (EVERY_RESOURCE,), EVENTS_READ),
    )


def _settle_instances(_: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeMembers", ("DescribeDBInstances",), (_all("db"),), INSTANCES_READ),
        Grant("RebootPendingMembers", ("RebootDBInstance",), (_all("db"),), REBOOT_MEMBERS),
    )


def _assess_rollback(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        # the members' versions and statuses say whether the failed upgrade left anything to roll back
        Grant("DescribeMembers", ("DescribeDBInstances",), (_all("db"),), INSTANCES_READ),
    )


def _move_aside(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("FindReplacedCluster", ("DescribeDBClusters",), (_all("cluster"),), CLUSTERS_LIST),
        Grant("DescribeMembers", ("DescribeDBInstances",), (_all("db"),), INSTANCES_READ),
        Grant("RenameClusterAside", ("ModifyDBCluster",), scope.clusters + scope.aside_clusters, OWN_NAMES),
        # the original names are tagged on before the renames, so a later restore can finish an interrupted one
        Grant("TagClusterBeforeRename", ("AddTagsToResource",), scope.clusters),
        Grant("RenameInstancesAside", ("ModifyDBInstance", "AddTagsToResource"), (_all("db"),), RENAME_MEMBERS),
    )


def _restore_cluster(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("FindSnapshot", ("DescribeDBClusterSnapshots",), (_all("cluster-snapshot"),), ANY_SNAPSHOT),
        Grant("RestoreUnderOriginalName", ("RestoreDBClusterFromSnapshot", "AddTagsToResource"), scope.clusters),
        # the restore is also authorized on the snapshot, subnet group and parameter group it names
        Grant(
            "RestoreFromSnapshot",
            ("RestoreDBClusterFromSnapshot",),
            (_all("cluster-snapshot"), _all("subgrp"), _all("cluster-pg")),
            RESTORE_INPUTS,
        ),
    )


def _create_instances(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeMembers", ("DescribeDBInstances",), (_all("db"),), INSTANCES_READ),
        Grant("CreateMembersInRestoredCluster", ("CreateDBInstance",), scope.clusters),
        Grant("CreateMembers", ("CreateDBInstance",), (_all("db"), _all("pg")), RECREATE_MEMBERS),
    )


def _verify_restore(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("DescribeMembers", ("DescribeDBInstances",), (_all("db"),), INSTANCES_READ),
    )


def _delete_failed_cluster(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant(
            "DeleteAsideCluster",
            ("DescribeDBClusters", "ModifyDBCluster", "DeleteDBCluster", "CreateDBClusterSnapshot"),
            scope.aside_clusters + scope.aside_snapshots,
            OWN_NAMES,
        ),
        Grant("DeleteAsideInstances", ("DeleteDBInstance",), (RdsResource("db", "*-aside-*"),), ASIDE_INSTANCES),
    )


def _post_upgrade(scope: ClusterScope) -> tuple[Grant, ...]:
    """ANALYZE and extension updates on green before switchover, or on the cluster upgraded in place."""
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("DescribeGreenCluster", ("DescribeDBClusters",), scope.green_clusters, GREEN_CLUSTERS),
        Grant("DescribeMembers", ("DescribeDBInstances",), (_all("db"),), INSTANCES_READ),
    )


def _consistency_check(scope: ClusterScope) -> tuple[Grant, ...]:
    """Blue and green compared before switchover: both clusters are described, nothing else."""
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("DescribeGreenCluster", ("DescribeDBClusters",), scope.green_clusters, GREEN_CLUSTERS),
    )


def _request_approval(scope: ClusterScope) -> tuple[Grant, ...]:
    """The approval message is a notification: the same reads as the notifier."""
    return _notify(scope)


def _abandon_blue_green(scope: ClusterScope) -> tuple[Grant, ...]:
    """A rejected or timed-out approval: delete the deployment and the green environment, never blue."""
    return (
        Grant(
            "DeleteBlueGreen",
            ("DescribeBlueGreenDeployments", "DeleteBlueGreenDeployment"),
            (_all("deployment"),),
            DEPLOYMENT_IDS,
        ),
        # green's deletion protection is copied from blue: turned off first, by its visible name
        Grant("UnprotectGreenCluster", ("DescribeDBClusters", "ModifyDBCluster"), scope.green_clusters, GREEN_CLUSTERS),
        # DeleteTarget has RDS delete green's cluster, instances and endpoints on the caller's behalf
        Grant(
            "DeleteStagingEnvironment",
            ("DeleteDBCluster", "DeleteDBInstance", "DeleteDBClusterEndpoint"),
            (_all("cluster"), _all("db"), _all("cluster-endpoint")),
            GREEN_STAGING_DELETE,
        ),
        _global_blue_green("DeleteGlobalCluster"),
    )


def _await_change(scope: ClusterScope) -> tuple[Grant, ...]:
    """Registers a task token, then checks once whether the awaited change already happened."""
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        Grant("DescribeSnapshot", ("DescribeDBClusterSnapshots",), scope.snapshots, OWN_NAMES),
        Grant("DescribeBlueGreen", ("DescribeBlueGreenDeployments",), (_all("deployment"),), DEPLOYMENT_IDS),
    )


def _no_rds(_: ClusterScope) -> tuple[Grant, ...]:
    return ()


def _notify(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        Grant("DescribeCluster", ("DescribeDBClusters",), scope.clusters),
        # a failed rollback or restore: the message says where the cluster moved aside is
        Grant("DescribeAsideCluster", ("DescribeDBClusters",), scope.aside_clusters, OWN_NAMES),
        Grant("DescribeBlueGreen", ("DescribeBlueGreenDeployments",), (_all("deployment"),), DEPLOYMENT_IDS),
    )


PolicyBuilder = Callable[[ClusterScope], tuple[Grant, ...]]

# construct id of the step function -> its RDS grants
RDS_POLICIES: Mapping[str, PolicyBuilder] = {
    "PreflightFunction": _preflight,
    "RaiseCapacityFunction": _raise_capacity,
    "RestoreCapacityFunction": _restore_capacity,
    "PrepareSourceParameterGroupFunction": _prepare_source_parameter_group,
    "CheckParameterSyncFunction": _check_parameter_sync,
    "CreateTargetParameterGroupsFunction": _create_target_parameter_groups,
    "StartSnapshotFunction": _start_snapshot,
    "CheckSnapshotFunction": _check_snapshot,
    "CreateBlueGreenFunction": _create_blue_green,
    "CheckBlueGreenFunction": _check_blue_green,
    "StartSwitchoverFunction": _start_switchover,
    "CheckSwitchoverFunction": _check_switchover,
    "VerifyUpgradeFunction": _verify_upgrade,
    "CleanUpFunction": _clean_up,
    "StartInPlaceUpgradeFunction": _start_in_place_upgrade,
    "CheckInPlaceUpgradeFunction": _check_in_place_upgrade,
    "SettleInstancesFunction": _settle_instances,
    "AssessRollbackFunction": _assess_rollback,
    "MoveAsideFunction": _move_aside,
    "RestoreClusterFunction": _restore_cluster,
    "CreateInstancesFunction": _create_instances,
    "VerifyRestoreFunction": _verify_restore,
    "DeleteFailedClusterFunction": _delete_failed_cluster,
    "NotifyFunction": _notify,
    "PostUpgradeFunction": _post_upgrade,
    "ConsistencyCheckFunction": _consistency_check,
    "RequestApprovalFunction": _request_approval,
    "AbandonBlueGreenFunction": _abandon_blue_green,
    "AwaitChangeFunction": _await_change,
    # not steps of the state machine: a function URL, an EventBridge target, an SNS subscriber
    "ApprovalDecisionFunction": _no_rds,
    "WakeFunction": _no_rds,
    "SlackWebhookFunction": _no_rds,
}


def grants_for(function_id: str, clusters: Iterable[str]) -> tuple[Grant, ...]:
    """The RDS grants of one step function; a function without an entry is a programming error."""
    return RDS_POLICIES[function_id](ClusterScope(clusters))


def acknowledgments(grants: Iterable[Grant]) -> dict[str, str]:
    """Merge the wildcard findings of several grants; one finding id may have several reasons."""
    merged: dict[str, list[str]] = {}
    for grant in grants:
        for finding, reason in grant.wildcard_findings().items():
            reasons = merged.setdefault(finding, [])
            if reason not in reasons:
                reasons.append(reason)
    return {finding: " | ".join(reasons) for finding, reasons in merged.items()}
