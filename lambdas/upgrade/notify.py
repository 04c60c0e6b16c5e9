"""The message people read: what happened, where the cluster stands, what to do next."""

from __future__ import annotations

import json
from typing import Any

from aws.rds import Rds
from aws.sns import Sns
from upgrade.models import Notification, StepError, WorkflowState

_ROLLBACK_STEPS = {"AssessRollback", "MoveAside", "RestoreSnapshot", "CreateInstances", "VerifyRestore"}
_STRATEGY_LABELS = {"blue_green": "blue/green", "in_place": "in place"}


def notify(state: WorkflowState, rds: Rds, sns: Sns, topic_arn: str) -> Notification:
    event = _event(state)
    subject, lines = _render(event, state, rds)
    message = "\n".join(lines)
    cluster_id = str(state.input.get("cluster_id", "unknown"))
    message_id = sns.publish(topic_arn, subject, message, {"event": event, "cluster_id": cluster_id})
    return Notification(event=event, subject=subject, message=message, message_id=message_id)


def _event(state: WorkflowState) -> Any:
    if state.capacity_restore_error is not None:
        return "capacity_not_restored"
    if state.plan is not None and state.plan.mode == "preflight" and not state.failure:
        return "preflight_report"
    if state.failure and list(state.failure)[-1].startswith("Notify"):
        return "failed"  # the notification of the outcome failed: this one says so
    restored = state.restore_verification is not None
    if restored and state.plan is not None and state.plan.action == "restore":
        return "restored"
    if restored:
        return "rolled_back"
    if state.failure:
        return "failed"
    if state.plan is not None and state.plan.already_at_target:
        return "already_upgraded"
    return "succeeded"


def _render(event: str, state: WorkflowState, rds: Rds) -> tuple[str, list[str]]:
    cluster_id = str(state.input.get("cluster_id", "unknown"))
    target = str(state.input.get("target_engine_version", "?"))
    source = state.plan.source_version if state.plan else None
    path = f"{source} -> {target}" if source else f"to {target}"
    strategy = _STRATEGY_LABELS.get(state.plan.strategy if state.plan else str(state.input.get("strategy")), "?")
    head = [f"Cluster: {cluster_id}", f"Upgrade: {path} ({strategy})", f"Execution: {state.execution.name}"]
    if event == "restored":
        head = [
            f"Cluster: {cluster_id}",
            f"Restore of snapshot {state.input.get('snapshot_id')}",
            f"Execution: {state.execution.name}",
        ]
        return f"[aurora-upgrade] {cluster_id} restored from snapshot", head + [""] + _restored_lines(state)
    if event == "rolled_back":
        lines = head + [""]
        if state.failure:
            step, error = next(iter(state.failure.items()))  # the upgrade's failure; later ones are reported below
            lines += [f"The upgrade FAILED at step {step}: {error.Error}: {_reason(error)}", ""]
        else:
            lines += ["The upgrade succeeded, and was rolled back as the input asked (force_rollback).", ""]
        return (
            f"[aurora-upgrade] {cluster_id} upgrade to {target} rolled back to {source}",
            lines + _restored_lines(state),
        )
    if event == "capacity_not_restored":
        return f"[aurora-upgrade] {cluster_id}: capacity NOT restored after the failure", head + [
            "",
            *_capacity_lines(state),
        ]
    report = state.plan.report if state.plan else None
    if event == "preflight_report" and report is not None:
        counts = report.counts()
        return (
            f"[aurora-upgrade] {cluster_id} preflight for {target}: {counts['fail']} failed, {counts['warn']} warnings",
            head + ["", report.text(), "", "Report only: nothing was changed."],
        )
    if event == "already_upgraded":
        return (
            f"[aurora-upgrade] {cluster_id} already runs {target}: nothing to do",
            head + ["", f"{cluster_id} already runs {target}. Nothing was changed."],
        )
    if event == "succeeded":
        warnings = [f"  - {c.id}: {c.title}" for c in report.warnings] if report else []
        carried = ["", "Preflight warnings:", *warnings] if warnings else []
        return f"[aurora-upgrade] {cluster_id} upgraded {source} -> {target}", head + [""] + _success_lines(
            state
        ) + carried
    step, error = _failure(state)
    lines = head + ["", f"FAILED at step: {step}", f"Error: {error.Error}", f"Reason: {_reason(error)}"]
    lines += _earlier_failures(state) + [""]
    if step.startswith("Notify"):
        lines += [
            "The workflow's own work was done; only sending its notification failed. Read the execution's "
            "history for the outcome.",
            "",
        ]
    if error.Error == "PreflightFailed" and report is not None:
        lines += [report.text(), ""]
    lines += _cluster_state_lines(state, rds) + [""] + _next_steps(state, step)
    return f"[aurora-upgrade] {cluster_id} upgrade to {target} FAILED at {step}", lines


def _success_lines(state: WorkflowState) -> list[str]:
    lines = []
    if state.in_place and state.in_place.ready:
        rebooted = ", ".join(state.in_place.rebooted) or "none"
        lines.append(
            f"{state.input.get('cluster_id')} now runs {state.in_place.engine_version}, upgraded in place "
            f"(instances rebooted for their new parameter group: {rebooted})."
        )
    if state.verification:
        versions = ", ".join(f"{name} {version}" for name, version in state.verification.instances.items())
        lines.append(f"{state.verification.cluster_id} now runs {state.verification.engine_version} ({versions}).")
    if state.snapshot:
        lines.append(f"Pre-upgrade snapshot (kept): {state.snapshot.snapshot_id}")
    if state.target_parameter_groups:
        groups = state.target_parameter_groups
        lines.append(
            f"Parameter groups: {groups.cluster_parameter_group} (cluster), "
            f"{groups.instance_parameter_group} (instance), family {groups.family}"
        )
        dropped = {**groups.cluster_parameters.dropped, **groups.instance_parameters.dropped}
        if dropped:
            lines.append("Parameters not carried over: " + "; ".join(f"{k}: {v}" for k, v in dropped.items()))
    if state.cleanup and state.cleanup.old_cluster_id:
        if state.cleanup.old_cluster_deleted:
            lines.append(
                f"Old cluster {state.cleanup.old_cluster_id} deleted "
                f"(final snapshot {state.cleanup.old_cluster_final_snapshot})."
            )
        else:
            lines.append(
                f"Old cluster {state.cleanup.old_cluster_id} kept (read-only, old version). "
                "Delete it once you are satisfied, or re-run with delete_old_cluster."
            )
    if state.capacity and state.capacity.changed:
        lines.append(f"Serverless v2 minimum capacity restored to {state.capacity.original_min_capacity} ACU.")
    lines.append("Next: update engine_version and parameter group names in your infrastructure code.")
    return lines


def _restored_lines(state: WorkflowState) -> list[str]:
    verification, restore = state.restore_verification, state.restore
    assert verification is not None and restore is not None, "only called after a verified restore"
    instances = ", ".join(f"{name} {version}" for name, version in verification.instances.items())
    lines = [
        f"{verification.cluster_id} was restored from snapshot {restore.snapshot_id} (taken {restore.snapshot_time}) "
        f"and runs {verification.engine_version} ({instances}), under its original identifier.",
        f"Writes made after {restore.snapshot_time} are NOT in the restored cluster.",
    ]
    aside = verification.old_cluster_id
    deletion_failed = (state.failure or {}).get("DeleteFailedCluster")
    if aside and deletion_failed is not None:
        lines.append(
            f"FAILED at step DeleteFailedCluster: deleting the replaced cluster {aside}, as the input asked, failed "
            f"({deletion_failed.Error}: {_reason(deletion_failed)}); it is kept aside: delete it by hand when done."
        )
    elif aside and state.failed_cluster_cleanup and state.failed_cluster_cleanup.old_cluster_deleted:
        lines.append(
            f"The replaced cluster {aside} was deleted (final snapshot "
            f"{state.failed_cluster_cleanup.old_cluster_final_snapshot})."
        )
    elif aside:
        renamed = ", ".join(state.aside.renamed_instances.values()) if state.aside else ""
        lines.append(
            f"The replaced cluster is kept aside as {aside}"
            + (f" (instances {renamed})" if renamed else "")
            + ": inspect it, copy out any writes you need, then delete it."
        )
    lines.append(f"The snapshot {restore.snapshot_id} is kept.")
    return lines


def _failure(state: WorkflowState) -> tuple[str, StepError]:
    """The failure that ended the run: the last one recorded (a rollback can fail after the upgrade did)."""
    assert state.failure, "only called for failures"
    step, error = list(state.failure.items())[-1]
    return step, error


def _earlier_failures(state: WorkflowState) -> list[str]:
    earlier = list((state.failure or {}).items())[:-1]
    return [f"Earlier failure, at step {step}: {error.Error}: {_reason(error)}" for step, error in earlier]


def _reason(error: StepError) -> str:
    """Lambda errors carry a JSON Cause with errorMessage; other errors carry text."""
    if not error.Cause:
        return "no details"
    try:
        cause = json.loads(error.Cause)
    except ValueError:
        return error.Cause
    return str(cause.get("errorMessage", error.Cause)) if isinstance(cause, dict) else error.Cause


def _cluster_state_lines(state: WorkflowState, rds: Rds) -> list[str]:
    cluster_id = state.input.get("cluster_id")
    if not isinstance(cluster_id, str) or state.plan is None:
        return ["Nothing was changed: the workflow stopped before its first change."]
    cluster = rds.find_cluster(cluster_id)
    if cluster is None:
        return [f"Cluster {cluster_id} was not found under its name."]
    lines = [
        f"Cluster {cluster_id} now: status {cluster.get('Status')}, version {cluster.get('EngineVersion')}, "
        f"cluster parameter group {cluster.get('DBClusterParameterGroup')}"
    ]
    scaling = cluster.get("ServerlessV2ScalingConfiguration")
    if scaling and state.capacity is not None and state.capacity.changed:
        lines.append(
            f"Serverless v2 capacity: {scaling.get('MinCapacity')}-{scaling.get('MaxCapacity')} ACU; the workflow "
            f"restores the original minimum ({state.capacity.original_min_capacity} ACU) next"
        )
    if state.snapshot:
        lines.append(f"Pre-upgrade snapshot (kept): {state.snapshot.snapshot_id} ({state.snapshot.status})")
    deployment = state.switchover or state.blue_green
    if deployment:
        live = rds.find_blue_green(deployment.deployment_id)
        status = live.get("Status") if live else "deleted"
        lines.append(f"Blue/green deployment {deployment.name} ({deployment.deployment_id}): {status}")
    return lines


def _next_steps(state: WorkflowState, step: str) -> list[str]:
    deployment = state.switchover or state.blue_green
    if state.plan is None or step == "Preflight":
        return ["Next: fix the input or the cluster as the reason says, then start a new execution."]
    if step in _ROLLBACK_STEPS and state.snapshot is not None:
        return [
            f"Next: the rollback did not finish at {step}; {state.plan.cluster.cluster_id} may be left as the "
            "failed upgrade left it. The pre-upgrade snapshot is kept; finish with a restore execution: "
            f'{{"action": "restore", "cluster_id": "{state.plan.cluster.cluster_id}", '
            f'"snapshot_id": "{state.snapshot.snapshot_id}"}}'
        ]
    if state.rollback is not None and not state.rollback.needed:
        return [f"No rollback: {state.rollback.reason}. Fix the cause the reason names, then start a new execution."]
    if state.aside is not None or state.restore is not None:
        return [
            "Next: the rollback itself did not finish. The pre-upgrade snapshot is kept; the replaced cluster "
            f"is {state.aside.aside_cluster_id if state.aside else 'unchanged'}. Finish with a restore execution: "
            f'{{"action": "restore", "cluster_id": "{state.plan.cluster.cluster_id}", '
            f'"snapshot_id": "{state.snapshot.snapshot_id if state.snapshot else "<snapshot>"}"}}'
        ]
    if deployment is not None and state.switchover is None:
        return [
            "Next: blue is untouched and still serving. Inspect the green environment, then delete it with",
            f"  aws rds delete-blue-green-deployment --blue-green-deployment-identifier "
            f"{deployment.deployment_id} --delete-target",
            "and start a new execution once the cause is fixed.",
        ]
    if state.switchover is not None and state.verification is None:
        return [
            "Next: check which cluster serves under the original name before anything else; "
            "if the switchover did not happen, blue still serves the old version."
        ]
    return ["Next: read the reason above; the pre-upgrade snapshot is kept for a restore if needed."]


def _capacity_lines(state: WorkflowState) -> list[str]:
    error = state.capacity_restore_error
    change = state.capacity
    lines = [
        "FAILED at step RestoreCapacityAfterFailure: after the failure (see the earlier notification), restoring "
        "the Serverless v2 capacity failed too" + (f": {error.Error}: {_reason(error)}" if error else "."),
    ]
    if change is not None and change.changed:
        cluster_id = state.input.get("cluster_id")
        lines += [
            f"The minimum capacity is still {change.upgrade_min_capacity} ACU instead of "
            f"{change.original_min_capacity} ACU (it costs more). Restore it by hand:",
            f"  aws rds modify-db-cluster --db-cluster-identifier {cluster_id} --apply-immediately "
            f"--serverless-v2-scaling-configuration MinCapacity={change.original_min_capacity},"
            f"MaxCapacity={change.original_max_capacity}",
        ]
    return lines
