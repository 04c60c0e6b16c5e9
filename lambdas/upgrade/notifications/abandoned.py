"""The switchover was not approved (rejected, or no answer in time): green is gone, blue serves as before."""

from __future__ import annotations

from upgrade.notifications.messages import (
    NextStep,
    cluster_id_of,
    result_lines,
    source_of,
    start_execution_step,
    target_of,
)
from upgrade.shared.models import WorkflowState


def abandoned_title(state: WorkflowState, event: str) -> str:
    cluster_id, target, source = cluster_id_of(state), target_of(state), source_of(state)
    what = "rejected at approval" if event == "approval_rejected" else "not approved in time"
    return f"{cluster_id} upgrade to {target} {what}: green deleted, blue serves {source}"


def abandoned_body(state: WorkflowState, event: str, cluster_now: list[str]) -> list[str]:
    """What happened, what was deleted, blue as it is now (``cluster_now``), what is kept."""
    cluster_id, source = cluster_id_of(state), source_of(state)
    lines = [_why(state, event)]
    abandoned = state.abandoned
    if abandoned is not None:
        green = f"the green cluster {abandoned.green_cluster_id}" if abandoned.green_cluster_id else "green"
        lines.append(f"The blue/green deployment {abandoned.deployment_id} and {green} were deleted.")
    lines.append(
        f"Blue ({cluster_id}) was never switched over: it still serves {source} under its own name and endpoints, "
        "as before the upgrade."
    )
    lines += cluster_now
    group = state.source_parameter_group
    if group is not None and group.logical_replication_set:
        lines.append(
            f"Blue keeps the cluster parameter group {group.name} with logical replication on, as blue/green "
            "needs it; a new execution uses it again."
        )
    if state.capacity is not None and state.capacity.changed:
        lines.append(f"Serverless v2 minimum capacity given back: {state.capacity.original_min_capacity} ACU.")
    if state.snapshot is not None:
        lines.append(
            f"Pre-upgrade snapshot (kept): {state.snapshot.snapshot_id}. The workflow never deletes it; "
            "delete it when you no longer need it."
        )
    if state.post_upgrade is not None:
        # its work and its advice (ANALYZE, extension updates, the commands left to run) were for green, now deleted
        green_id = state.abandoned.green_cluster_id if state.abandoned else None
        lines.append(f"The post-upgrade work done on green {green_id or ''} went with it; nothing is left to run.")
    return lines + result_lines(state, skip=("post_upgrade",))


def _why(state: WorkflowState, event: str) -> str:
    if event == "approval_timed_out":
        timeout = state.plan.approval_timeout_seconds if state.plan else None
        within = f" within {_timeout_text(timeout)}" if timeout else " in time"
        return (
            f"Nobody approved the switchover{within}: the approval links have expired, and no answer counts as a "
            "rejection."
        )
    approval = state.approval
    decision = approval.decision if approval else None
    when = f" at {approval.decided_at}" if approval and approval.decided_at else ""
    origin = f" from {approval.source_ip}" if approval and approval.source_ip else ""
    if decision == "reject":
        return f"The switchover was rejected{when}{origin}."
    return f'The approval answer was "{decision}"{when}{origin}, not "approve": anything else counts as a rejection.'


def _timeout_text(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} hour" + ("s" if seconds != 3600 else "")
    if seconds % 60 == 0:
        return f"{seconds // 60} minutes"
    return f"{seconds} s"


def abandoned_next_steps(state: WorkflowState) -> list[NextStep]:
    steps = [
        NextStep(
            text="if the messages before this one showed a problem (post-upgrade work, consistency check), "
            "fix it on blue first."
        ),
        start_execution_step(
            "to try again, start a new execution (it builds a new green from blue):",
            state.execution.state_machine,
            state.input,
        ),
    ]
    if state.approval is None:
        steps.append(
            NextStep(
                text="to give people more time, raise approval_timeout_seconds in the input (at most 7 days); "
                "require_approval false switches over without asking."
            )
        )
    return steps
