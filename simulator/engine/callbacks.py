"""The simulated world around a ``waitForTaskToken`` task: RDS events, EventBridge rules, a person.

moto's interpreter waits for a task token in real time. The harness hands that wait to
``CallbackDriver.wait`` instead, which moves the simulated clock:

* an ``Await...`` state (the task-token waits of ``upgrade.waiting.task_tokens``) waits until the next timed RDS
  change is due; the change's RDS event goes through the stack's EventBridge rules (their real
  patterns, matched by moto's EventBridge matcher) to the functions they target, whose real
  handlers complete the task (``SendTaskSuccess``). No event in time: the task times out, which is
  the workflow's polling fallback.
* the approval state waits ``approval.after_seconds``, then does what the scenario's person does:
  opens the link from the awaiting-approval message (GET), confirms (POST) through the real
  decision function; or lets the timeout expire.

Whenever the clock moves (Wait states, retry sleeps too), events that fell due are delivered.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from moto.events.models import EventPattern
from moto.sns.models import sns_backends

from simulator.engine.template import ACCOUNT
from simulator.rds.state import EventSpec, RealisticRds
from simulator.scenario.model import Approval

Call = Callable[[str, dict[str, Any]], Any]  # (function logical id, payload) -> handler result
_LINK = re.compile(r"https?://[^\s\"'<>\\]+[?&]decision=(approve|reject)[^\s\"'<>\\]*")


@dataclass(frozen=True)
class Rule:
    """An EventBridge rule of the template: its pattern and the functions it targets."""

    name: str
    pattern: EventPattern
    targets: tuple[str, ...]


@dataclass
class Reaction:
    """When a timed change happened, and when the workflow next acted (invoked a step)."""

    resource: str
    change: str
    changed_at: float
    acted_at: float | None = None
    started_at: float | None = None


@dataclass
class CallbackDriver:
    realism: RealisticRds
    rules: list[Rule]
    call: Call
    clock: Callable[[], float]
    advance: Callable[[float, str], None]  # move the clock by seconds, recording why
    approval: Approval
    region: str
    approval_states: set[str]  # states that wait for a person
    decision_function: str  # the function behind the approval links
    rds_events: bool = True  # False: RDS events are lost (RDS sends them on a best effort basis)
    start: datetime = field(default_factory=lambda: datetime.now(UTC))
    reactions: list[Reaction] = field(default_factory=list)
    delivered: list[dict[str, Any]] = field(default_factory=list)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.clock())

    # --- the clock ---------------------------------------------------------------------------
    def deliver_due(self) -> None:
        """Send the events of every change that fell due by now, in order."""
        for change in self.realism.due_changes(self.clock()):
            change.sent = True
            self.reactions.append(
                Reaction(
                    change.event.source_id if change.event else "?",
                    change.kind,
                    change.due_at,
                    started_at=change.started_at,
                )
            )
            if change.event is not None and self.rds_events:
                self.publish(rds_event(change.event, self.start + timedelta(seconds=change.due_at), self.region))

    def settle(self) -> None:
        """Before the clock moves: the real servers finish what they do in real time (a switchover under way), here
        rather than inside the RDS call that next finds the change due, which would hold back the probe's own RDS
        calls until the servers were done (simulator.databases.rehearsal)."""
        if self.realism.databases is not None:
            self.realism.databases.settle()

    def acted(self) -> None:
        """A step of the workflow ran now: every change seen so far has been reacted to."""
        for reaction in self.reactions:
            if reaction.acted_at is None:
                reaction.acted_at = self.clock()

    def publish(self, event: dict[str, Any]) -> None:
        """Put an event on the bus: every matching rule's targets get it."""
        self.delivered.append(event)
        for rule in self.rules:
            if rule.pattern.matches_event(event):
                for target in rule.targets:
                    self.call(target, event)

    # --- waits for a task token --------------------------------------------------------------
    def wait(self, state: str, timeout_seconds: int, outcome: Callable[[], Any]) -> Any:
        if outcome() is not None:  # the invoked function completed the task itself
            return outcome()
        if state in self.approval_states:
            return self._approval(timeout_seconds, outcome)
        deadline = self.clock() + timeout_seconds
        while True:
            self.settle()
            due = self.realism.next_change_at()
            if due is None or due > deadline:
                self.advance(max(0.0, deadline - self.clock()), f"{state} timed out")
                self.deliver_due()
                return outcome()  # an event due exactly at the deadline may still have woken it
            self.advance(max(0.0, due - self.clock()), f"{state} waiting for an RDS event")
            self.deliver_due()
            if outcome() is not None:
                return outcome()

    def _approval(self, timeout_seconds: int, outcome: Callable[[], Any]) -> Any:
        person = self.approval
        if person.decision == "timeout" or person.after_seconds >= timeout_seconds:
            self.advance(float(timeout_seconds), "nobody answered the approval request")
            return None
        self.advance(float(person.after_seconds), f"a person reads the approval request and chooses {person.decision}")
        link = self._link(person.decision)
        page = self.call(self.decision_function, function_url_event("GET", link))
        self._expect_ok(page, "GET")
        answer = self.call(self.decision_function, function_url_event("POST", link))
        self._expect_ok(answer, "POST")
        return outcome()

    def _link(self, decision: str) -> str:
        for message in reversed(sent_messages(self.region)):
            for match in _LINK.finditer(message):
                if match.group(1) == decision:
                    return match.group(0)
        raise AssertionError(f"no {decision} link in any notification: the approval request was not sent")

    @staticmethod
    def _expect_ok(response: Any, method: str) -> None:
        status = response.get("statusCode") if isinstance(response, dict) else None
        if status != 200:
            raise AssertionError(f"the approval link answered {method} with {status}: {response}")


def rds_event(spec: EventSpec, at: datetime, region: str) -> dict[str, Any]:
    """An RDS event as EventBridge delivers it (aurora-upgrade-facts.md §7.1)."""
    time = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": spec.detail_type,
        "source": "aws.rds",
        "account": ACCOUNT,
        "time": time,
        "region": region,
        "resources": [spec.source_arn],
        "detail": {
            "EventCategories": ["notification"],
            "SourceType": spec.source_type,
            "SourceArn": spec.source_arn,
            "Date": time,
            "Message": spec.message,
            "SourceIdentifier": spec.source_id,
            "EventID": spec.event_id,
        },
    }


def function_url_event(method: str, link: str) -> dict[str, Any]:
    """A Lambda function URL request (payload format 2.0) for a link, as a browser sends it."""
    parts = urlsplit(link)
    query = dict(parse_qsl(parts.query))
    event: dict[str, Any] = {
        "version": "2.0",
        "rawPath": parts.path or "/",
        "rawQueryString": parts.query if method == "GET" else "",
        "headers": {"host": parts.netloc, "user-agent": "aurora-upgrade-simulator"},
        "requestContext": {"http": {"method": method, "path": parts.path or "/", "sourceIp": "198.51.100.7"}},
        "isBase64Encoded": False,
    }
    if method == "GET":
        event["queryStringParameters"] = query
    else:
        event["headers"]["content-type"] = "application/x-www-form-urlencoded"
        event["body"] = urlencode(query)
    return event


def sent_messages(region: str) -> list[str]:
    """Every SNS message published so far, oldest first (each per-protocol variant as its own text)."""
    texts: list[str] = []
    for topic in sns_backends[ACCOUNT][region].topics.values():
        for notification in topic.sent_notifications:
            texts.extend(message_variants(str(notification[1])))
    return texts


def message_variants(message: str) -> list[str]:
    """A MessageStructure=json message is a JSON object of per-protocol texts; others are one text."""
    try:
        decoded = json.loads(message)
    except ValueError:
        return [message]
    if isinstance(decoded, dict) and "default" in decoded:
        return [str(value) for value in decoded.values()]
    return [message]


def load_rules(resources: dict[str, Any], resolve: Callable[[Any], Any], functions: set[str]) -> list[Rule]:
    """The template's EventBridge rules that target functions of the stack."""
    rules: list[Rule] = []
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Events::Rule":
            continue
        properties = resource.get("Properties", {})
        if "EventPattern" not in properties or properties.get("State", "ENABLED") != "ENABLED":
            continue
        targets = tuple(
            target_id
            for target in properties.get("Targets", [])
            if (target_id := _function_of(target.get("Arn"))) in functions
        )
        if targets:
            pattern = EventPattern.load(json.dumps(resolve(properties["EventPattern"])))
            rules.append(Rule(logical_id, pattern, targets))
    return rules


def _function_of(arn: Any) -> str | None:
    if isinstance(arn, dict) and "Fn::GetAtt" in arn and arn["Fn::GetAtt"][1] == "Arn":
        return str(arn["Fn::GetAtt"][0])
    return None
