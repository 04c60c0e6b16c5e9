"""A time budget: stop starting new work once it is spent, and cap each statement by what is left.

Used by the post-upgrade step and the consistency check; both run inside one Lambda invocation, so the
budget plus a grace period must stay below the function's timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from upgrade.database.sql import Executor

CONNECT_GRACE_SECONDS = 10.0  # a session's socket outlives its statements: the server cancels first


class Budget:
    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._started = clock()

    def elapsed(self) -> float:
        return self._clock() - self._started

    def remaining(self) -> float:
        return max(0.0, self.seconds - self.elapsed())

    @property
    def spent(self) -> bool:
        return self.remaining() <= 0

    def statement_seconds(self, cap: float | None = None) -> float:
        """How long the next statement may run: what is left (at least a second), and at most ``cap``."""
        left = max(1.0, self.remaining())
        return min(left, cap) if cap is not None else left

    def session_seconds(self, cap: float | None = None) -> float:
        """The socket timeout of a new session: longer than any statement it will be allowed to run."""
        return self.statement_seconds(cap) + CONNECT_GRACE_SECONDS


def limit_statements(executor: Executor, seconds: float) -> None:
    """Let the server cancel the session's next statements after ``seconds`` (pg8000 sessions only)."""
    executor.query(f"SET statement_timeout = {max(1000, int(seconds * 1000))}")
