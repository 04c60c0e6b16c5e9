"""The way back: move the replaced cluster aside, restore the snapshot under the original name.

Renaming (not deleting) keeps the failed cluster for inspection and frees the original
cluster and instance identifiers, so endpoints and connection strings keep working.
"""

from __future__ import annotations

from typing import Any

from aws.rds import Rds
from upgrade.shared import naming
from upgrade.shared.errors import RestoreFailed
from upgrade.shared.models import AsideProgress, CleanUp, RestoreConfig, RollbackDecision, WorkflowState
from upgrade.strategies.cleanup import delete_with_final_snapshot
from upgrade.waiting import polling

_MOVING = {
    "renaming",
    "modifying",
    "rebooting",
    "upgrading",
    "backing-up",
    "maintenance",
    "creating",
    "configuring-enhanced-monitoring",
    "configuring-iam-database-auth",
    "configuring-log-exports",
}


def assess_rollback(state: WorkflowState, rds: Rds) -> RollbackDecision:
    """After an in-place failure: restore only a cluster the upgrade left broken (or when the input asks).

    An unchanged cluster (Aurora refused) or a completed upgrade (the failure came after it) is kept: restoring
    would throw away every write made since the snapshot. A cluster still changing is waited for.
    """
    plan = state.require_plan()
    if plan.force_rollback and not state.failure:
        return RollbackDecision(needed=True, reason="the input asked for a rollback (force_rollback)")
    decision = _assess(state, rds)
    if plan.rollback_on_failure or not decision.needed:
        return decision
    # the input said not to roll back: the cluster is left as it is, and the message gives the restore input
    return RollbackDecision(
        needed=False,
        restore_advised=True,
        reason=f"rollback_on_failure is false, so the cluster is left as it is: {decision.reason}",
    )


def _assess(state: WorkflowState, rds: Rds) -> RollbackDecision:
    plan = state.require_plan()
    cluster = rds.find_cluster(plan.cluster.cluster_id)
    if cluster is None:
        return RollbackDecision(needed=True, reason="the cluster is gone from its name")
    instances = rds.cluster_instances(plan.cluster.cluster_id)
    statuses = {str(cluster.get("Status"))} | {str(i.get("DBInstanceStatus")) for i in instances}
    if statuses & _MOVING:
        return _still_changing(state, f"the cluster is still changing ({', '.join(sorted(statuses & _MOVING))})")
    settled = cluster.get("Status") == "available" and all(i.get("DBInstanceStatus") == "available" for i in instances)
    pending = (cluster.get("PendingModifiedValues") or {}).get("EngineVersion")
    if settled and not pending and cluster["EngineVersion"] == plan.source_version:
        return RollbackDecision(needed=False, reason=f"the cluster still runs {plan.source_version}, unchanged")
    if (
        settled
        and all(i.get("EngineVersion") == plan.target_version for i in instances)
        and (cluster["EngineVersion"] == plan.target_version)
    ):
        return RollbackDecision(
            needed=False,
            reason=f"the upgrade itself completed (the cluster and its instances run {plan.target_version}); "
            "the failure came after it, so nothing is rolled back",
        )
    return RollbackDecision(
        needed=True,
        reason=f"the cluster is '{cluster.get('Status')}' on {cluster['EngineVersion']} after the upgrade started",
    )


def _still_changing(state: WorkflowState, reason: str) -> RollbackDecision:
    previous = state.rollback.poll if state.rollback else None
    poll = (
        polling.start(polling.ROLLBACK_SETTLE, state.deadlines.upgrade_minutes)
        if previous is None
        else polling.advance(previous, polling.ROLLBACK_SETTLE, "the cluster to settle before a rollback")
    )
    return RollbackDecision(needed=False, ready=False, reason=reason, poll=poll)


def move_aside(state: WorkflowState, rds: Rds) -> AsideProgress:
    """One pass of the rename loop: rename what still has its original name, report when all is free."""
    plan = state.require_plan()
    first_pass = state.aside is None
    progress = state.aside or AsideProgress(
        aside_cluster_id=None, ready=False, poll=polling.start(polling.RENAME, state.deadlines.rename_minutes)
    )
    replaced = rds.find_cluster_by_resource_id(plan.cluster.resource_id) if plan.cluster.resource_id else None
    if replaced is None:
        return progress.model_copy(update={"ready": True})  # nothing under the name to move (standalone restore)
    if replaced["DBClusterIdentifier"] == plan.cluster.cluster_id:
        rds.add_tags(replaced["DBClusterArn"], {naming.MOVED_ASIDE_FROM_TAG: plan.cluster.cluster_id})
        rds.modify_cluster(plan.cluster.cluster_id, NewDBClusterIdentifier=plan.names.aside_cluster_id)
        progress = progress.model_copy(update={"aside_cluster_id": plan.names.aside_cluster_id})
        return _not_yet(progress, first_pass, "the cluster rename")
    # only the original names are renamed: a retried pass must not rename an instance that is already aside
    expected = {m.instance_id: naming.aside_id(m.instance_id, state.execution.name) for m in plan.cluster.members}
    renamed = {original: new for original, new in expected.items() if new in _names(replaced)}
    instances = rds.cluster_instances(replaced["DBClusterIdentifier"])
    for instance in instances:
        name = instance["DBInstanceIdentifier"]
        if name not in expected or instance.get("DBInstanceStatus") in _MOVING:
            continue
        renamed[name] = expected[name]
        rds.add_tags(instance["DBInstanceArn"], {naming.ORIGINAL_ID_TAG: name})
        rds.modify_instance(name, NewDBInstanceIdentifier=renamed[name])
    progress = progress.model_copy(
        update={"aside_cluster_id": replaced["DBClusterIdentifier"], "renamed_instances": renamed}
    )
    moving = replaced.get("Status") in _MOVING or any(i.get("DBInstanceStatus") in _MOVING for i in instances)
    if moving or any(i["DBInstanceIdentifier"] in expected for i in instances):
        return _not_yet(progress, first_pass, "the instance renames")
    return progress.model_copy(update={"ready": True})


def delete_failed_cluster(state: WorkflowState, rds: Rds) -> CleanUp:
    """Only when the input asks: the kept-aside cluster, with a final snapshot."""
    aside = state.aside.aside_cluster_id if state.aside else None
    if aside is None:
        return CleanUp(blue_green_deleted=False)
    final = naming.final_snapshot_id(aside, state.execution.name)
    cluster = rds.find_cluster(aside)
    if cluster is None:
        # gone: deleted by an earlier attempt of this step if its final snapshot exists
        deleted = rds.find_cluster_snapshot(final) is not None
        return CleanUp(
            blue_green_deleted=False,
            old_cluster_id=aside,
            old_cluster_deleted=deleted,
            old_cluster_final_snapshot=final if deleted else None,
        )
    delete_with_final_snapshot(rds, cluster, final)
    return CleanUp(
        blue_green_deleted=False, old_cluster_id=aside, old_cluster_deleted=True, old_cluster_final_snapshot=final
    )


def _names(cluster: dict[str, Any]) -> set[str]:
    return {m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", [])}


def _not_yet(progress: AsideProgress, first_pass: bool, what: str) -> AsideProgress:
    return progress.model_copy(
        update={"ready": False, "poll": polling.after_pass(progress.poll, first_pass, polling.RENAME, what)}
    )


def require_restore_config(state: WorkflowState) -> RestoreConfig:
    plan = state.require_plan()
    if plan.restore_config is None:
        raise RestoreFailed("no configuration was captured before the change; cannot recreate the cluster")
    return plan.restore_config
