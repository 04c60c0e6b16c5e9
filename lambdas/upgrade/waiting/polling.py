"""Wait loops: between checks the state machine waits ``poll.wait_seconds``, or until an RDS event wakes it.

Loops of Wait states count their elapsed time as the sum of the waits they asked for, so a
deadline means the same thing in AWS and in the offline simulator (where waits are recorded,
not slept). Loops woken by events (``Schedule.event_driven``) cannot know in advance how long
each wait lasts: they measure from ``started_at`` with ``upgrade.shared.clock`` instead, and
``wait_seconds`` is the callback's timeout, the polling fallback for an event that never comes.

Every turn of a loop adds events to the execution's history, which holds at most 25,000
("Avoid reaching the history quota", https://docs.aws.amazon.com/step-functions/latest/dg/bp-history-limit.html):
past it the execution fails, whatever its Catch says. So each loop has a turn budget
(``Schedule.max_turns``): the first half of it polls at the schedule's interval (most waits end
there), then the interval widens so that what is left of the deadline fits the turns left. A loop
thus ends within its budget at any deadline the input allows; ``tests/infra/test_history_budget.py``
adds up the worst case of every loop of the synthesized definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from upgrade.shared import clock
from upgrade.shared.errors import PollDeadlineExceeded
from upgrade.shared.models import Poll


@dataclass(frozen=True)
class Schedule:
    """First wait, then a steady interval: for Wait loops the interval bounds how late we react."""

    first_wait_seconds: int
    interval_seconds: int
    event_driven: bool = False
    max_turns: int = 200  # Wait + check + Choice: about 9 history events a turn


PARAMETER_SYNC = Schedule(first_wait_seconds=30, interval_seconds=30)
SWITCHOVER = Schedule(first_wait_seconds=30, interval_seconds=30)
RENAME = Schedule(first_wait_seconds=30, interval_seconds=30)
RESTORE = Schedule(first_wait_seconds=120, interval_seconds=60)
ROLLBACK_SETTLE = Schedule(first_wait_seconds=60, interval_seconds=60)
# Long waits are woken by RDS events (see upgrade.waiting.task_tokens); without an event, re-check every 10 minutes.
# A turn (callback task + check + Choice) is about 13 history events.
SNAPSHOT = Schedule(first_wait_seconds=600, interval_seconds=600, event_driven=True, max_turns=100)
BLUE_GREEN_READY = Schedule(first_wait_seconds=600, interval_seconds=600, event_driven=True, max_turns=100)
IN_PLACE_UPGRADE = Schedule(first_wait_seconds=600, interval_seconds=600, event_driven=True, max_turns=100)


def start(schedule: Schedule, deadline_minutes: int) -> Poll:
    started_at = clock.now().isoformat() if schedule.event_driven else None
    return Poll(wait_seconds=schedule.first_wait_seconds, deadline_seconds=deadline_minutes * 60, started_at=started_at)


def advance(poll: Poll, schedule: Schedule, waiting_for: str) -> Poll:
    """Account for the wait just done; raise once the deadline is used up."""
    waited = _waited(poll)
    if waited >= poll.deadline_seconds:
        raise PollDeadlineExceeded(
            f"gave up waiting for {waiting_for} after {waited // 60} minutes "
            f"({poll.attempts + 1} checks); the deadline is {poll.deadline_seconds // 60} minutes"
        )
    remaining = poll.deadline_seconds - waited
    turn = poll.attempts + 1
    return poll.model_copy(
        update={
            "attempts": turn,
            "waited_seconds": waited,
            "wait_seconds": max(1, min(_interval(schedule, turn, remaining), remaining)),
        }
    )


def _interval(schedule: Schedule, turn: int, remaining_seconds: int) -> int:
    """The schedule's interval for the first half of the turn budget; then what spreads the rest over the turns left."""
    if turn < schedule.max_turns // 2:
        return schedule.interval_seconds
    turns_left = max(1, schedule.max_turns - turn)
    return max(schedule.interval_seconds, ceil(remaining_seconds / turns_left))


def checked(poll: Poll) -> Poll:
    """Account for the final wait of a loop that ended well."""
    return poll.model_copy(update={"attempts": poll.attempts + 1, "waited_seconds": _waited(poll)})


def after_pass(poll: Poll, first_pass: bool, schedule: Schedule, waiting_for: str) -> Poll:
    """For loops whose one step both acts and checks: the first pass starts the clock, later ones advance it."""
    return poll if first_pass else advance(poll, schedule, waiting_for)


def _waited(poll: Poll) -> int:
    if poll.started_at is not None:
        return max(0, int(clock.seconds_since(poll.started_at)))
    return poll.waited_seconds + poll.wait_seconds
