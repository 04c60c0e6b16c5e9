"""Cluster, instance and snapshot realism for moto's RDS: validation, parameter status and progress.

What moto lacks and real Aurora PostgreSQL does (aurora-upgrade-facts.md §3.2, §4.1, §6):

* ModifyDBCluster rejects a major upgrade without AllowMajorVersionUpgrade, unknown upgrade paths,
  parameter groups of the wrong family, and unknown clusters (moto raises a Python KeyError);
  a renamed cluster keeps its instances (moto orphans them);
* attaching a parameter group, or changing a static parameter, leaves members ``pending-reboot``
  until the instance is rebooted; rebooting the writer restarts the readers too;
* reboots and cluster snapshots take time: the resource is busy for ``polls`` describes.

The handlers here also drive ``rds_in_place`` (major upgrades over several describes) and
``rds_restore`` (restore, instance creation, renames), which share these moto actions.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.rds.exceptions import (
    DBClusterNotFoundError,
    DBInstanceNotFoundError,
    InvalidParameterCombination,
    RDSClientError,
)
from moto.rds.models import DBCluster, DBClusterSnapshot, DBInstance, DBInstanceClustered, RDSBackend
from moto.rds.responses import RDSResponse
from moto.rds.utils import FilterDef

from simulator.catalogue import versions as catalogue
from simulator.rds import in_place as rds_in_place
from simulator.rds import restore as rds_restore
from simulator.rds.parameters import (
    cluster_group_family,
    ensure_default_cluster_group,
    instance_group_family,
)
from simulator.rds.state import (
    APPLYING,
    IN_SYNC,
    EventSpec,
    Patch,
    RealisticRds,
    instance_event,
    payload,
)

MAJOR_FLAG_MESSAGE = "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version."


def family_mismatch(kind: str, name: str, family: str, wanted: str) -> InvalidParameterCombination:
    """The error RDS returns when a parameter group of another family is used."""
    return InvalidParameterCombination(
        f"The {kind} {name} with DBParameterGroupFamily {family} cannot be used for this "
        f"{'cluster' if 'cluster' in kind else 'instance'}. "
        f"Please use a {kind} with DBParameterGroupFamily {wanted}"
    )


def check_upgrade(sim: RealisticRds, current: str, requested: str, allow_major: bool) -> None:
    """Validate an EngineVersion change the way ModifyDBCluster does (never to a deprecated version)."""
    if catalogue.major_of(requested) != catalogue.major_of(current) and not allow_major:
        raise InvalidParameterCombination(MAJOR_FLAG_MESSAGE)
    if not catalogue.is_valid_upgrade(current, requested, sim.unavailable_versions):
        raise InvalidParameterCombination(
            f"Cannot find upgrade target from {current} with requested version {requested}."
        )


def _check_cluster_group(backend: RDSBackend, name: str | None, family: str | None) -> None:
    if name is None:
        return
    group_family = cluster_group_family(backend, name)
    if family is not None and group_family != family:
        raise family_mismatch("DB cluster parameter group", name, group_family, family)


def _check_instance_group(backend: RDSBackend, name: str | None, family: str | None) -> None:
    if name is None:
        return
    group_family = instance_group_family(backend, name)
    if family is not None and group_family != family:
        raise family_mismatch("DB parameter group", name, group_family, family)


def _check_custom_instance_groups(cluster: DBCluster) -> None:
    """A major upgrade must name a new instance group when members use a custom one ([S33])."""
    for member in cluster.members:
        name = member.db_parameter_group_name
        if name and not str(name).lower().startswith("default."):
            raise InvalidParameterCombination(
                f"The current DB instance parameter group {name} is custom. You must explicitly specify "
                "a new DB instance parameter group, either default or custom, for the engine version upgrade."
            )


def _validate_modify(sim: RealisticRds, backend: RDSBackend, params: Any) -> tuple[DBCluster, bool, bool]:
    """Validate ModifyDBCluster; returns the cluster, whether the version changes, and if to a new major."""
    cluster = backend.clusters.get(params.get("DBClusterIdentifier"))
    if cluster is None:
        raise DBClusterNotFoundError(params.get("DBClusterIdentifier"))
    rds_restore.check_cluster_modifiable(sim, cluster)
    current, requested = cluster.engine_version, params.get("EngineVersion")
    upgrading = bool(requested) and requested != current
    if upgrading:
        check_upgrade(sim, current, requested, bool(params.get("AllowMajorVersionUpgrade")))
    family = catalogue.family_of(requested if upgrading else current)
    _check_cluster_group(backend, params.get("DBClusterParameterGroupName"), family)
    instance_group = params.get("DBInstanceParameterGroupName")
    major = upgrading and catalogue.major_of(requested) != catalogue.major_of(current)
    if major and getattr(cluster, "global_cluster_identifier", None):
        # Aurora User Guide, "Upgrading an Amazon Aurora global database": a major version upgrade upgrades
        # the global database cluster, not the clusters it contains (the exact error text is not documented)
        raise InvalidParameterCombination(
            f"DB cluster {cluster.db_cluster_identifier} is a member of a global database: upgrade the major "
            "version of the global cluster with ModifyGlobalCluster."
        )
    if instance_group is not None and not major:
        raise InvalidParameterCombination(
            "The DBInstanceParameterGroupName parameter is only valid in combination with the "
            "AllowMajorVersionUpgrade parameter for a major version upgrade."
        )
    _check_instance_group(backend, instance_group, family)
    if major and instance_group is None:
        _check_custom_instance_groups(cluster)
    return cluster, upgrading, major


def _after_minor_upgrade(sim: RealisticRds, cluster: DBCluster) -> None:
    """moto applies a minor version at once; the upgrade restarts every member, so all are in sync."""
    sim.set_member_status(cluster.members, IN_SYNC)
    sim.set_instance_status(cluster.members, IN_SYNC)


def _finish_reboot(sim: RealisticRds, instance: DBInstance) -> None:
    """Reboot done: the instance applies pending parameters; an Aurora PG writer restarts readers."""
    instance.status = "available"
    sim.set_instance_status([instance], IN_SYNC)
    if not isinstance(instance, DBInstanceClustered):
        return
    cluster = instance.cluster
    writer = instance.is_cluster_writer and cluster.engine == catalogue.ENGINE
    sim.set_member_status(cluster.members if writer else [instance], IN_SYNC)


def _tick_reboot(sim: RealisticRds, instance: DBInstance) -> None:
    countdown = sim.reboots.get(instance)
    if countdown is not None and countdown.tick():
        del sim.reboots[instance]
        _finish_reboot(sim, instance)


def _snapshot_event(snapshot: Any) -> EventSpec:
    return EventSpec(
        "RDS DB Cluster Snapshot Event",
        "CLUSTER_SNAPSHOT",
        snapshot.db_cluster_snapshot_identifier,
        snapshot.db_cluster_snapshot_arn,
        "RDS-EVENT-0075",
        "Manual cluster snapshot created",
    )


def _tick_snapshot(sim: RealisticRds, snapshot: Any) -> None:
    countdown = sim.snapshots.get(snapshot)
    if countdown is None:
        return
    if countdown.tick():
        del sim.snapshots[snapshot]
        snapshot.status, snapshot.percent_progress = "available", 100
    else:
        snapshot.percent_progress = 100 * countdown.elapsed // (countdown.total + 1)


def _default_cluster_group(backend: RDSBackend, params: Any, version: str | None) -> None:
    """Use AWS's ``default.<family>`` group when none is given (moto says ``default.aurora8.0``)."""
    family = catalogue.family_of(version or "")
    if params.get("DBClusterParameterGroupName") is None and family is not None:
        params["DBClusterParameterGroupName"] = ensure_default_cluster_group(backend, family)
    _check_cluster_group(backend, params.get("DBClusterParameterGroupName"), family)


def _members_property(sim: RealisticRds) -> property:
    def db_cluster_members(self: DBCluster) -> list[dict[str, Any]]:
        return [
            {
                "DBInstanceIdentifier": member.db_instance_identifier,
                "IsClusterWriter": member.is_cluster_writer,
                "DBClusterParameterGroupStatus": sim.member_status(member),
                "PromotionTier": member.promotion_tier,
            }
            for member in self.members
        ]

    return property(db_cluster_members)


def _instance_groups_property(sim: RealisticRds) -> property:
    def db_parameter_group_status_list(self: DBInstance) -> list[dict[str, str]]:
        status = sim.instance_status(self)
        return [{"DBParameterGroupName": g.name, "ParameterApplyStatus": status} for g in self.db_parameter_groups()]

    return property(db_parameter_group_status_list)


def patches(sim: RealisticRds) -> list[Patch]:
    """Replacements for cluster/instance/snapshot actions of ``RDSResponse`` and two model properties."""
    originals = {
        name: getattr(RDSResponse, name)
        for name in (
            "create_db_cluster",
            "modify_db_cluster",
            "create_db_instance",
            "modify_db_instance",
            "describe_db_instances",
            "describe_db_clusters",
            "create_db_cluster_snapshot",
            "describe_db_cluster_snapshots",
            "restore_db_cluster_from_snapshot",
        )
    }

    def create_db_cluster(self: RDSResponse) -> Any:
        rds_restore.check_cluster_id_free(self.backend, self.params.get("DBClusterIdentifier"))
        if self.params.get("Engine") != catalogue.ENGINE:
            return originals["create_db_cluster"](self)
        _default_cluster_group(self.backend, self.params, self.params.get("EngineVersion"))
        result = originals["create_db_cluster"](self)
        rds_restore.aurora_defaults(payload(result)["DBCluster"], self.params)
        return result

    def modify_db_cluster(self: RDSResponse) -> Any:
        cluster, upgrading, major = _validate_modify(sim, self.backend, self.params)
        old_id = cluster.db_cluster_identifier
        new_id = rds_restore.prepare_cluster_rename(self.backend, cluster, self.params)
        upgrade = rds_in_place.take_request(self.params) if major else None
        before, old_group, members = sim.status_of(cluster), str(cluster.parameter_group).lower(), cluster.members
        result = originals["modify_db_cluster"](self)
        cluster.status = before  # moto makes every modified cluster "available", a failed one too
        for member in members:  # moto loses the members of a renamed cluster; AWS keeps them
            member.db_cluster_identifier = cluster.db_cluster_identifier
        new_group = self.params.get("DBClusterParameterGroupName")
        if upgrade is not None:
            rds_in_place.accept(sim, self.backend, cluster, upgrade)
        elif upgrading:
            _after_minor_upgrade(sim, cluster)
        elif new_group is not None and new_group.lower() != old_group:
            sim.set_member_status(cluster.members, APPLYING)
        if new_id is not None:
            rds_restore.after_cluster_rename(sim, cluster, old_id, before)
        # moto answers with a copy taken before its changes; AWS shows the cluster as it now is
        return result if upgrade is None and new_id is None else ActionResult({"DBCluster": cluster})

    def _instance_family(self: RDSResponse) -> str | None:
        cluster = self.backend.clusters.get(self.params.get("DBClusterIdentifier") or "")
        return catalogue.family_of(cluster.engine_version) if cluster is not None else None

    def create_db_instance(self: RDSResponse) -> Any:
        cluster = rds_restore.check_create_instance(sim, self.backend, self.params)
        _check_instance_group(self.backend, self.params.get("DBParameterGroupName"), _instance_family(self))
        result = originals["create_db_instance"](self)
        rds_restore.after_create_instance(sim, cluster, payload(result)["DBInstance"])
        return result

    def modify_db_instance(self: RDSResponse) -> Any:
        instance = self.backend.databases.get(self.params.get("DBInstanceIdentifier"))
        if instance is None:
            return originals["modify_db_instance"](self)
        new_id = rds_restore.prepare_instance_modify(sim, self.backend, instance, self.params)
        new_group = self.params.get("DBParameterGroupName")
        if new_group is not None:
            cluster = getattr(instance, "cluster", None)
            family = catalogue.family_of(cluster.engine_version) if cluster is not None else None
            _check_instance_group(self.backend, new_group, family)
        before, old_group = sim.status_of(instance), str(instance.db_parameter_group_name or "").lower()
        result = originals["modify_db_instance"](self)
        if new_group is not None and new_group.lower() != old_group:
            sim.set_instance_status([instance], APPLYING)
        if new_id is not None:
            sim.begin(instance, "renaming", "rename", final=before)
        return result

    def reboot_db_instance(self: RDSResponse) -> ActionResult:
        identifier = self.params.get("DBInstanceIdentifier")
        instance = self.backend.databases.get(identifier)
        if instance is None:
            raise DBInstanceNotFoundError(identifier)
        if instance.status != "available":
            raise RDSClientError("InvalidDBInstanceState", f"DB instance {identifier} is not in available state.")
        instance.status = "rebooting"
        sim.reboots[instance] = sim.countdown(
            "reboot", instance_event(instance, "RDS-EVENT-0006", "DB instance restarted")
        )
        return ActionResult({"DBInstance": instance})

    def describe_db_instances(self: RDSResponse) -> Any:
        result = originals["describe_db_instances"](self)
        for instance in payload(result)["DBInstances"]:
            sim.tick_transition(instance)
            _tick_reboot(sim, instance)
            sim.poll_instance_status(instance)
        return result

    def describe_db_clusters(self: RDSResponse) -> Any:
        result = originals["describe_db_clusters"](self)
        for cluster in payload(result)["DBClusters"]:
            sim.tick_transition(cluster)
            rds_in_place.tick(sim, cluster)
            for member in cluster.members:
                _tick_reboot(sim, member)
                sim.poll_member_status(member)
        return result

    def create_db_cluster_snapshot(self: RDSResponse) -> Any:
        result = originals["create_db_cluster_snapshot"](self)
        snapshot = payload(result)["DBClusterSnapshot"]
        snapshot.status, snapshot.percent_progress = "creating", 0
        sim.snapshots[snapshot] = sim.countdown("snapshot", _snapshot_event(snapshot))
        return result

    def describe_db_cluster_snapshots(self: RDSResponse) -> Any:
        result = originals["describe_db_cluster_snapshots"](self)
        for snapshot in payload(result)["DBClusterSnapshots"]:
            _tick_snapshot(sim, snapshot)
        return result

    def restore_db_cluster_from_snapshot(self: RDSResponse) -> Any:
        snapshot = rds_restore.check_restore(self.backend, self.params)
        if snapshot is not None and snapshot.engine == catalogue.ENGINE:
            version = self.params.get("EngineVersion") or snapshot.engine_version
            _default_cluster_group(self.backend, self.params, version)
        result = originals["restore_db_cluster_from_snapshot"](self)
        rds_restore.after_restore(sim, payload(result)["DBCluster"], self.params)
        return result

    handlers = [
        create_db_cluster,
        modify_db_cluster,
        create_db_instance,
        modify_db_instance,
        reboot_db_instance,
        describe_db_instances,
        describe_db_clusters,
        create_db_cluster_snapshot,
        describe_db_cluster_snapshots,
        restore_db_cluster_from_snapshot,
    ]
    return [Patch(RDSResponse, f.__name__, f) for f in handlers] + [
        Patch(DBCluster, "db_cluster_members", _members_property(sim)),
        Patch(DBInstance, "db_parameter_group_status_list", _instance_groups_property(sim)),
        # DBClusterSnapshot.DbClusterResourceId: "The resource ID of the DB cluster that this DB cluster snapshot
        # was created from" (RDS API Reference, DBClusterSnapshot); moto leaves it out. The snapshot holds a copy
        # of the cluster as it was, so the id stays the source's across renames.
        Patch(
            DBClusterSnapshot,
            "db_cluster_resource_id",
            property(lambda self: self.cluster.db_cluster_resource_id),
            create=True,
        ),
        # DescribeDBClusters' Filters: "db-cluster-resource-id - Accepts DB cluster resource identifiers. The results
        # list will only include information about the DB clusters identified by these DB cluster resource
        # identifiers" (RDS API Reference, DescribeDBClusters); moto knows only db-cluster-id and engine, and refuses
        # any other name as AWS refuses an unknown one.
        Patch(
            DBCluster,
            "SUPPORTED_FILTERS",
            {
                **DBCluster.SUPPORTED_FILTERS,
                "db-cluster-resource-id": FilterDef(["db_cluster_resource_id"], "DB Cluster Resource Identifiers"),
            },
        ),
    ]
