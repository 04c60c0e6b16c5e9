"""In-place major version upgrades for moto's RDS (aurora-upgrade-facts.md §1.1, §4.1, §4.2).

moto applies ``ModifyDBCluster(EngineVersion=...)`` the moment it is called. Real Aurora PostgreSQL:

* answers with the cluster still ``available`` on the old version and the target in
  ``PendingModifiedValues.EngineVersion``; without ApplyImmediately the upgrade waits for the
  maintenance window (which never comes in the simulator);
* starts "a few moments later": the next describe still shows ``available``, then the cluster and
  every instance are ``upgrading``;
* finishes with the new EngineVersion on the cluster and every instance, the new cluster parameter
  group in sync and, when DBInstanceParameterGroupName was given, that group on every instance
  ``pending-reboot`` (AWS does not reboot for it);
* may refuse in its own prechecks (back to ``available``, unchanged) or fail without rolling back
  (``failed``): the ``in_place_prechecks_failed`` / ``in_place_upgrade_failed`` faults.

Every step records the RDS event a workflow reads with DescribeEvents (SourceType ``db-cluster``).
The validation of the call itself stays in ``rds_realism_clusters``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.rds.models import RDSBackend

from simulator.catalogue import versions as catalogue
from simulator.rds.faults import InPlacePrechecksFailedFault, InPlaceUpgradeFailedFault
from simulator.rds.parameters import ensure_default_cluster_group
from simulator.rds.state import (
    IN_SYNC,
    PENDING_REBOOT,
    InPlaceUpgrade,
    RealisticRds,
    cluster_event,
    record_cluster_event,
)

UPGRADE_STARTED = "Upgrade in progress: Performing online pre-upgrade checks."  # RDS-EVENT-0363-like
UPGRADE_DONE = "Database cluster major version has been upgraded"  # RDS-EVENT-0176-like
PRECHECKS_FAILED = "Database cluster is in a state that cannot be upgraded: PreUpgrade checks failed: "  # 0174
UPGRADE_FAILED = "Database cluster engine major version upgrade failed"
FAULT_KINDS = ("in_place_prechecks_failed", "in_place_upgrade_failed")


@dataclass(frozen=True)
class UpgradeRequest:
    """The upgrade part of a ModifyDBCluster call, taken out of what moto gets to apply at once."""

    target: str
    cluster_group: str | None
    instance_group: str | None
    apply_immediately: bool


def take_request(params: Any) -> UpgradeRequest:
    """Remove the upgrade from the request, so that moto applies only the other changes now."""
    request = UpgradeRequest(
        target=str(params.pop("EngineVersion")),
        cluster_group=params.pop("DBClusterParameterGroupName", None),
        instance_group=params.pop("DBInstanceParameterGroupName", None),
        apply_immediately=bool(params.get("ApplyImmediately")),
    )
    params.pop("AllowMajorVersionUpgrade", None)
    return request


def accept(sim: RealisticRds, backend: RDSBackend, cluster: Any, request: UpgradeRequest) -> None:
    """Show the upgrade as pending; with ApplyImmediately, let the next describes carry it out."""
    cluster.pending_modified_values = {"EngineVersion": request.target}
    if not request.apply_immediately:
        return
    family = str(catalogue.family_of(request.target))
    group = request.cluster_group or ensure_default_cluster_group(backend, family)
    sim.upgrades[cluster] = InPlaceUpgrade(
        source=cluster.engine_version,
        target=request.target,
        cluster_group=group,
        instance_group=request.instance_group,
        countdown=sim.countdown(
            "in_place_upgrade",
            cluster_event(cluster, "RDS-EVENT-0176", "Database cluster major version has been upgraded"),
        ),
        fault=sim.injector.claim(*FAULT_KINDS),
    )


def tick(sim: RealisticRds, cluster: Any) -> None:
    """One describe of ``cluster``: still available once, then upgrading for ``polls``, then done."""
    upgrade = sim.upgrades.get(cluster)
    if upgrade is None:
        return
    if not upgrade.announced:
        upgrade.announced = True
        return
    done = upgrade.countdown.tick()
    if not upgrade.started:
        _start(cluster, upgrade)
    if done:
        del sim.upgrades[cluster]
        _finish(sim, cluster, upgrade)


def _set_statuses(cluster: Any, status: str) -> None:
    cluster.status = status
    for member in cluster.members:
        member.status = status


def _start(cluster: Any, upgrade: InPlaceUpgrade) -> None:
    upgrade.started = True
    _set_statuses(cluster, "upgrading")
    record_cluster_event(cluster, UPGRADE_STARTED, "maintenance")


def _finish(sim: RealisticRds, cluster: Any, upgrade: InPlaceUpgrade) -> None:
    cluster.pending_modified_values = None
    fault = upgrade.fault
    if isinstance(fault, InPlacePrechecksFailedFault):
        _set_statuses(cluster, "available")  # cancelled before anything changed: old version, old groups
        record_cluster_event(cluster, PRECHECKS_FAILED + fault.details(), "maintenance")
    elif isinstance(fault, InPlaceUpgradeFailedFault):
        _set_statuses(cluster, "failed")
        record_cluster_event(cluster, UPGRADE_FAILED, "failure")
    else:
        _complete(sim, cluster, upgrade)
        return
    sim.injector.record(fault.kind, "DescribeDBClusters", cluster.db_cluster_identifier)


def _complete(sim: RealisticRds, cluster: Any, upgrade: InPlaceUpgrade) -> None:
    """New version everywhere (instances report the cluster's), new groups, members restarted."""
    cluster.engine_version = upgrade.target
    cluster.parameter_group = upgrade.cluster_group
    family = catalogue.family_of(upgrade.target)
    members = cluster.members
    for member in members:
        if upgrade.instance_group is not None:
            member.db_parameter_group_name = upgrade.instance_group
        elif family and str(member.db_parameter_group_name or "").startswith("default."):
            member.db_parameter_group_name = f"default.{family}"
    sim.set_member_status(members, IN_SYNC)
    sim.set_instance_status(members, IN_SYNC if upgrade.instance_group is None else PENDING_REBOOT)
    _set_statuses(cluster, "available")
    record_cluster_event(cluster, UPGRADE_DONE, "maintenance")
