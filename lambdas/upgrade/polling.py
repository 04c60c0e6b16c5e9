"""Wait loops: the state machine waits ``poll.wait_seconds`` between checks.

Elapsed time is the sum of the waits the workflow asked for, so a deadline means the
same thing in AWS and in the offline simulator (where waits are recorded, not slept).
"""

from __future__ import annotations

from dataclasses import dataclass

from upgrade.errors import PollDeadlineExceeded
from upgrade.models import Poll


@dataclass(frozen=True)
class Schedule:
    """First wait, then a steady interval: the interval bounds how late we react."""

    first_wait_seconds: int
    interval_seconds: int


PARAMETER_SYNC = Schedule(first_wait_seconds=30, interval_seconds=30)
SNAPSHOT = Schedule(first_wait_seconds=60, interval_seconds=60)
BLUE_GREEN_READY = Schedule(first_wait_seconds=300, interval_seconds=60)
SWITCHOVER = Schedule(first_wait_seconds=30, interval_seconds=30)
IN_PLACE_UPGRADE = Schedule(first_wait_seconds=60, interval_seconds=60)
RENAME = Schedule(first_wait_seconds=30, interval_seconds=30)
RESTORE = Schedule(first_wait_seconds=120, interval_seconds=60)


def start(schedule: Schedule, deadline_minutes: int) -> Poll:
    return Poll(wait_seconds=schedule.first_wait_seconds, deadline_seconds=deadline_minutes * 60)


def advance(poll: Poll, schedule: Schedule, waiting_for: str) -> Poll:
    """Account for the wait just done; raise once the deadline is used up."""
    waited = poll.waited_seconds + poll.wait_seconds
    if waited >= poll.deadline_seconds:
        raise PollDeadlineExceeded(
            f"gave up waiting for {waiting_for} after {waited // 60} minutes "
            f"({poll.attempts + 1} checks); the deadline is {poll.deadline_seconds // 60} minutes"
        )
    remaining = poll.deadline_seconds - waited
    return Poll(
        attempts=poll.attempts + 1,
        waited_seconds=waited,
        wait_seconds=min(schedule.interval_seconds, remaining),
        deadline_seconds=poll.deadline_seconds,
    )


def checked(poll: Poll) -> Poll:
    """Account for the final wait of a loop that ended well."""
    return poll.model_copy(
        update={"attempts": poll.attempts + 1, "waited_seconds": poll.waited_seconds + poll.wait_seconds}
    )


def after_pass(poll: Poll, first_pass: bool, schedule: Schedule, waiting_for: str) -> Poll:
    """For loops whose one step both acts and checks: the first pass starts the clock, later ones advance it."""
    return poll if first_pass else advance(poll, schedule, waiting_for)
