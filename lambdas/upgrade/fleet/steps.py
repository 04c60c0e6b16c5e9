"""The fleet state machine's steps (statemachines/fleet.asl.json): plan, start a wave, finish it, the table."""

import json
from typing import Any

from aws.rds import Rds
from aws.s3 import S3
from aws.sns import Sns
from aws.stepfunctions import StepFunctions
from upgrade.fleet import messages
from upgrade.fleet.models import ChildResult, FleetState, parse_fleet_input
from upgrade.fleet.report import Row, rows, table
from upgrade.fleet.settings import FleetSettings
from upgrade.fleet.waves import Describe, LastState, current_wave, finish_wave
from upgrade.notifications.messages import Message
from upgrade.notifications.render import render, sns_variants
from upgrade.shared.base_model import Model
from upgrade.shared.report_store import report_key
from upgrade.shared.shapes import is_workflow_state


class PlanRequest(Model):
    input: dict[str, Any]
    execution: str


class FleetRequest(Model):
    fleet: FleetState
    execution: str


class FinishRequest(FleetRequest):
    results: list[ChildResult]


class WaveItems(Model):
    """What the wave's Map iterates over: each cluster's child execution name and input."""

    name: str
    clusters: list[dict[str, Any]]


class FailedRequest(Model):
    """The fleet's state when one of its own steps failed: the input, the plan if there is one, the failure."""

    input: dict[str, Any]
    execution: str


class Notified(Model):
    event: str


class FleetReport(Model):
    """What the execution's output keeps: where the table and rows are, and which clusters can go."""

    location: str
    ready: list[str]
    not_ready: list[str]


class FleetReportBody(Model):
    """The machine-readable report in S3: a row per cluster, and the table as notified."""

    rows: list[Row]
    table: str


def plan(request: PlanRequest, rds: Rds, sns: Sns, settings: FleetSettings) -> FleetState:
    # only FleetPlanFunction plans; the four other fleet functions share this module and never do
    from upgrade.fleet.planning import plan_fleet

    state = plan_fleet(parse_fleet_input(request.input), settings.cluster_ids, rds, request.execution)
    _publish(messages.planned(state, request.execution), sns, settings)
    return state


def start_wave(request: FleetRequest, sns: Sns, settings: FleetSettings) -> WaveItems:
    wave = current_wave(request.fleet)
    _publish(messages.wave_started(request.fleet, wave, request.execution), sns, settings)
    items = [run.model_dump(include={"cluster_id", "execution_name", "input"}) for run in wave.clusters]
    return WaveItems(name=wave.name, clusters=items)


def finish(request: FinishRequest, sfn: StepFunctions, sns: Sns, settings: FleetSettings) -> FleetState:
    wave = current_wave(request.fleet)
    state = finish_wave(request.fleet, request.results, _describer(sfn, settings), _last_state(sfn, settings))
    _publish(messages.wave_finished(state, wave, request.execution), sns, settings)
    if state.done and state.mode == "upgrade":  # a fleet preflight ends with its table
        _publish(messages.ended(state, request.execution), sns, settings)
    return state


def preflight_table(
    request: FleetRequest, sfn: StepFunctions, s3: S3, sns: Sns, settings: FleetSettings
) -> FleetReport:
    found = rows(request.fleet, _describer(sfn, settings))
    text = table(found)
    key = report_key(f"fleets/{request.fleet.name}", request.execution)
    s3.put_json(settings.REPORT_BUCKET, key, FleetReportBody(rows=found, table=text).model_dump_json(indent=1))
    location = f"s3://{settings.REPORT_BUCKET}/{key}"
    ready = [row.cluster_id for row in found if row.verdict == "ready"]
    not_ready = [row.cluster_id for row in found if row.verdict != "ready"]
    _publish(messages.preflight_table(request.fleet, request.execution, text, location, not_ready), sns, settings)
    return FleetReport(location=location, ready=ready, not_ready=not_ready)


def failed(request: FailedRequest, sns: Sns, settings: FleetSettings) -> Notified:
    """Say which step of the fleet failed, what had started, and what to do."""
    state = request.input
    failure = state.get("failure") or {}
    planned = FleetState.model_validate(state["fleet"]) if isinstance(state.get("fleet"), dict) else None
    name, strategy = str(state.get("name") or "?"), str(state.get("strategy") or "?")
    error, text = str(failure.get("Error")), _error_text(failure)
    message = messages.fleet_failed(name, strategy, planned, error, text, request.execution)
    _publish(message, sns, settings)
    return Notified(event=message.event)


def _error_text(failure: dict[str, Any]) -> str:
    """A Lambda error's cause is its JSON (errorType, errorMessage, stackTrace): the message is what a person reads."""
    cause = str(failure.get("Cause") or "")
    try:
        parsed = json.loads(cause)
    except ValueError:
        return cause
    return str(parsed.get("errorMessage", cause)) if isinstance(parsed, dict) else cause


def _describer(sfn: StepFunctions, settings: FleetSettings) -> Describe:
    """A child execution by name: DescribeExecution, None when it was never started."""
    return lambda name: sfn.find_execution(settings.child_execution_arn(name))


def _last_state(sfn: StepFunctions, settings: FleetSettings) -> LastState:
    """A child execution's state when it stopped (GetExecutionHistory): where the upgrade records its failure."""
    return lambda name: sfn.last_recorded_state(settings.child_execution_arn(name), is_workflow_state)


def _publish(message: Message, sns: Sns, settings: FleetSettings) -> None:
    rendered = render(message)
    attributes = {"event": message.event, "cluster_id": message.cluster_id}
    sns.publish_variants(settings.TOPIC_ARN, rendered.subject, sns_variants(rendered), attributes)
