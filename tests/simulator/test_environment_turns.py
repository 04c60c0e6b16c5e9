"""While functions run, a reading of the whole environment waits for an invocation's change of it to finish.

Each invocation puts its function's variables in the one os.environ and takes them out again; botocore walks the
environment's items (urllib's proxy lookup) and copies it whenever it makes a client, from other threads (a fleet's
waiting tasks, the switchover probe). A key taken out in between failed those readings with a KeyError, which the
interpreter turned into ``States.Runtime`` (1 fleet run in 30 under load).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import pytest

from simulator.engine import harness


@pytest.mark.parametrize(
    "read",
    [lambda: list(os.environ.items()), lambda: os.environ.copy()],
    ids=["items", "copy"],
)
def test_a_reading_of_the_environment_waits_while_it_changes(read: Callable[[], Any]) -> None:
    done = threading.Event()

    def reader() -> None:
        read()
        done.set()

    with harness.local_lambdas({}):
        with harness._ENVIRONMENT_CHANGES:  # an invocation is changing the environment
            thread = threading.Thread(target=reader)
            thread.start()
            assert not done.wait(0.3), "the reading went ahead in the middle of the change"
        assert done.wait(5), "the reading finished once the change was done"
    thread.join()


def test_the_readings_are_the_environments_own_outside_a_run() -> None:
    assert type(os.environ).items is harness._items and type(os.environ).copy is harness._copy
