"""Waits woken by RDS events: the task-token pattern with a polling fallback.

A long wait (snapshot, green environment, in-place upgrade) is a ``waitForTaskToken`` task:
``register`` stores the task token under every resource whose events matter; ``wake`` (the
target of an EventBridge rule on RDS events) completes the waiting tasks of the event's
resource. An event only wakes the workflow: the check that follows describes the resource
and decides, so an early, late, duplicate or out-of-order event is harmless. RDS sends events
"on a best effort basis", so the task's timeout (``poll.wait_seconds``) is the fallback: the
check runs then anyway.

An event that fires between the last check and the registration would be missed; ``register``
closes that gap by describing the resource once more and waking itself when the status is no
longer the one the last check saw.
"""

import os
from collections.abc import Callable
from typing import Any, Literal

from pydantic import ConfigDict

from aws.dynamodb import TokenTable
from aws.rds import Rds
from aws.stepfunctions import StepFunctions
from upgrade.shared import clock
from upgrade.shared.base_model import Model
from upgrade.shared.errors import InvalidUpgradeInput
from upgrade.shared.models import WorkflowState

Watch = Literal["snapshot", "green", "in_place"]
_KEEP_AFTER_TIMEOUT_SECONDS = 3600  # tokens outlive their task's timeout a little; TTL removes them


class WaitRequest(Model):
    """The payload of an ``Await...`` state: its task token, what it waits for, the workflow state."""

    model_config = ConfigDict(extra="forbid")

    token: str
    watch: Watch
    state: WorkflowState


class Registration(Model):
    resources: list[str]
    observed: str
    woke_at_once: bool


class Wake(Model):
    resources: list[str]
    woken: int


def register(request: WaitRequest, rds: Rds, table: TokenTable, sfn: StepFunctions) -> Registration:
    watched = _WATCHES[request.watch]
    resources, last_seen = watched.resources(request.state), watched.last_seen(request.state)
    timeout = _timeout_seconds(request)
    execution = request.state.execution.id or request.state.execution.name
    expires_at = int(clock.now().timestamp()) + timeout + _KEEP_AFTER_TIMEOUT_SECONDS
    for resource in resources:
        table.put(
            _key(resource),
            f"{execution}#{request.watch}",
            {"task_token": request.token, "expires_at": expires_at, "execution": execution},
        )
    observed = watched.observe(request.state, rds)
    changed = observed != last_seen
    if changed:
        sfn.send_task_success(request.token, {"woken_by": "status changed before the wait began", "status": observed})
    return Registration(resources=resources, observed=observed, woke_at_once=changed)


def wake(event: dict[str, Any], table: TokenTable, sfn: StepFunctions) -> Wake:
    """Complete every task waiting on the event's resource; each stored token is used once."""
    detail = event.get("detail") or {}
    resources = event_resources(event)
    woken = 0
    for resource in resources:
        for item in table.items(_key(resource)):
            taken = table.take(_key(resource), str(item["sk"]))
            if taken is None:
                continue  # another wake took it first
            output = {"woken_by": str(detail.get("EventID", "event")), "resource": resource}
            woken += sfn.send_task_success(str(taken["task_token"]), output)
    return Wake(resources=resources, woken=woken)


def event_resources(event: dict[str, Any]) -> list[str]:
    """The identifiers an RDS event names: SourceIdentifier, and the last part of its ARNs."""
    detail = event.get("detail") or {}
    names = [str(detail.get("SourceIdentifier") or "")]
    names += [str(arn).rsplit(":", 1)[-1] for arn in [detail.get("SourceArn"), *event.get("resources", [])] if arn]
    # older samples show "rds:<name>" as the SourceIdentifier
    unique = dict.fromkeys(name.removeprefix("rds:") for name in names if name)
    return list(unique)


def token_table_name() -> str:
    name = os.environ.get("TOKEN_TABLE")
    if not name:
        raise RuntimeError("environment variable(s) missing or invalid: TOKEN_TABLE")
    return name


def _key(resource: str) -> str:
    return f"wait#{resource}"


def _timeout_seconds(request: WaitRequest) -> int:
    progress = _WATCHES[request.watch].progress(request.state)
    return int(progress.poll.wait_seconds) if progress is not None else 0


class _Watched:
    def __init__(
        self,
        progress: Callable[[WorkflowState], Any],
        resources: Callable[[WorkflowState], list[str]],
        observe: Callable[[WorkflowState, Rds], str],
    ) -> None:
        self.progress = progress
        self._resources = resources
        self._observe = observe

    def resources(self, state: WorkflowState) -> list[str]:
        if self.progress(state) is None:
            raise InvalidUpgradeInput("nothing to wait for: the step that starts this wait has not run")
        return self._resources(state)

    def last_seen(self, state: WorkflowState) -> str:
        return str(self.progress(state).status)

    def observe(self, state: WorkflowState, rds: Rds) -> str:
        return self._observe(state, rds)


def _snapshot_status(state: WorkflowState, rds: Rds) -> str:
    assert state.snapshot is not None
    snapshot = rds.find_cluster_snapshot(state.snapshot.snapshot_id)
    return str(snapshot.get("Status")) if snapshot else "missing"


def _green_status(state: WorkflowState, rds: Rds) -> str:
    assert state.blue_green is not None
    deployment = rds.find_blue_green(state.blue_green.deployment_id)
    return str(deployment.get("Status")) if deployment else "missing"


def _cluster_status(state: WorkflowState, rds: Rds) -> str:
    cluster = rds.find_cluster(state.require_plan().cluster.cluster_id)
    return str(cluster.get("Status")) if cluster else "missing"


def _green_resources(state: WorkflowState) -> list[str]:
    assert state.blue_green is not None
    green = state.blue_green.green_cluster_arn
    blue = state.require_plan().cluster.cluster_id
    return [state.blue_green.deployment_id, blue] + ([green.rsplit(":", 1)[-1]] if green else [])


_WATCHES: dict[str, _Watched] = {
    "snapshot": _Watched(
        lambda state: state.snapshot,
        lambda state: [state.snapshot.snapshot_id] if state.snapshot else [],
        _snapshot_status,
    ),
    "green": _Watched(lambda state: state.blue_green, _green_resources, _green_status),
    "in_place": _Watched(
        lambda state: state.in_place,
        lambda state: [state.require_plan().cluster.cluster_id],
        _cluster_status,
    ),
}
