"""EventBridge events the notifier hears besides the workflow itself.

- ``aws.states`` execution status changes (FAILED, TIMED_OUT, ABORTED): the safety net for an execution
  that could not send its own outcome message. The workflow's own Fail states come after it notified,
  so an execution ending in one of them is not notified twice.
- ``aws.rds`` events (cluster, blue/green deployment, ...): a short line each, for the configured clusters.
"""

import json
import re
from collections.abc import Iterable
from typing import Any

from botocore.exceptions import ClientError
from pydantic import ConfigDict, Field, ValidationError

from aws.rds import Rds
from aws.stepfunctions import StepFunctions
from upgrade.notifications.left_behind import left_behind, left_behind_steps
from upgrade.notifications.messages import (
    STRATEGY_LABELS,
    Fact,
    Message,
    NextStep,
    Severity,
    duration_text,
    execution_console_url,
    reason,
    start_execution_step,
)
from upgrade.shared.base_model import Model
from upgrade.shared.models import StepError, WorkflowState
from upgrade.shared.shapes import is_workflow_state

EXECUTION_STATUS_CHANGE = "Step Functions Execution Status Change"
BLUE_GREEN_EVENT = "RDS Blue Green Deployment Event"
NOTIFIED_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")
# The Error of every Fail state of statemachines/upgrade.asl.json: each comes after the workflow's own
# outcome message (tests/unit/test_notification_messages.py keeps this list equal to the definition).
WORKFLOW_FAIL_ERRORS = frozenset({"UpgradeFailed", "UpgradeRolledBack", "UpgradeAbandoned"})

_FAILED_EVENTS = {"RDS-EVENT-0245", "RDS-EVENT-0249", "RDS-EVENT-0261", "RDS-EVENT-0174", "RDS-EVENT-0314"}
_DONE_EVENTS = {"RDS-EVENT-0244", "RDS-EVENT-0248", "RDS-EVENT-0260", "RDS-EVENT-0176"}


class _Event(Model):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    source: str
    detail_type: str = Field(alias="detail-type")
    region: str | None = None
    time: str | None = None
    detail: dict[str, Any] = {}


class ExecutionStatus(Model):
    model_config = ConfigDict(extra="ignore")

    executionArn: str
    stateMachineArn: str | None = None
    name: str
    status: str
    startDate: int | None = None  # epoch milliseconds
    stopDate: int | None = None
    input: str | None = None  # omitted by EventBridge when larger than 248 KB
    error: str | None = None
    cause: str | None = None


class RdsEvent(Model):
    model_config = ConfigDict(extra="ignore")

    EventID: str | None = None
    Message: str = ""
    SourceIdentifier: str = ""
    SourceArn: str | None = None
    SourceType: str | None = None
    Date: str | None = None


class EventDecision(Model):
    """What to publish for an event, or why nothing."""

    message: Message | None
    reason: str


def decide(event: dict[str, Any], rds: Rds, clusters: Iterable[str], sfn: StepFunctions | None = None) -> EventDecision:
    parsed = _Event.model_validate(event)
    if parsed.source == "aws.states" and parsed.detail_type == EXECUTION_STATUS_CHANGE:
        return _execution_ended(ExecutionStatus.model_validate(parsed.detail), sfn)
    if parsed.source == "aws.rds":
        return _rds_event(parsed.detail_type, RdsEvent.model_validate(parsed.detail), rds, tuple(clusters))
    ignored = f"not an event the notifier reports: {parsed.source} {parsed.detail_type}"
    return EventDecision(message=None, reason=ignored)


# executions -------------------------------------------------------------------------------------------------


def _execution_ended(detail: ExecutionStatus, sfn: StepFunctions | None) -> EventDecision:
    if detail.status not in NOTIFIED_STATUSES:
        return EventDecision(message=None, reason=f"execution {detail.name} is {detail.status}")
    if detail.error in WORKFLOW_FAIL_ERRORS:
        return EventDecision(
            message=None, reason=f"execution {detail.name} ended in its own {detail.error}: already notified"
        )
    execution_input = _input_of(detail)
    cluster_id = str(execution_input.get("cluster_id", "unknown"))
    ended = f"execution {detail.name} ended {detail.status}"
    error = f": {detail.error}" if detail.error else ""
    cause = f": {reason(StepError(Error=detail.error or '', Cause=detail.cause))}" if detail.cause else ""
    body = [
        f"The {ended}{error}{cause}.",
        "The workflow could not send its own outcome message (an abort, a timeout, or a failure of the "
        "notification itself), so this message comes from the EventBridge safety net.",
    ]
    if detail.status == "ABORTED":
        body.append(
            "An abort stops the workflow mid-step: a blue/green deployment, an upgrade or a restore it started "
            "may still be in progress."
        )
    last = _last_state(detail, sfn)
    next_steps = _execution_next_steps(detail, cluster_id)
    if last is not None:
        body += ["", "What the run changed and left, by its last recorded state:"]
        body += [f"- {line}" for line in left_behind(last)]
        next_steps = left_behind_steps(last, detail.stateMachineArn)
    message = Message(
        event="execution_ended",
        severity="failure",
        cluster_id=cluster_id,
        title=f"{cluster_id}: {ended}",
        facts=_execution_facts(detail, execution_input, cluster_id),
        body=body,
        next_steps=next_steps,
        console_url=execution_console_url(detail.executionArn),
        thread_id=detail.name,
    )
    return EventDecision(message=message, reason=ended)


def _last_state(detail: ExecutionStatus, sfn: StepFunctions | None) -> WorkflowState | None:
    """The workflow state when the execution stopped; None when the history cannot tell (then the generic steps)."""
    if sfn is None or not detail.executionArn:
        return None
    try:
        recorded = sfn.last_recorded_state(detail.executionArn, is_workflow_state)
    except ClientError:  # the message must still go out, with the generic next steps
        return None
    if recorded is None:
        return None
    try:
        return WorkflowState.model_validate(recorded)
    except ValidationError:
        return None


def _input_of(detail: ExecutionStatus) -> dict[str, Any]:
    try:
        parsed = json.loads(detail.input or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _execution_facts(detail: ExecutionStatus, execution_input: dict[str, Any], cluster_id: str) -> list[Fact]:
    facts = [Fact(label="Cluster", value=cluster_id)]
    if execution_input.get("action") == "restore":
        facts.append(Fact(label="Restore", value=f"from snapshot {execution_input.get('snapshot_id')}"))
    else:
        facts.append(Fact(label="Upgrade", value=f"to {execution_input.get('target_engine_version', '?')}"))
        facts.append(Fact(label="Strategy", value=STRATEGY_LABELS.get(str(execution_input.get("strategy")), "?")))
    facts.append(Fact(label="Step", value=f"ended {detail.status}"))
    if detail.startDate and detail.stopDate:
        facts.append(Fact(label="Elapsed", value=duration_text((detail.stopDate - detail.startDate) / 1000)))
    facts.append(Fact(label="Execution", value=detail.name))
    return facts


def _execution_next_steps(detail: ExecutionStatus, cluster_id: str) -> list[NextStep]:
    return [
        NextStep(
            text="check the cluster and any blue/green deployment before anything else:",
            command=f"aws rds describe-db-clusters --db-cluster-identifier {cluster_id} && "
            "aws rds describe-blue-green-deployments",
        ),
        NextStep(
            text="the workflow never deletes the pre-upgrade snapshot; find it with",
            command=f"aws rds describe-db-cluster-snapshots --db-cluster-identifier {cluster_id} "
            "--snapshot-type manual",
        ),
        start_execution_step(
            "if the cluster is left half-changed, restore it from that snapshot:",
            detail.stateMachineArn,
            {"action": "restore", "cluster_id": cluster_id, "snapshot_id": "<snapshot>"},
        ),
        NextStep(
            text="otherwise fix the cause and start the upgrade again; a new execution adopts what this one made."
        ),
    ]


# RDS events -------------------------------------------------------------------------------------------------


def _rds_event(detail_type: str, detail: RdsEvent, rds: Rds, clusters: tuple[str, ...]) -> EventDecision:
    source = detail.SourceIdentifier.removeprefix("rds:")  # older events prefix the identifier
    related = _related_clusters(detail_type, detail, source, rds)
    configured = next((c for name in related if (c := configured_cluster(name, clusters))), None)
    if clusters and configured is None:
        return EventDecision(message=None, reason=f"{source} is not one of the configured clusters")
    cluster_id = configured or (related[0] if related else source)
    title = f"RDS: {source}: {detail.Message} ({detail.EventID})"
    facts = [Fact(label="Cluster", value=cluster_id), Fact(label="Event", value=str(detail.EventID))]
    if detail.Date:
        facts.append(Fact(label="Time", value=detail.Date))
    message = Message(
        event="rds_event",
        severity=_severity(detail.EventID),
        cluster_id=cluster_id,
        title=title,
        facts=facts,
        body=[f"{detail_type}: {detail.Message}"] + ([f"Source: {detail.SourceArn}"] if detail.SourceArn else []),
    )
    return EventDecision(message=message, reason=title)


def _related_clusters(detail_type: str, detail: RdsEvent, source: str, rds: Rds) -> list[str]:
    """The clusters an event is about: a deployment's source and target, otherwise the identifier itself."""
    if detail_type != BLUE_GREEN_EVENT:
        return [source]
    deployment_id = (detail.SourceArn or "").rsplit(":", 1)[-1] or source
    deployment = rds.find_blue_green(deployment_id)
    if deployment is None:
        return []  # deleted since: nothing says whose it was
    arns = [deployment.get("Source"), deployment.get("Target")]
    return [arn.split(":cluster:")[-1] for arn in arns if isinstance(arn, str) and ":cluster:" in arn]


_DERIVED = re.compile(r"-(old\d+|green-[a-z0-9]+|aside-[a-z0-9]+)$")


def configured_cluster(identifier: str, clusters: Iterable[str]) -> str | None:
    """The configured cluster an identifier names: itself, or the names RDS and the workflow derive from it
    (``<id>-old1`` after a switchover, ``<id>-green-<suffix>``, ``<id>-aside-<run>``)."""
    base = _DERIVED.sub("", identifier)
    for cluster in clusters:
        if cluster.lower() in (identifier.lower(), base.lower()):
            return cluster
    return None


def _severity(event_id: str | None) -> Severity:
    if event_id in _FAILED_EVENTS:
        return "failure"
    return "success" if event_id in _DONE_EVENTS else "info"
