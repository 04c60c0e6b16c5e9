"""A wave's outcome, and whether the fleet goes on.

A wave's clusters that already started always finish: stopping an upgrade half-way (a snapshot taken, a green
environment created) leaves more to clean up than letting it end, and every child ends on its own failure path.
What the threshold stops is what has not started: the waves after the one that reached it. The canary's
threshold is one failure: it exists to stop the fleet before the first wave.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from upgrade.fleet.models import ChildResult, ClusterRun, FleetState, Outcome, Wave

CAUSE_CHARS = 300  # a cluster's outcome stays one line; the child execution holds the whole cause

Describe = Callable[[str], dict[str, Any] | None]  # child execution name -> DescribeExecution, None if absent
LastState = Callable[[str], dict[str, Any] | None]  # child execution name -> its state when it stopped


def current_wave(state: FleetState) -> Wave:
    return state.waves[state.next_wave]


def finish_wave(state: FleetState, results: list[ChildResult], describe: Describe, last_state: LastState) -> FleetState:
    """Record each cluster's outcome; stop the fleet when the wave reached its threshold, else go on."""
    wave = current_wave(state)
    runs = {run.cluster_id: run for run in wave.clusters}
    outcomes = [
        _outcome(wave.name, runs[result.cluster_id], result, describe, last_state, state.mode) for result in results
    ]
    failed = [outcome.cluster_id for outcome in outcomes if outcome.status == "failed"]
    threshold = 1 if wave.name == "canary" else state.failure_threshold
    recorded = [*state.outcomes, *outcomes]
    failures = state.failures + len(failed)
    later = state.waves[state.next_wave + 1 :]
    if len(failed) >= threshold and later:
        reason = (
            f"{wave.name}: {len(failed)} of {len(wave.clusters)} clusters failed ({', '.join(failed)}); "
            f"the fleet stops at {threshold} failed {'cluster' if threshold == 1 else 'clusters'} in a wave"
        )
        not_started = [
            Outcome(
                cluster_id=run.cluster_id,
                wave=later_wave.name,
                status="not_started",
                line=f"{run.cluster_id}: not started ({later_wave.name}), the fleet stopped after {wave.name}",
            )
            for later_wave in later
            for run in later_wave.clusters
        ]
        return state.model_copy(
            update={
                "outcomes": [*recorded, *not_started],
                "failures": failures,
                "stopped": True,
                "stop_reason": reason,
                "done": True,
            }
        )
    next_wave = state.next_wave + 1
    return state.model_copy(
        update={
            "outcomes": recorded,
            "failures": failures,
            "next_wave": next_wave,
            "done": next_wave >= len(state.waves),
            "bake_seconds": wave.bake_seconds,
        }
    )


def _outcome(
    wave: str, run: ClusterRun, result: ChildResult, describe: Describe, last_state: LastState, mode: str
) -> Outcome:
    path = f"{run.source_version} -> {run.target_version}"
    done = "report written" if mode == "preflight" else f"upgraded {path}"
    if result.status == "SUCCEEDED":
        return _make(run, wave, "succeeded", f"{done} (execution {run.execution_name})")
    described = describe(run.execution_name)
    if described is None:  # the child never started (StartExecution itself failed)
        return _make(run, wave, "failed", f"failed, {path} not started: {result.error or 'StartExecution failed'}")
    status = str(described.get("status"))
    if result.status == "EXISTS":
        return _earlier(run, wave, status, described, done)
    why = _failed_step(last_state(run.execution_name)) or _why(described)
    return _make(run, wave, "failed", f"failed ({path}): {why} (execution {run.execution_name})")


def _earlier(run: ClusterRun, wave: str, status: str, described: dict[str, Any], done: str) -> Outcome:
    """The child's name was already used: a retried start, or an earlier fleet. Its outcome is this cluster's."""
    name = run.execution_name
    if status == "SUCCEEDED":
        return _make(run, wave, "succeeded", f"{done} by an earlier execution ({name})")
    if status == "RUNNING":
        # same name, another input: someone started this name by hand; this fleet cannot know how it will end
        why = f"an execution named {name} is already running with another input; the fleet did not start one"
        return _make(run, wave, "failed", why)
    return _make(
        run,
        wave,
        "failed",
        f"an earlier execution ({name}) ended {status}: {_why(described)}; once fixed, start the fleet again "
        f'with a higher "attempt"',
    )


def _failed_step(stopped: dict[str, Any] | None) -> str | None:
    """The step that failed and its error, from the child's last state (the upgrade records each failure under
    ``$.failure.<step>``), with the preflight checks that failed when the preflight stopped it."""
    failures = (stopped or {}).get("failure") or {}
    if not isinstance(failures, dict) or not failures:
        return None
    step, failure = next(iter(failures.items()))
    error = failure.get("Error") if isinstance(failure, dict) else None
    checks = ((stopped or {}).get("plan") or {}).get("report") or {}
    failed_checks = [c.get("id") for c in checks.get("checks", []) if isinstance(c, dict) and c.get("status") == "fail"]
    text = f"{step}: {error}" + (f" ({', '.join(str(c) for c in failed_checks)})" if failed_checks else "")
    return text if len(text) <= CAUSE_CHARS else text[: CAUSE_CHARS - 3] + "..."


def _why(described: dict[str, Any]) -> str:
    error = str(described.get("error") or described.get("status") or "failed")
    cause = " ".join(str(described.get("cause") or "").split())
    text = f"{error}: {cause}" if cause else error
    return text if len(text) <= CAUSE_CHARS else text[: CAUSE_CHARS - 3] + "..."


def _make(run: ClusterRun, wave: str, status: str, what: str) -> Outcome:
    return Outcome.model_validate(
        {"cluster_id": run.cluster_id, "wave": wave, "status": status, "line": f"{run.cluster_id}: {what}"}
    )
