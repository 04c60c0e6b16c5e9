"""The in-place major upgrade: one modify_db_cluster, then watch it come back on the new version.

The engine never changes before the pre-upgrade snapshot is available. Aurora's own
prechecks run after the call: a cluster that returns to ``available`` on the old version
refused the upgrade and is unchanged; one left in a failed state needs the snapshot.
"""

from __future__ import annotations

from typing import Any

from aws.rds import Rds
from upgrade.shared.errors import (
    InPlaceUpgradeFailed,
    SnapshotFailed,
    UpgradePrechecksFailed,
    UpgradeVerificationFailed,
)
from upgrade.shared.models import InPlaceProgress, Plan, WorkflowState
from upgrade.waiting import polling
from upgrade.waiting.reboots import with_rebooting

_BROKEN = {
    "failed",
    "incompatible-parameters",
    "inaccessible-encryption-credentials",
    "incompatible-network",
    "incompatible-restore",
    "storage-full",
}
_EVENT_WINDOW_MINUTES = 24 * 60


def start_in_place_upgrade(state: WorkflowState, rds: Rds) -> InPlaceProgress:
    plan = state.require_plan()
    if state.snapshot is None or not state.snapshot.ready:
        raise SnapshotFailed("refusing to change the engine without an available pre-upgrade snapshot")
    cluster = rds.describe_cluster(plan.cluster.cluster_id)
    pending = (cluster.get("PendingModifiedValues") or {}).get("EngineVersion")
    already = cluster["EngineVersion"] == plan.target_version or pending == plan.target_version
    if not already and cluster.get("Status") == "available":
        rds.modify_cluster(plan.cluster.cluster_id, **_upgrade_call(state, plan))
    poll = polling.start(polling.IN_PLACE_UPGRADE, state.request.deadlines.upgrade_minutes)
    return InPlaceProgress(
        status=str(cluster.get("Status")),
        engine_version=cluster["EngineVersion"],
        left_available=cluster.get("Status") != "available",
        ready=False,
        poll=poll,
    )


def check_in_place_upgrade(state: WorkflowState, rds: Rds) -> InPlaceProgress:
    plan = state.require_plan()
    progress = _progress(state)
    cluster = rds.describe_cluster(plan.cluster.cluster_id)
    status, version = str(cluster.get("Status")), str(cluster["EngineVersion"])
    seen = progress.model_copy(update={"status": status, "engine_version": version})
    if status in _BROKEN:
        raise InPlaceUpgradeFailed(
            f"{plan.cluster.cluster_id} is '{status}' on {version} after the upgrade to {plan.target_version} "
            f"started. {_events_text(rds, plan)}"
        )
    if status == "available" and version == plan.target_version:
        return seen.model_copy(update={"ready": True, "poll": polling.checked(progress.poll)})
    if status == "available" and progress.left_available:
        raise UpgradePrechecksFailed(
            f"Aurora refused the upgrade of {plan.cluster.cluster_id} to {plan.target_version}: it is back on "
            f"{version}, unchanged. {_events_text(rds, plan)}"
        )
    poll = polling.advance(progress.poll, polling.IN_PLACE_UPGRADE, f"the upgrade of {plan.cluster.cluster_id}")
    return seen.model_copy(update={"left_available": progress.left_available or status != "available", "poll": poll})


def settle_instances(state: WorkflowState, rds: Rds) -> InPlaceProgress:
    """Reboot members whose new parameter group waits for it; done when all run the target, in sync."""
    plan = state.require_plan()
    progress = _progress(state)
    instances = rds.cluster_instances(plan.cluster.cluster_id)
    progress = progress.model_copy(update={"rebooted": with_rebooting(progress.rebooted, instances)})
    if not all(i.get("DBInstanceStatus") == "available" for i in instances):
        return _advance(progress, plan)
    wrong = {
        i["DBInstanceIdentifier"]: i.get("EngineVersion")
        for i in instances
        if i.get("EngineVersion") != plan.target_version
    }
    if wrong:
        raise UpgradeVerificationFailed(f"instances not on {plan.target_version} after the upgrade: {wrong}")
    pending = [i["DBInstanceIdentifier"] for i in instances if _pending_reboot(i)]
    if not pending:
        return progress.model_copy(update={"ready": True, "poll": polling.checked(progress.poll)})
    for instance_id in pending:
        rds.reboot_instance(instance_id)
    advanced = _advance(progress, plan)
    return advanced.model_copy(update={"rebooted": [*progress.rebooted, *pending]})


def _upgrade_call(state: WorkflowState, plan: Plan) -> dict[str, Any]:
    call: dict[str, Any] = {"EngineVersion": plan.target_version, "AllowMajorVersionUpgrade": True}
    groups = state.target_parameter_groups
    if groups and groups.cluster_parameter_group:
        call["DBClusterParameterGroupName"] = groups.cluster_parameter_group
    if groups and groups.instance_parameter_group:
        # replaces the seed's switch-to-default / upgrade / switch-back dance: one call does all three
        call["DBInstanceParameterGroupName"] = groups.instance_parameter_group
    return call


def _progress(state: WorkflowState) -> InPlaceProgress:
    if state.in_place is None:
        raise InPlaceUpgradeFailed("the in-place upgrade was not started")
    return state.in_place


def _advance(progress: InPlaceProgress, plan: Plan) -> InPlaceProgress:
    poll = polling.advance(progress.poll, polling.PARAMETER_SYNC, f"the instances of {plan.cluster.cluster_id}")
    return progress.model_copy(update={"ready": False, "poll": poll})


def _pending_reboot(instance: dict[str, Any]) -> bool:
    return any(g.get("ParameterApplyStatus") == "pending-reboot" for g in instance.get("DBParameterGroups", []))


def _events_text(rds: Rds, plan: Plan) -> str:
    events = rds.cluster_events(plan.cluster.cluster_id, _EVENT_WINDOW_MINUTES)
    messages = [str(e.get("Message")) for e in events[-5:]]
    return "RDS events: " + " | ".join(messages) if messages else "RDS reported no events."
