"""Least-privilege RDS permissions of each step function, scoped to the configured clusters.

Every statement that needs a wildcard carries the reason next to it; the same reason is
used for the cdk-nag acknowledgment, so the template, the review and the audit trail say
the same thing. Names we control follow lambdas/upgrade/shared/naming.py:
``<cluster>-<family>-cluster`` / ``-instance`` parameter groups, ``<cluster>-pre-upgrade-...``
snapshots; a switchover renames blue to ``<cluster>-old1`` (instances: ``<instance>-old1``).

This module holds the vocabulary every step's grants use: RDS ARN patterns, the grant, the configured
clusters' scope, and why each wildcard is needed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
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
        partition, region, account = _pseudo_parameters()
        return f"arn:{partition}:rds:{region if self._regional else ''}:{account}:{self.kind}:{self.name}"

    def nag_text(self) -> str:
        """How cdk-nag prints this resource in an AwsSolutions-IAM5 finding id (its flattened Fn::Join)."""
        if not self.kind:
            return "*"
        region = "<AWS::Region>" if self._regional else ""
        return f"arn:<AWS::Partition>:rds:{region}:<AWS::AccountId>:{self.kind}:{self.name}"


@functools.cache
def _pseudo_parameters() -> tuple[str, str, str]:
    # each read of Aws.* is a round trip to the jsii process, and a fleet's configuration builds thousands of ARNs;
    # the tokens are static properties of the CDK, the same string for every stack of the process
    return Aws.PARTITION, Aws.REGION, Aws.ACCOUNT_ID


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


def every(kind: str) -> RdsResource:
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


def global_blue_green(action: str) -> Grant:
    """The extra action a blue/green operation needs when the source is a global database member."""
    resources = (
        (every("global-cluster"), every("cluster")) if action == "CreateGlobalCluster" else (every("global-cluster"),)
    )
    return Grant(f"GlobalDatabase{action.removesuffix('GlobalCluster')}", (action,), resources, GLOBAL_BLUE_GREEN)


PolicyBuilder = Callable[[ClusterScope], tuple[Grant, ...]]


def acknowledgments(grants: Iterable[Grant]) -> dict[str, str]:
    """Merge the wildcard findings of several grants; one finding id may have several reasons."""
    merged: dict[str, list[str]] = {}
    for grant in grants:
        for finding, reason in grant.wildcard_findings().items():
            reasons = merged.setdefault(finding, [])
            if reason not in reasons:
                reasons.append(reason)
    return {finding: " | ".join(reasons) for finding, reasons in merged.items()}
