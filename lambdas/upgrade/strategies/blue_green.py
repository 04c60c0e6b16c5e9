"""Create the blue/green deployment, wait for green, switch over, wait for the switch."""

from __future__ import annotations

from typing import Any

from aws.rds import Rds
from upgrade.shared.errors import (
    BlueGreenConflict,
    BlueGreenInvalidConfiguration,
    BlueGreenTaskFailed,
    SwitchoverFailed,
)
from upgrade.shared.models import BlueGreenAbandoned, BlueGreenProgress, WorkflowState
from upgrade.waiting import polling

_SWITCHING = {"SWITCHOVER_IN_PROGRESS", "SWITCHOVER_COMPLETED"}


def create_blue_green(state: WorkflowState, rds: Rds) -> BlueGreenProgress:
    plan = state.require_plan()
    groups = state.target_parameter_groups
    if groups is None or groups.cluster_parameter_group is None or groups.instance_parameter_group is None:
        raise BlueGreenConflict("target parameter groups were not prepared")
    existing = rds.find_blue_green_by_name(plan.names.blue_green_name)
    if existing is not None and existing.get("Source") != plan.cluster.cluster_arn:
        raise BlueGreenConflict(
            f"a blue/green deployment named '{plan.names.blue_green_name}' exists for another source "
            f"({existing.get('Source')})"
        )
    deployment = existing or rds.create_blue_green(
        plan.names.blue_green_name,
        plan.cluster.cluster_arn,
        plan.target_version,
        groups.cluster_parameter_group,
        groups.instance_parameter_group,
        {"managed-by": "aurora-upgrade", "execution": state.execution.name[:256]},
    )
    progress = _progress(
        deployment,
        adopted=existing is not None,
        poll=polling.start(polling.BLUE_GREEN_READY, state.request.deadlines.blue_green_ready_minutes),
    )
    return _judge_green(progress, deployment)


def check_blue_green(state: WorkflowState, rds: Rds) -> BlueGreenProgress:
    progress = _require(state.blue_green, "blue/green deployment")
    deployment = _describe(rds, progress.deployment_id)
    judged = _judge_green(_refresh(progress, deployment), deployment)
    if judged.ready:
        return judged.model_copy(update={"poll": polling.checked(progress.poll)})
    poll = polling.advance(progress.poll, polling.BLUE_GREEN_READY, f"green environment of {progress.name}")
    return judged.model_copy(update={"poll": poll})


def start_switchover(state: WorkflowState, rds: Rds) -> BlueGreenProgress:
    green = _require(state.blue_green, "blue/green deployment")
    deployment = _describe(rds, green.deployment_id)
    status = deployment.get("Status")
    if status == "AVAILABLE":
        deployment = rds.switchover(green.deployment_id, state.request.switchover_timeout_seconds)
    elif status not in _SWITCHING:
        raise SwitchoverFailed(f"cannot switch over {green.name}: it is {status} ({deployment.get('StatusDetails')})")
    progress = _progress(
        deployment,
        adopted=status in _SWITCHING,
        poll=polling.start(polling.SWITCHOVER, state.request.deadlines.switchover_minutes),
    )
    return progress.model_copy(update={"ready": deployment.get("Status") == "SWITCHOVER_COMPLETED"})


def check_switchover(state: WorkflowState, rds: Rds) -> BlueGreenProgress:
    progress = _require(state.switchover, "switchover")
    deployment = _describe(rds, progress.deployment_id)
    status = deployment.get("Status")
    refreshed = _refresh(progress, deployment)
    if status == "SWITCHOVER_COMPLETED":
        return refreshed.model_copy(update={"ready": True, "poll": polling.checked(progress.poll)})
    if status == "SWITCHOVER_FAILED":
        raise SwitchoverFailed(
            f"switchover of {progress.name} failed: {deployment.get('StatusDetails') or 'no details'}; "
            "AWS rolled it back, blue keeps serving on the old version"
        )
    if status != "SWITCHOVER_IN_PROGRESS":
        raise SwitchoverFailed(
            f"switchover of {progress.name} was cancelled (status {status}: {deployment.get('StatusDetails')}); "
            "blue keeps serving on the old version"
        )
    poll = polling.advance(progress.poll, polling.SWITCHOVER, f"switchover of {progress.name}")
    return refreshed.model_copy(update={"poll": poll})


def _judge_green(progress: BlueGreenProgress, deployment: dict[str, Any]) -> BlueGreenProgress:
    status = deployment.get("Status")
    details = deployment.get("StatusDetails")
    if status == "INVALID_CONFIGURATION":
        raise BlueGreenInvalidConfiguration(f"{progress.name} is INVALID_CONFIGURATION: {details or 'no details'}")
    failed = [task.get("Name") for task in deployment.get("Tasks", []) if task.get("Status") == "FAILED"]
    if failed:
        raise BlueGreenTaskFailed(
            f"{progress.name}: task(s) {', '.join(map(str, failed))} FAILED: {details or 'no details'}"
        )
    if status in _SWITCHING or status in {"SWITCHOVER_FAILED", "DELETING"}:
        raise BlueGreenConflict(f"{progress.name} is already {status}; it cannot be used for a new switchover")
    tasks_done = all(task.get("Status") == "COMPLETED" for task in deployment.get("Tasks", []))
    return progress.model_copy(update={"ready": status == "AVAILABLE" and tasks_done})


def _progress(deployment: dict[str, Any], adopted: bool, poll: Any) -> BlueGreenProgress:
    return BlueGreenProgress(
        deployment_id=deployment["BlueGreenDeploymentIdentifier"],
        name=deployment["BlueGreenDeploymentName"],
        status=deployment.get("Status", "UNKNOWN"),
        adopted=adopted,
        ready=False,
        green_cluster_arn=deployment.get("Target"),
        status_details=deployment.get("StatusDetails"),
        poll=poll,
    )


def _refresh(progress: BlueGreenProgress, deployment: dict[str, Any]) -> BlueGreenProgress:
    return progress.model_copy(
        update={
            "status": deployment.get("Status", "UNKNOWN"),
            "status_details": deployment.get("StatusDetails"),
            "green_cluster_arn": deployment.get("Target") or progress.green_cluster_arn,
        }
    )


def _describe(rds: Rds, deployment_id: str) -> dict[str, Any]:
    deployment = rds.find_blue_green(deployment_id)
    if deployment is None:
        raise BlueGreenConflict(f"blue/green deployment {deployment_id} no longer exists")
    return deployment


def _require(progress: BlueGreenProgress | None, what: str) -> BlueGreenProgress:
    if progress is None:
        raise BlueGreenConflict(f"no {what} in the workflow state")
    return progress


def abandon(state: WorkflowState, rds: Rds) -> BlueGreenAbandoned:
    """Back out before a switchover (approval rejected or timed out): delete the deployment and green.

    Blue is not touched: it kept serving the whole time. Green must lose its deletion protection
    first, or ``DeleteTarget`` is refused. Re-running finds the deployment or green gone and goes on.
    """
    progress = _require(state.blue_green, "blue/green deployment")
    green_id = progress.green_cluster_arn.rsplit(":", 1)[-1] if progress.green_cluster_arn else None
    blue_id = state.require_plan().cluster.cluster_id
    if green_id == blue_id:
        raise BlueGreenConflict(f"refusing to delete {green_id}: it is the serving cluster")
    green = rds.find_cluster(green_id) if green_id else None
    if green is not None and green.get("DeletionProtection") and green.get("Status") != "deleting":
        rds.modify_cluster(green["DBClusterIdentifier"], DeletionProtection=False)
    deployment = rds.find_blue_green(progress.deployment_id)
    if deployment is not None:
        if deployment.get("Status") in _SWITCHING:
            raise BlueGreenConflict(f"{progress.name} is {deployment.get('Status')}: too late to back out")
        rds.delete_blue_green(progress.deployment_id, delete_target=True)
    return BlueGreenAbandoned(deployment_id=progress.deployment_id, green_cluster_id=green_id, blue_cluster_id=blue_id)
