"""What the fleet says: the plan, a wave started, a wave's outcome (one line per cluster), the fleet's end.

Each cluster's own execution still sends its messages as today; the fleet's messages group a wave in one, so a
channel gets one message per wave, not one per cluster and step.
"""

from __future__ import annotations

from upgrade.fleet.models import FleetState, Wave
from upgrade.notifications.messages import Fact, Message, NextStep, Severity

STRATEGY_LABELS = {"blue_green": "blue/green", "in_place": "in place"}


def planned(state: FleetState, execution: str) -> Message:
    runs = state.clusters
    body = [f"{wave.name}: {', '.join(run.cluster_id for run in wave.clusters)}" for wave in state.waves]
    body += [outcome.line for outcome in state.with_status("skipped")]
    what = "preflight (report only)" if state.mode == "preflight" else f"{len(state.waves)} waves"
    return _message(
        (state.name, state.strategy),
        execution,
        "fleet_started",
        "info",
        f"fleet {state.name} started: {len(runs)} clusters, {what}",
        body,
    )


def wave_started(state: FleetState, wave: Wave, execution: str) -> Message:
    body = [f"{run.cluster_id}: {run.source_version} -> {run.target_version}" for run in wave.clusters]
    title = (
        f"fleet {state.name}: {wave.name} started, {len(wave.clusters)} clusters, "
        f"at most {state.max_concurrency} at once"
    )
    return _message((state.name, state.strategy), execution, "fleet_wave_started", "info", title, body)


def wave_finished(state: FleetState, wave: Wave, execution: str) -> Message:
    outcomes = [o for o in state.outcomes if o.wave == wave.name]
    failed = sum(1 for o in outcomes if o.status == "failed")
    succeeded = sum(1 for o in outcomes if o.status == "succeeded")
    title = f"fleet {state.name}: {wave.name} finished, {succeeded} succeeded, {failed} failed"
    severity: Severity = "warning" if failed else "success"
    body = [o.line for o in outcomes]
    if not state.done and state.bake_seconds:
        body.append(f"The next wave starts after {state.bake_seconds} seconds of bake time.")
    return _message((state.name, state.strategy), execution, "fleet_wave_finished", severity, title, body)


def ended(state: FleetState, execution: str) -> Message:
    """The fleet stopped (and why, and what did not start) or finished (and what failed)."""
    failed = state.with_status("failed")
    not_started = state.with_status("not_started")
    again = NextStep(
        text=f'Once fixed, start the same fleet input with "attempt": {state.attempt + 1}: clusters already on their '
        "target are skipped, the others start (each upgrade's own failure message says what to fix)"
    )
    steps = [again] if failed or not_started else []
    if state.stopped:
        body = [state.stop_reason, f"Not started ({len(not_started)}): {', '.join(o.cluster_id for o in not_started)}"]
        return _message(
            (state.name, state.strategy),
            execution,
            "fleet_stopped",
            "failure",
            f"fleet {state.name} stopped",
            body,
            steps,
        )
    succeeded = state.with_status("succeeded")
    verb = "checked" if state.mode == "preflight" else "upgraded"
    title = f"fleet {state.name} finished: {len(succeeded)} {verb}, {len(failed)} failed"
    body = [o.line for o in failed]
    return _message(
        (state.name, state.strategy),
        execution,
        "fleet_finished",
        "warning" if failed else "success",
        title,
        body,
        steps,
    )


def preflight_table(state: FleetState, execution: str, text: str, location: str, not_ready: list[str]) -> Message:
    ready = len(state.clusters) - len(not_ready)
    title = f"fleet {state.name} preflight: {ready} of {len(state.clusters)} clusters ready"
    body = [*text.splitlines(), f"Rows as JSON, with every blocker and warning: {location}"]
    steps = [NextStep(text="Fix what each blocked cluster's report names, then run the fleet preflight again")]
    steps = steps if not_ready else []
    return _message(
        (state.name, state.strategy),
        execution,
        "fleet_preflight",
        "warning" if not_ready else "success",
        title,
        body,
        steps,
    )


def fleet_failed(name: str, strategy: str, state: FleetState | None, error: str, text: str, execution: str) -> Message:
    """One of the fleet's own steps failed: before the plan nothing started; after it, say what had."""
    body = [f"{error}: {text}"]
    if state is None:
        body.append("No cluster was started.")
        steps = [NextStep(text="Fix what the error names, then start the fleet again")]
        title = f"fleet {name} could not start"
        return _message((name, strategy), execution, "fleet_failed", "failure", title, body, steps)
    started = [o.line for o in state.outcomes if o.status in ("succeeded", "failed")]
    body += ["Outcomes so far:", *started] if started else ["No cluster had finished."]
    steps = [
        NextStep(
            text="Clusters of a wave that was running go on as their own executions (see each one). Once the "
            f'error is fixed, start the fleet again with "attempt": {state.attempt + 1}: clusters already on their '
            "target are skipped"
        )
    ]
    return _message(
        (state.name, state.strategy),
        execution,
        "fleet_failed",
        "failure",
        f"fleet {name} stopped: {error}",
        body,
        steps,
    )


def _message(
    fleet: tuple[str, str],
    execution: str,
    event: str,
    severity: Severity,
    title: str,
    body: list[str],
    next_steps: list[NextStep] | None = None,
) -> Message:
    name, strategy = fleet
    facts = [
        Fact(label="Fleet", value=name),
        Fact(label="Strategy", value=STRATEGY_LABELS.get(strategy, strategy)),
        Fact(label="Execution", value=execution),
    ]
    return Message(
        event=event,
        severity=severity,
        cluster_id=f"fleet {name}",
        title=title,
        facts=facts,
        body=body,
        next_steps=next_steps or [],
        thread_id=f"fleet-{name}-{execution}",
    )
