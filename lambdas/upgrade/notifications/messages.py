"""What a notification says, before it is shaped for email, Slack or AWS Chatbot.

Every message about an execution carries the same facts: the cluster, the versions, the
strategy, the step, the time since the execution started and a link to it in the console.
"""

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import ConfigDict

from upgrade.shared.base_model import Model

if TYPE_CHECKING:  # the workflow's models are imported by the steps that have a workflow state; the fleet has none
    from upgrade.shared.models import StepError, WorkflowState

Severity = Literal["info", "success", "warning", "failure"]
STRATEGY_LABELS = {"blue_green": "blue/green", "in_place": "in place"}
RESULT_PARTS = ("post_upgrade", "consistency", "drift")


class HasLines(Protocol):
    """A result other steps add to the state (post-upgrade work, consistency check, drift) that renders itself."""

    def lines(self) -> list[str]: ...


class Fact(Model):
    label: str
    value: str


class NextStep(Model):
    """One thing a person can do; a command is shown as code wherever the form allows."""

    text: str
    command: str | None = None


class ApprovalLinks(Model):
    """What the awaiting-approval message offers: signed single-use links and the command-line equivalent."""

    model_config = ConfigDict(extra="ignore")

    approve_url: str
    reject_url: str
    expires_at: str  # ISO 8601, UTC
    cli_approve: str
    cli_reject: str


class Message(Model):
    event: str
    severity: Severity
    cluster_id: str
    title: str  # one line: what happened (the subject without its prefix)
    facts: list[Fact] = []
    body: list[str] = []
    next_steps: list[NextStep] = []
    console_url: str | None = None
    approval: ApprovalLinks | None = None
    thread_id: str | None = None  # messages of one execution thread together in Chatbot


def cluster_id_of(state: "WorkflowState") -> str:
    return str(state.input.get("cluster_id", "unknown"))


def target_of(state: "WorkflowState") -> str:
    return str(state.input.get("target_engine_version", "?"))


def source_of(state: "WorkflowState") -> str | None:
    return state.plan.source_version if state.plan else None


def path_of(state: "WorkflowState") -> str:
    source = source_of(state)
    return f"{source} -> {target_of(state)}" if source else f"to {target_of(state)}"


def strategy_of(state: "WorkflowState") -> str:
    strategy = state.plan.strategy if state.plan else str(state.input.get("strategy"))
    return STRATEGY_LABELS.get(strategy, "?")


def is_restore(state: "WorkflowState") -> bool:
    return state.input.get("action") == "restore"


def workflow_facts(state: "WorkflowState", step: str, now: datetime) -> list[Fact]:
    facts = [Fact(label="Cluster", value=cluster_id_of(state))]
    if is_restore(state):
        facts.append(Fact(label="Restore", value=f"from snapshot {state.input.get('snapshot_id')}"))
    else:
        facts += [
            Fact(label="Upgrade", value=path_of(state)),
            Fact(label="Strategy", value=strategy_of(state)),
        ]
    facts.append(Fact(label="Step", value=step))
    elapsed = elapsed_since(state.execution.start_time, now)
    if elapsed:
        facts.append(Fact(label="Elapsed", value=elapsed))
    facts.append(Fact(label="Execution", value=state.execution.name))
    return facts


def workflow_message(
    state: "WorkflowState",
    *,
    event: str,
    severity: Severity,
    title: str,
    step: str,
    now: datetime,
    body: list[str],
    next_steps: list[NextStep] | None = None,
    approval: ApprovalLinks | None = None,
) -> Message:
    return Message(
        event=event,
        severity=severity,
        cluster_id=cluster_id_of(state),
        title=title,
        facts=workflow_facts(state, step, now),
        body=body,
        next_steps=next_steps or [],
        console_url=execution_console_url(state.execution.id),
        approval=approval,
        thread_id=state.execution.name,
    )


def execution_console_url(execution_arn: str | None) -> str | None:
    """arn:aws:states:<region>:<account>:execution:<machine>:<name> -> its page in the Step Functions console."""
    parts = (execution_arn or "").split(":")
    if len(parts) < 7 or parts[1] != "aws" or parts[2] != "states" or not parts[3]:
        return None  # other partitions have other console domains; no link beats a wrong one
    region = parts[3]
    return f"https://{region}.console.aws.amazon.com/states/home?region={region}#/v2/executions/details/{execution_arn}"


def elapsed_since(start_time: str | None, now: datetime) -> str | None:
    if not start_time:
        return None
    try:
        started = datetime.fromisoformat(start_time)
    except ValueError:
        return None
    if started.tzinfo is None or now.tzinfo is None:
        return None
    return duration_text((now - started).total_seconds())


def duration_text(seconds: float) -> str:
    total = max(0, int(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def result_lines(state: "WorkflowState", skip: tuple[str, ...] = ()) -> list[str]:
    """The results present in the state, each as a paragraph of its own lines."""
    lines: list[str] = []
    for name in (part for part in RESULT_PARTS if part not in skip):
        part: HasLines | None = getattr(state, name, None)
        if part is not None:
            lines += ["", *part.lines()]
    return lines


def reason(error: "StepError") -> str:
    """Lambda errors carry a JSON Cause with errorMessage; other errors carry text."""
    if not error.Cause:
        return "no details"
    try:
        cause = json.loads(error.Cause)
    except ValueError:
        return error.Cause
    return str(cause.get("errorMessage", error.Cause)) if isinstance(cause, dict) else error.Cause


def start_execution_step(text: str, state_machine_arn: str | None, execution_input: dict[str, Any]) -> NextStep:
    """A next step that is a new execution: the full command when the state machine is known."""
    document = json.dumps(execution_input)
    if state_machine_arn:
        command = f"aws stepfunctions start-execution --state-machine-arn {state_machine_arn} --input '{document}'"
        return NextStep(text=text, command=command)
    return NextStep(text=f"{text} Execution input:", command=document)
