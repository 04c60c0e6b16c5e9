"""The notifier: the outcome of an execution, its progress milestones, and the EventBridge events around it.

Each becomes one SNS message (MessageStructure=json) with a form per subscriber: AWS Chatbot reads
``default``, email ``email`` and the Slack webhook function ``lambda`` (see upgrade.notifications.render).

Payloads of the notify function:
- the workflow state itself: the outcome (succeeded, failed, rolled back, ...);
- ``{"milestone": "<name>", "state": <workflow state>}``: a progress message;
- an EventBridge event (it has ``detail-type``): the safety net for failed executions, RDS events.

The milestone path is imported with this module; the outcome path (its messages, what a stopped run left behind,
the drift report) and the event path (their decisions) are imported by the call that takes them: a cold start
pays for the payload it serves, and the approval gate, which sends one milestone, for none of them.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, model_validator

from aws.rds import Rds
from aws.sns import Sns
from aws.stepfunctions import StepFunctions
from upgrade.notifications.messages import ApprovalLinks, Message
from upgrade.notifications.milestone import Milestone, milestone_message
from upgrade.notifications.render import render, sns_variants
from upgrade.shared import clock
from upgrade.shared.base_model import Model
from upgrade.shared.models import Notification, WorkflowState
from upgrade.shared.settings import NotifierSettings


def notify(state: WorkflowState, rds: Rds, sns: Sns, topic_arn: str, *, now: datetime | None = None) -> Notification:
    """The outcome of an execution (the payload is the workflow state).

    After a successful upgrade the message and the execution's output (``$.notification.drift``)
    carry the drift report: what the cluster's Terraform/Terragrunt code must now say.
    """
    # once per execution, against several milestones and events: imported here, not by every cold start
    from upgrade.notifications.outcome import outcome_event, outcome_message
    from upgrade.post_upgrade.drift import drift_report

    if state.drift is None and outcome_event(state) == "succeeded":
        state = state.model_copy(update={"drift": drift_report(state)})
    notification = publish(outcome_message(state, rds, now or clock.now()), sns, topic_arn)
    return notification.model_copy(update={"drift": state.drift})


def notify_milestone(
    state: WorkflowState,
    milestone: str,
    rds: Rds,
    sns: Sns,
    topic_arn: str,
    *,
    approval: ApprovalLinks | None = None,
    now: datetime | None = None,
) -> Notification:
    """A progress message; ``awaiting_approval`` carries the approval links.

    ``rds`` is unused today: milestones read only the state (kept so every notifier entry point looks alike).
    """
    del rds
    return publish(milestone_message(state, milestone, now or clock.now(), approval), sns, topic_arn)


class EventOutcome(Model):
    published: bool
    reason: str
    notification: Notification | None = None


def notify_event(
    event: dict[str, Any], rds: Rds, sns: Sns, settings: NotifierSettings, sfn: StepFunctions | None = None
) -> EventOutcome:
    # the event path only (see the module docstring)
    from upgrade.notifications import events as notify_events

    decision = notify_events.decide(event, rds, settings.cluster_ids, sfn)
    if decision.message is None:
        return EventOutcome(published=False, reason=decision.reason)
    notification = publish(decision.message, sns, settings.TOPIC_ARN)
    return EventOutcome(published=True, reason=decision.reason, notification=notification)


def publish(message: Message, sns: Sns, topic_arn: str) -> Notification:
    rendered = render(message)
    attributes = {"event": message.event, "cluster_id": message.cluster_id}
    message_id = sns.publish_variants(topic_arn, rendered.subject, sns_variants(rendered), attributes)
    return Notification.model_validate(
        {"event": message.event, "subject": rendered.subject, "message": rendered.text, "message_id": message_id}
    )


class MilestoneRequest(Model):
    milestone: Milestone
    state: WorkflowState


class NotifierRequest(Model):
    """One of the three payloads, told apart by their keys."""

    event: dict[str, Any] | None = None
    milestone: MilestoneRequest | None = None
    outcome: WorkflowState | None = None

    @model_validator(mode="before")
    @classmethod
    def _classify(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        if "detail-type" in raw:
            return {"event": raw}
        if "milestone" in raw:
            return {"milestone": raw}
        return {"outcome": raw}


def handle(
    request: NotifierRequest, rds: Rds, sns: Sns, settings: NotifierSettings, sfn: StepFunctions | None = None
) -> BaseModel:
    if request.event is not None:
        return notify_event(request.event, rds, sns, settings, sfn)
    if request.milestone is not None:
        return notify_milestone(request.milestone.state, request.milestone.milestone, rds, sns, settings.TOPIC_ARN)
    assert request.outcome is not None
    return notify(request.outcome, rds, sns, settings.TOPIC_ARN)
