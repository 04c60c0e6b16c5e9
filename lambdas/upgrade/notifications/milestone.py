"""Progress messages: the workflow reached a milestone; what it did, and what comes next."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal, get_args

from upgrade.notifications.messages import (
    ApprovalLinks,
    Message,
    Severity,
    cluster_id_of,
    is_restore,
    path_of,
    result_lines,
    source_of,
    strategy_of,
    target_of,
    workflow_message,
)
from upgrade.shared.errors import InvalidUpgradeInput
from upgrade.shared.models import WorkflowState

Milestone = Literal[
    "started",
    "preflight_passed",
    "snapshot_ready",
    "green_ready",
    "awaiting_approval",
    "switchover_done",
    "post_upgrade_done",
]
MILESTONES: tuple[str, ...] = get_args(Milestone)

_STEPS = {
    "started": "Started",
    "preflight_passed": "Preflight passed",
    "snapshot_ready": "Snapshot ready",
    "green_ready": "Green ready",
    "awaiting_approval": "Awaiting approval",
    "switchover_done": "Switchover done",
    "post_upgrade_done": "Post-upgrade work done",
}

Content = tuple[Severity, str, list[str]]  # severity, title, body


def milestone_message(
    state: WorkflowState, milestone: str, now: datetime, approval: ApprovalLinks | None = None
) -> Message:
    if milestone not in MILESTONES:
        raise ValueError(f"unknown milestone {milestone!r}; known: {', '.join(MILESTONES)}")
    severity, title, body = _CONTENT[milestone](state)
    return workflow_message(
        state,
        event=milestone,
        severity=severity,
        title=title,
        step=_STEPS[milestone],
        now=now,
        body=body,
        approval=approval,
    )


def _started(state: WorkflowState) -> Content:
    cluster_id = cluster_id_of(state)
    if is_restore(state):
        snapshot = state.input.get("snapshot_id")
        body = [
            f"{cluster_id} is moved aside and restored from snapshot {snapshot} under its own identifier; "
            "writes made after the snapshot are not in the restored cluster."
        ]
        return "info", f"{cluster_id} restore from snapshot {snapshot} started", body
    body = ["Preflight checks come first: nothing changes before they pass."]
    try:
        request = state.request
    except InvalidUpgradeInput:
        request = None  # preflight names what is wrong with the input
    if request is not None and request.mode == "preflight":
        body.append("Report only: the checks run and nothing is changed.")
    elif request is not None and request.strategy == "blue_green":
        approval = "your approval (a message brings the links)" if request.approval_required else "no approval asked"
        body.append(
            f"Then: parameter groups, a pre-upgrade snapshot, a blue/green deployment with green on "
            f"{request.target_engine_version}, post-upgrade work and a consistency check on green, {approval}, "
            "the switchover, clean-up. Blue serves throughout; writes pause only during the switchover."
        )
    elif request is not None:
        body.append(
            f"Then: parameter groups, a pre-upgrade snapshot, the upgrade in place ({cluster_id} is unavailable "
            "while it runs), post-upgrade work."
        )
    title = f"{cluster_id} upgrade {path_of(state)} started ({strategy_of(state)})"
    return "info", title, body


def _preflight_passed(state: WorkflowState) -> Content:
    cluster_id, target = cluster_id_of(state), target_of(state)
    report = state.plan.report if state.plan else None
    if report is None and state.plan is not None and state.plan.action == "restore":
        snapshot = state.plan.restore_snapshot_id
        body = [f"Snapshot {snapshot} is available to restore from. Nothing has changed yet."]
        return "success", f"{cluster_id} restore preflight passed", body
    if report is None:
        return "success", f"{cluster_id} preflight passed for {target}", ["Preflight passed. Nothing has changed yet."]
    counts = report.counts()
    body = [
        f"{counts['pass']} passed, {counts['warn']} warnings, {counts['fail']} failed, {counts['skipped']} skipped. "
        "Nothing has changed yet."
    ]
    for check in report.warnings:
        body += check.lines()
    severity: Severity = "warning" if counts["warn"] else "success"
    return severity, f"{cluster_id} preflight passed for {target}: {counts['warn']} warnings", body


def _snapshot_ready(state: WorkflowState) -> Content:
    cluster_id, target = cluster_id_of(state), target_of(state)
    snapshot = state.snapshot
    body = []
    if snapshot is not None:
        earlier = " (made by an earlier attempt of this execution)" if snapshot.adopted else ""
        body.append(f"Snapshot {snapshot.snapshot_id} is {snapshot.status}{earlier}.")
    body.append(f"The workflow never deletes it: a restore execution can put {cluster_id} back as it is now.")
    if state.plan is not None and state.plan.strategy == "in_place":
        body.append(f"Next: {cluster_id} is upgraded in place to {target}; it is unavailable while that runs.")
    else:
        body.append(f"Next: a blue/green deployment with green on {target}; blue keeps serving.")
    return "info", f"{cluster_id} pre-upgrade snapshot ready", body


def _green_ready(state: WorkflowState) -> Content:
    cluster_id, target = cluster_id_of(state), target_of(state)
    deployment = state.blue_green
    body = []
    if deployment is not None:
        green = _green_cluster_id(deployment.green_cluster_arn)
        body.append(
            f"Blue/green deployment {deployment.name} ({deployment.deployment_id}) is {deployment.status}: "
            f"green{f' {green}' if green else ''} runs {target} and replicates blue's writes."
        )
    body.append(f"Blue ({cluster_id}) still serves {source_of(state)}; nothing has switched.")
    approval = state.plan is not None and state.plan.approval_required
    then = "your approval of the switchover (a message brings the links)" if approval else "the switchover"
    body.append(f"Next: post-upgrade work and a consistency check on green, then {then}.")
    return "info", f"{cluster_id} green ready on {target}", body


def _awaiting_approval(state: WorkflowState) -> Content:
    cluster_id, target, source = cluster_id_of(state), target_of(state), source_of(state)
    deployment = state.blue_green
    green = _green_cluster_id(deployment.green_cluster_arn) if deployment else None
    timeout = state.input.get("switchover_timeout_seconds", 300)
    body = [
        f"Green{f' ({green})' if green else ''} runs {target}; blue ({cluster_id}) serves {source}.",
        f"If you approve, the switchover gives green {cluster_id}'s name and endpoints; writes pause for at most "
        f"{timeout} s, and blue is kept, read-only, under a name ending in -old1.",
        f"If you reject, green is deleted; blue keeps serving {source} and nothing else changes.",
        "No answer before the links expire counts as a rejection.",
    ]
    return "warning", f"{cluster_id} switchover to {target} awaits your approval", body + result_lines(state)


def _switchover_done(state: WorkflowState) -> Content:
    cluster_id, target = cluster_id_of(state), target_of(state)
    verification = state.verification
    body = []
    if verification is not None:
        instances = ", ".join(f"{name} {version}" for name, version in verification.instances.items())
        body.append(f"{verification.cluster_id} now runs {verification.engine_version} ({instances}).")
        if verification.old_cluster_id:
            body.append(
                f"The old blue cluster is kept as {verification.old_cluster_id} (read-only, {source_of(state)})."
            )
    else:
        body.append(f"The switchover of {cluster_id} to {target} completed.")
    if state.switchover_probe is not None:
        body.append(state.switchover_probe.line())
    deletes = bool(state.input.get("delete_old_cluster"))
    old = "the old cluster is deleted, with a final snapshot" if deletes else "the old cluster is kept"
    body.append(f"Next: clean-up ({old}), then the final message.")
    return "success", f"{cluster_id} switched over: now on {target}", body


def _post_upgrade_done(state: WorkflowState) -> Content:
    body = result_lines(state)[1:] or ["Post-upgrade work finished."]
    return "info", f"{cluster_id_of(state)} post-upgrade work done", body


def _green_cluster_id(arn: str | None) -> str | None:
    return arn.split(":cluster:")[-1] if arn and ":cluster:" in arn else None


_CONTENT: dict[str, Callable[[WorkflowState], Content]] = {
    "started": _started,
    "preflight_passed": _preflight_passed,
    "snapshot_ready": _snapshot_ready,
    "green_ready": _green_ready,
    "awaiting_approval": _awaiting_approval,
    "switchover_done": _switchover_done,
    "post_upgrade_done": _post_upgrade_done,
}
