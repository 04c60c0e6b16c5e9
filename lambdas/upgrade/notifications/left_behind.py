"""What a run stopped from outside (ABORTED, TIMED_OUT) changed and left, read from its last recorded state.

The workflow cannot send its own outcome message when it is stopped, so the EventBridge safety net reads the
execution history: the output of the last state that exited is the workflow state at that moment (Step Functions
API Reference, GetExecutionHistory / StateExitedEventDetails). Every line below is derived from that state.
"""

from __future__ import annotations

from typing import Any

from upgrade.notifications.messages import NextStep, start_execution_step
from upgrade.preflight.control_plane import delete_blue_green_command
from upgrade.shared.models import WorkflowState


def left_behind(state: WorkflowState) -> list[str]:
    """One line per change the run made that is still there (as far as its last recorded state knows)."""
    if state.plan is None:
        return ["Nothing: it stopped before its first change."]
    lines = []
    capacity = state.capacity
    if capacity is not None and capacity.changed and not _capacity_given_back(state):
        lines.append(
            f"Serverless v2 minimum capacity raised to {capacity.upgrade_min_capacity} ACU "
            f"(it was {capacity.original_min_capacity} ACU): it costs more until it is given back."
        )
    group = state.source_parameter_group
    if group is not None and (group.created or group.attached or group.logical_replication_set):
        lines.append(
            f"Cluster parameter group {group.name}: "
            + ", ".join(
                part
                for part, done in (
                    ("created", group.created),
                    ("attached to the cluster", group.attached),
                    ("rds.logical_replication = 1 set", group.logical_replication_set),
                )
                if done
            )
            + ("" if group.in_sync else "; not yet in effect on every member (a reboot is pending)")
            + "."
        )
    targets = state.target_parameter_groups
    if targets is not None:
        names = [name for name in (targets.cluster_parameter_group, targets.instance_parameter_group) if name]
        if names:
            lines.append(f"Target-family parameter groups {', '.join(names)} (created or adopted; kept).")
    if state.snapshot is not None:
        lines.append(f"Pre-upgrade snapshot {state.snapshot.snapshot_id} ({state.snapshot.status}, kept).")
    deployment = state.switchover or state.blue_green
    if deployment is not None and state.abandoned is None and state.verification is None:
        started = " A switchover was started: check which cluster serves under the name." if state.switchover else ""
        lines.append(
            f"Blue/green deployment {deployment.name} ({deployment.deployment_id}), last seen {deployment.status}: "
            f"its green environment runs, and is billed, until it is deleted.{started}"
        )
    if state.in_place is not None:
        lines.append(f"An in-place upgrade of the engine was started (last seen '{state.in_place.status}').")
    if state.aside is not None and state.aside.aside_cluster_id:
        lines.append(f"The cluster was being moved aside as {state.aside.aside_cluster_id}.")
    if state.restore is not None:
        lines.append(f"A restore from snapshot {state.restore.snapshot_id} was under way ({state.restore.status}).")
    return lines or ["Nothing that is still there: preflight ran, no change was made yet."]


def left_behind_steps(state: WorkflowState, state_machine_arn: str | None) -> list[NextStep]:
    """How to give back what the run left, or carry on from it."""
    steps: list[NextStep] = []
    cluster_id = str(state.input.get("cluster_id"))
    capacity = state.capacity
    if capacity is not None and capacity.changed and not _capacity_given_back(state):
        steps.append(
            NextStep(
                text="to give the capacity back now:",
                command=(
                    f"aws rds modify-db-cluster --db-cluster-identifier {cluster_id} --apply-immediately "
                    f"--serverless-v2-scaling-configuration MinCapacity={capacity.original_min_capacity},"
                    f"MaxCapacity={capacity.original_max_capacity}"
                ),
            )
        )
    deployment = state.switchover or state.blue_green
    if deployment is not None and state.switchover is None and state.abandoned is None:
        steps.append(
            NextStep(
                text="to delete the green environment (blue keeps serving):",
                command=delete_blue_green_command(deployment.deployment_id),
            )
        )
    engine_touched = state.in_place is not None or state.aside is not None or state.restore is not None
    snapshot_id = (
        state.snapshot.snapshot_id if state.snapshot else (state.plan.restore_snapshot_id if state.plan else None)
    )
    if engine_touched and snapshot_id:
        restore_input: dict[str, Any] = {"action": "restore", "cluster_id": cluster_id, "snapshot_id": snapshot_id}
        steps.append(
            start_execution_step(
                "if the cluster is left half-changed, put it back as the snapshot holds it:",
                state_machine_arn,
                restore_input,
            )
        )
    if state.input.get("action") != "restore":
        steps.append(
            start_execution_step(
                "to carry on instead: start the same input again; it adopts the groups, the capacity record and a "
                "deployment still provisioning or available, and stops at preflight if the cluster cannot go on.",
                state_machine_arn,
                state.input,
            )
        )
    return steps


def _capacity_given_back(state: WorkflowState) -> bool:
    return state.capacity_restore is not None and bool(state.capacity_restore.restored)
