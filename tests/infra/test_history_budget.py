"""No wait loop can outrun Step Functions' 25,000-event history, at any deadline the input model allows.

For every loop of the synthesized definition (a Wait state or a callback task that leads back to itself),
the events of one turn are counted from its states, and the turns at the largest deadline the input model
accepts are counted by running the real polling code against a clock that only moves by each timed-out
wait (no event ever wakes it: the worst case). Even all loops at once, in one run, stay well under the limit.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from annotated_types import Le

from simulator.enforcement.limits import MAX_HISTORY_EVENTS
from simulator.engine.template import load_workflow
from upgrade.shared import clock
from upgrade.shared.errors import PollDeadlineExceeded
from upgrade.shared.models import Deadlines
from upgrade.waiting import polling

if TYPE_CHECKING:
    from tests.infra.conftest import Synthesized

# History events a state adds per visit (entered + exited, and a task's scheduled/started/submitted/ended):
# "Step Functions history event types" (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html)
EVENTS = {"Wait": 2, "Choice": 2, "Pass": 2, "Task": 5, "CallbackTask": 6}
RUN_RESERVE = 5_000  # what the rest of a run may add: ~45 tasks, their retries, notifications
# each loop: (the schedule its poll starts with, the one it advances with, the deadline bounding it)
LOOPS = {
    "WaitForParameterSync": (polling.PARAMETER_SYNC, polling.PARAMETER_SYNC, "parameter_sync_minutes"),
    "AwaitSnapshot": (polling.SNAPSHOT, polling.SNAPSHOT, "snapshot_minutes"),
    "AwaitGreen": (polling.BLUE_GREEN_READY, polling.BLUE_GREEN_READY, "blue_green_ready_minutes"),
    "WaitForSwitchover": (polling.SWITCHOVER, polling.SWITCHOVER, "switchover_minutes"),
    "AwaitInPlaceUpgrade": (polling.IN_PLACE_UPGRADE, polling.IN_PLACE_UPGRADE, "upgrade_minutes"),
    # the instances settle on the upgrade's own poll (and deadline), checked every 30 seconds
    "WaitForInstances": (polling.IN_PLACE_UPGRADE, polling.PARAMETER_SYNC, "upgrade_minutes"),
    "WaitForRollbackDecision": (polling.ROLLBACK_SETTLE, polling.ROLLBACK_SETTLE, "upgrade_minutes"),
    "WaitForRename": (polling.RENAME, polling.RENAME, "rename_minutes"),
    "WaitForRestore": (polling.RESTORE, polling.RESTORE, "restore_minutes"),
    "WaitForRestoredInstances": (polling.RESTORE, polling.RESTORE, "restore_minutes"),
}


def _definition(synthesized: Synthesized) -> dict[str, Any]:
    return dict(load_workflow(synthesized.outdir, synthesized.region).definition)


def _all_states(definition: dict[str, Any]) -> dict[str, Any]:
    """Every state, those of Parallel branches too (a loop inside a branch counts against the same history; state
    names are unique across the whole definition)."""
    states = dict(definition["States"])
    for state in definition["States"].values():
        for branch in state.get("Branches", []):
            states |= _all_states(branch)
    return states


def _is_callback(state: dict[str, Any]) -> bool:
    return state.get("Type") == "Task" and str(state.get("Resource", "")).endswith(".waitForTaskToken")


def _next_states(state: dict[str, Any]) -> Iterator[str]:
    yield from (state[key] for key in ("Next", "Default") if key in state)
    yield from (choice["Next"] for choice in state.get("Choices", []))
    yield from (catch["Next"] for catch in state.get("Catch", []))


def _shortest_cycle(states: dict[str, Any], start: str) -> list[str] | None:
    """The states of the shortest way from ``start`` back to it, or None if it is no loop."""
    paths = deque([[start]])
    seen = {start}
    while paths:
        path = paths.popleft()
        for following in _next_states(states[path[-1]]):
            if following == start:
                return path
            if following not in seen:
                seen.add(following)
                paths.append([*path, following])
    return None


def _events_per_turn(states: dict[str, Any], cycle: list[str]) -> int:
    return sum(EVENTS["CallbackTask" if _is_callback(states[name]) else states[name]["Type"]] for name in cycle)


def _largest(deadline_field: str) -> int:
    [bound] = [m.le for m in Deadlines.model_fields[deadline_field].metadata if isinstance(m, Le)]
    return int(bound)


def _turns_at(start: polling.Schedule, advance: polling.Schedule, minutes: int, monkeypatch: Any) -> int:
    """Turns until the deadline gives up, each wait running to its timeout."""
    now = [datetime(2030, 1, 1, tzinfo=UTC)]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    poll, turns = polling.start(start, minutes), 1
    while True:
        now[0] += timedelta(seconds=poll.wait_seconds)
        try:
            poll = polling.advance(poll, advance, "the test")
        except PollDeadlineExceeded:
            return turns
        turns += 1


def test_every_loop_of_the_definition_has_a_budget(synthesized: Synthesized) -> None:
    states = _all_states(_definition(synthesized))
    loops = {
        name
        for name, state in states.items()
        if (state["Type"] == "Wait" or _is_callback(state)) and _shortest_cycle(states, name) is not None
    }
    assert loops == set(LOOPS), "a loop without a turn budget here can outrun the history limit"


def test_all_loops_at_their_largest_deadlines_stay_well_under_the_history_limit(
    synthesized: Synthesized, monkeypatch: pytest.MonkeyPatch
) -> None:
    states = _all_states(_definition(synthesized))
    worst = {}
    for name, (start, advance, deadline) in LOOPS.items():
        cycle = _shortest_cycle(states, name)
        assert cycle is not None, name
        worst[name] = _events_per_turn(states, cycle) * _turns_at(start, advance, _largest(deadline), monkeypatch)
    assert sum(worst.values()) <= MAX_HISTORY_EVENTS - RUN_RESERVE, worst


def test_a_stuck_thirty_second_loop_at_its_largest_deadline_would_have_passed_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Canary: without the turn budget the worst case is over the limit (the check above cannot pass vacuously)."""
    unbudgeted = polling.Schedule(first_wait_seconds=30, interval_seconds=30, max_turns=10**9)
    turns = _turns_at(unbudgeted, unbudgeted, _largest("upgrade_minutes"), monkeypatch)
    assert turns * (EVENTS["Wait"] + EVENTS["Task"] + EVENTS["Choice"]) > MAX_HISTORY_EVENTS
