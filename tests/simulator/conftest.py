"""Fixtures of the realism-layer tests: moto plus the realism layer, started once per test, and a client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import boto3
import pytest
from moto import mock_aws

from simulator.engine.harness import reused_clients
from simulator.rds.realism import RealisticRds, realistic_rds
from tests.simulator.realism_helpers import POLLS, Start


@pytest.fixture
def start() -> Iterator[Start]:
    """Start moto plus the realism layer with the given faults/polls (once per test)."""
    with ExitStack() as stack:

        def _start(faults: Any = None, polls: int = POLLS, **options: Any) -> RealisticRds:
            stack.enter_context(mock_aws())
            stack.enter_context(reused_clients())
            return stack.enter_context(realistic_rds(faults, polls, **options))

        yield _start


@pytest.fixture
def sim(start: Start) -> RealisticRds:
    return start()


@pytest.fixture
def rds(sim: RealisticRds) -> Any:
    return boto3.client("rds", region_name="us-east-1")
