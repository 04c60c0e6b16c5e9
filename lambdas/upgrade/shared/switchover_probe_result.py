"""What the write probe beside the switchover measured: the write unavailability seen through the cluster endpoint,
and its timeline as run-length segments (the result travels in the state, the notifications read it).

Kept apart from ``upgrade.shared.models`` (which imports this into ``WorkflowState``), so nothing here may import it.
"""

from typing import Literal

from pydantic import ConfigDict

from upgrade.shared.base_model import Model

MAX_SEGMENTS = 40  # a flapping endpoint must not fill the state (256 KB): the first and last segments are kept

# why the probe stopped writing
Stop = Literal[
    "switched",  # the new version answered the last writes in a row
    "rolled_back",  # writes were refused, then the old version answered again
    "switchover_ended",  # the deployment says the switchover ended without switching (failed, cancelled)
    "deadline",  # the event's deadline came first
    "not_measured",  # the first write already failed, or there was nothing to write through
]


class _Result(Model):
    model_config = ConfigDict(extra="ignore")


class ProbeSegment(_Result):
    """Consecutive writes with the same outcome from the same server version."""

    start: str  # ISO 8601, UTC, milliseconds: the first write's start
    end: str  # the last write's start
    ok: bool
    version: str | None  # the server_version that answered (None: no session, so nobody answered)
    count: int
    first_error: str | None = None


class SwitchoverProbeResult(_Result):
    measured: bool
    not_measured: str | None = None  # why nothing was measured (the message says so instead of a figure)
    stopped: Stop = "not_measured"
    old_version: str | None = None
    new_version: str | None = None
    writes_attempted: int = 0
    writes_succeeded: int = 0
    writes_refused: int = 0
    unavailable_seconds: float | None = None
    unavailable_from: str | None = None
    unavailable_until: str | None = None  # None with a figure: writes had not come back when the probe stopped
    first_new_version_write_at: str | None = None
    timeline: list[ProbeSegment] = []
    segments_left_out: int = 0

    def line(self) -> str:
        """One line for the switchover-done and final messages."""
        if not self.measured:
            return f"Write unavailability during the switchover: not measured: {self.not_measured}"
        if not self.writes_refused:
            outcome = "no probe write was refused"
        elif self.unavailable_until is None:
            outcome = (
                f"{self.unavailable_seconds} s from {self.unavailable_from}, writes still refused when the probe "
                f"stopped ({self.stopped})"
            )
        else:
            outcome = f"{self.unavailable_seconds} s, from {self.unavailable_from} until {self.unavailable_until}"
        first_new = (
            f"; first write on {self.new_version} at {self.first_new_version_write_at}"
            if self.first_new_version_write_at
            else f"; {self.new_version} never answered a probe write ({self.stopped})"
        )
        return (
            f"Write unavailability during the switchover (a write through the cluster endpoint every 0.5 s): "
            f"{outcome} ({self.writes_refused} of {self.writes_attempted} writes refused){first_new}"
        )
