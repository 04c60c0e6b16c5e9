"""The outcome message: what happened, where the cluster stands, what to do next."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws.rds import Rds
from upgrade.notifications.abandoned import abandoned_body, abandoned_next_steps, abandoned_title
from upgrade.notifications.messages import (
    Message,
    NextStep,
    Severity,
    cluster_id_of,
    reason,
    result_lines,
    source_of,
    start_execution_step,
    target_of,
    workflow_message,
)
from upgrade.preflight import control_plane as control_plane_checks
from upgrade.shared.models import StepError, WorkflowState

_ROLLBACK_STEPS = {"AssessRollback", "MoveAside", "RestoreSnapshot", "CreateInstances", "VerifyRestore"}
APPROVAL_STEP = "AwaitApproval"
_Build = Callable[[Severity, str, str, list[str], list[NextStep]], Message]


def outcome_event(state: WorkflowState) -> str:
    if state.capacity_restore_error is not None:
        return "capacity_not_restored"
    if state.plan is not None and state.plan.mode == "preflight" and not state.failure:
        return "preflight_report"
    failures = list(state.failure or {})
    if failures and failures[-1].startswith("Notify"):
        return "failed"  # the notification of the outcome failed: this one says so
    if state.abandoned is not None and not failures:
        return "approval_rejected"
    if state.abandoned is not None and failures == [APPROVAL_STEP] and _approval_timed_out(state):
        return "approval_timed_out"
    restored = state.restore_verification is not None
    if restored and state.plan is not None and state.plan.action == "restore":
        return "restored"
    if restored:
        return "rolled_back"
    if failures:
        return "failed"
    if state.plan is not None and state.plan.already_at_target:
        return "already_upgraded"
    return "succeeded"


def outcome_message(state: WorkflowState, rds: Rds, now: datetime) -> Message:
    event = outcome_event(state)
    cluster_id, target, source = cluster_id_of(state), target_of(state), source_of(state)

    def message(severity: Severity, title: str, step: str, body: list[str], steps: list[NextStep]) -> Message:
        return workflow_message(
            state, event=event, severity=severity, title=title, step=step, now=now, body=body, next_steps=steps
        )

    if event == "restored":
        return message("success", f"{cluster_id} restored from snapshot", "Restore verified", restored_lines(state), [])
    if event == "rolled_back":
        return _rolled_back(state, message)
    if event == "capacity_not_restored":
        body, steps = _capacity_lines(state)
        title = f"{cluster_id}: capacity NOT restored after the failure"
        return message("failure", title, "RestoreCapacityAfterFailure", body, steps)
    if event in ("approval_rejected", "approval_timed_out"):
        body = abandoned_body(state, event, cluster_state_lines(state, rds, after_failure=False))
        return message("warning", abandoned_title(state, event), "Approval", body, abandoned_next_steps(state))
    report = state.plan.report if state.plan else None
    if event == "preflight_report" and report is not None:
        counts = report.counts()
        title = f"{cluster_id} preflight for {target}: {counts['fail']} failed, {counts['warn']} warnings"
        severity: Severity = "failure" if counts["fail"] else "warning" if counts["warn"] else "success"
        return message(severity, title, "Preflight", [report.text(), "", "Report only: nothing was changed."], [])
    if event == "already_upgraded":
        body = [f"{cluster_id} already runs {target}. Nothing was changed."]
        return message("info", f"{cluster_id} already runs {target}: nothing to do", "Preflight", body, [])
    if event == "succeeded":
        warnings = [line for check in report.warnings for line in check.lines()] if report else []
        carried = ["", "Preflight warnings:", *warnings] if warnings else []
        next_steps = [NextStep(text="update engine_version and parameter group names in your infrastructure code.")]
        body = success_lines(state) + carried + result_lines(state)
        return message("success", f"{cluster_id} upgraded {source} -> {target}", "Finished", body, next_steps)
    return _failed(state, rds, message)


def _approval_timed_out(state: WorkflowState) -> bool:
    error = (state.failure or {}).get(APPROVAL_STEP)
    return error is not None and error.Error == "States.Timeout"


def _rolled_back(state: WorkflowState, message: _Build) -> Message:
    cluster_id, target, source = cluster_id_of(state), target_of(state), source_of(state)
    if state.failure:
        step, error = next(iter(state.failure.items()))  # the upgrade's failure; later ones are reported below
        lines = [f"The upgrade FAILED at step {step}: {error.Error}: {reason(error)}", ""]
    else:
        lines = ["The upgrade succeeded, and was rolled back as the input asked (force_rollback).", ""]
    steps = [NextStep(text="fix the cause named above, then start a new execution.")] if state.failure else []
    title = f"{cluster_id} upgrade to {target} rolled back to {source}"
    return message("warning", title, "Rolled back", lines + restored_lines(state), steps)


def _failed(state: WorkflowState, rds: Rds, message: _Build) -> Message:
    step, error = _failure(state)
    report = state.plan.report if state.plan else None
    lines = [f"FAILED at step: {step}", f"Error: {error.Error}", f"Reason: {reason(error)}"]
    lines += _earlier_failures(state) + [""]
    if state.switchover_probe is not None:
        lines += [state.switchover_probe.line(), ""]
    if step.startswith("Notify"):
        lines += [
            "The workflow's own work was done; only sending its notification failed. Read the execution's "
            "history for the outcome.",
            "",
        ]
    if error.Error == "PreflightFailed" and report is not None:
        lines += [report.text(), ""]
    lines += cluster_state_lines(state, rds)
    title = f"{cluster_id_of(state)} upgrade to {target_of(state)} FAILED at {step}"
    return message("failure", title, step, lines, next_steps(state, step, _live_deployment(state, rds)))


def success_lines(state: WorkflowState) -> list[str]:
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
    if state.switchover_probe is not None:
        lines.append(state.switchover_probe.line())
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
    return lines


def restored_lines(state: WorkflowState) -> list[str]:
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
            f"({deletion_failed.Error}: {reason(deletion_failed)}); it is kept aside: delete it by hand when done."
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
    return [f"Earlier failure, at step {step}: {error.Error}: {reason(error)}" for step, error in earlier]


def cluster_state_lines(state: WorkflowState, rds: Rds, *, after_failure: bool = True) -> list[str]:
    """The cluster as it is now; after a failure, also what the workflow still does and what it kept."""
    cluster_id = state.input.get("cluster_id")
    if not isinstance(cluster_id, str) or state.plan is None:
        return ["Nothing was changed: the workflow stopped before its first change."]
    cluster = rds.find_cluster(cluster_id)
    if cluster is None:
        lines = _not_under_its_name(state, rds, cluster_id)
    else:
        lines = [
            f"Cluster {cluster_id} now: status {cluster.get('Status')}, version {cluster.get('EngineVersion')}, "
            f"cluster parameter group {cluster.get('DBClusterParameterGroup')}"
        ]
    scaling = (cluster or {}).get("ServerlessV2ScalingConfiguration")
    if scaling and state.capacity is not None and state.capacity.changed and after_failure:
        lines.append(
            f"Serverless v2 capacity: {scaling.get('MinCapacity')}-{scaling.get('MaxCapacity')} ACU; the workflow "
            f"restores the original minimum ({state.capacity.original_min_capacity} ACU) next"
        )
    if state.snapshot and after_failure:
        lines.append(f"Pre-upgrade snapshot (kept): {state.snapshot.snapshot_id} ({state.snapshot.status})")
    elif state.plan.restore_snapshot_id and after_failure:
        lines.append(f"Snapshot to restore from (kept): {state.plan.restore_snapshot_id}")
    deployment = state.switchover or state.blue_green
    if deployment:
        live = _live_deployment(state, rds)
        status = live.get("Status") if live else "deleted"
        lines.append(f"Blue/green deployment {deployment.name} ({deployment.deployment_id}): {status}")
        green = control_plane_checks.green_cluster_id(live) if live else None
        if live and green and status != "SWITCHOVER_COMPLETED":
            lines.append(f"Green cluster {green} is still running, and billed, until deleted with the deployment.")
    return lines


def _live_deployment(state: WorkflowState, rds: Rds) -> dict[str, Any] | None:
    deployment = state.switchover or state.blue_green
    return rds.find_blue_green(deployment.deployment_id) if deployment else None


def _not_under_its_name(state: WorkflowState, rds: Rds, cluster_id: str) -> list[str]:
    """Where the cluster went: a rollback or restore that stopped after the rename left it under the aside name."""
    assert state.plan is not None
    aside_id = (state.aside.aside_cluster_id if state.aside else None) or state.plan.names.aside_cluster_id
    aside = rds.find_cluster(aside_id)
    if aside is None:
        return [f"No cluster is named {cluster_id} now, and none is named {aside_id}."]
    members = ", ".join(sorted(m["DBInstanceIdentifier"] for m in aside.get("DBClusterMembers", []))) or "none"
    return [
        f"No cluster is named {cluster_id} now: its endpoints do not answer. The cluster that held the name was "
        f"moved aside as {aside_id} (status {aside.get('Status')}, version {aside.get('EngineVersion')}; "
        f"instances: {members})."
    ]


def _restore_step(state: WorkflowState, text: str) -> NextStep:
    """The restore input that finishes (or undoes) what this run left: it is preflight-checked like any other."""
    assert state.plan is not None
    snapshot_id = state.snapshot.snapshot_id if state.snapshot else state.plan.restore_snapshot_id
    restore_input = {"action": "restore", "cluster_id": state.plan.cluster.cluster_id, "snapshot_id": snapshot_id}
    if state.plan.restore_snapshot_source:
        restore_input["snapshot_source_cluster_id"] = state.plan.restore_snapshot_source
    return start_execution_step(text, state.execution.state_machine, restore_input)


def next_steps(state: WorkflowState, step: str, live_deployment: dict[str, Any] | None = None) -> list[NextStep]:
    deployment = state.switchover or state.blue_green
    if state.plan is None or step == "Preflight":
        return [NextStep(text="fix the input or the cluster as the reason says, then start a new execution.")]
    if step in _ROLLBACK_STEPS and (state.snapshot is not None or state.plan.restore_snapshot_id):
        what = "restore" if state.plan.action == "restore" else "rollback"
        text = (
            f"the {what} did not finish at {step} (where the cluster is now: above). Finish it with a restore "
            f"execution: it moves aside what still holds the original names, restores the snapshot under "
            f"{state.plan.cluster.cluster_id} and recreates its instances."
        )
        return [_restore_step(state, text)]
    if state.rollback is not None and state.rollback.restore_advised:
        text = (
            f"No rollback: {state.rollback.reason}. To put the cluster "
            "back as the pre-upgrade snapshot holds it, start a restore execution: it moves the cluster aside (kept), "
            "restores the snapshot under its name and recreates its instances."
        )
        return [_restore_step(state, text)]
    if state.rollback is not None and not state.rollback.needed:
        text = f"No rollback: {state.rollback.reason}. Fix the cause the reason names, then start a new execution."
        return [NextStep(text=text)]
    if state.aside is not None or state.restore is not None:
        aside = state.aside.aside_cluster_id if state.aside else "unchanged"
        text = f"the rollback itself did not finish; the replaced cluster is {aside}. Finish with a restore execution."
        return [_restore_step(state, text)]
    if state.abandoned is not None:
        return [
            NextStep(
                text="green is already deleted and blue serves as before; once the failure above is dealt with, "
                "start a new execution."
            )
        ]
    if deployment is not None and state.switchover is None:
        return [
            NextStep(
                text="blue is untouched and still serving. Inspect the green environment, then delete it with",
                command=(
                    "aws rds delete-blue-green-deployment --blue-green-deployment-identifier "
                    f"{deployment.deployment_id} --delete-target"
                ),
            ),
            NextStep(text="start a new execution once the cause is fixed."),
        ]
    live_status = live_deployment.get("Status") if live_deployment else None
    if deployment is not None and live_status in ("SWITCHOVER_FAILED", "INVALID_CONFIGURATION", "AVAILABLE"):
        return _green_left_running(state, deployment.deployment_id)
    if state.switchover is not None and state.verification is None:
        return [
            NextStep(
                text="check which cluster serves under the original name before anything else; "
                "if the switchover did not happen, blue still serves the old version."
            )
        ]
    if state.snapshot is not None and state.snapshot.status == "available":
        return [NextStep(text="read the reason above; the pre-upgrade snapshot is kept for a restore if needed.")]
    # the engine changes (in place, or at the switchover) only after the snapshot is available
    snapshot = (
        f"the pre-upgrade snapshot {state.snapshot.snapshot_id} is '{state.snapshot.status}', not available"
        if state.snapshot is not None
        else "no pre-upgrade snapshot was taken"
    )
    return [NextStep(text=f"read the reason above: {snapshot}, and the engine version was not changed.")]


def _green_left_running(state: WorkflowState, deployment_id: str) -> list[NextStep]:
    """The switchover did not happen (AWS rolls a failed one back): blue serves, green still runs and costs."""
    cluster_id = cluster_id_of(state)
    return [
        NextStep(
            text=f"{cluster_id} (blue) still serves the old version. The green environment is still running, and "
            "billed: if you do not need it for inspection, delete the deployment with it:",
            command=control_plane_checks.delete_blue_green_command(deployment_id),
        ),
        start_execution_step(
            "then, once the cause is fixed, start the upgrade again (while this deployment exists, a new execution "
            "stops at preflight, before any change):",
            state.execution.state_machine,
            state.input,
        ),
    ]


def _capacity_lines(state: WorkflowState) -> tuple[list[str], list[NextStep]]:
    error = state.capacity_restore_error
    change = state.capacity
    lines = [
        "FAILED at step RestoreCapacityAfterFailure: after the failure (see the earlier notification), restoring "
        "the Serverless v2 capacity failed too" + (f": {error.Error}: {reason(error)}" if error else "."),
    ]
    steps: list[NextStep] = []
    if change is not None and change.changed:
        cluster_id = state.input.get("cluster_id")
        lines.append(
            f"The minimum capacity is still {change.upgrade_min_capacity} ACU instead of "
            f"{change.original_min_capacity} ACU (it costs more)."
        )
        steps.append(
            NextStep(
                text="restore it by hand:",
                command=(
                    f"aws rds modify-db-cluster --db-cluster-identifier {cluster_id} --apply-immediately "
                    f"--serverless-v2-scaling-configuration MinCapacity={change.original_min_capacity},"
                    f"MaxCapacity={change.original_max_capacity}"
                ),
            )
        )
    return lines, steps
