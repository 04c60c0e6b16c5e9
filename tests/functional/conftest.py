"""Handlers against moto made realistic: real boto3 calls, simulated RDS."""

import boto3
import pytest
from moto import mock_aws

from simulator.engine.harness import reused_clients
from simulator.rds.realism import realistic_rds
from tests.functional.world import create_report_bucket


@pytest.fixture
def world(monkeypatch):
    """An empty simulated account (statuses settle after one describe), with the stack's report bucket.

    The handlers' clients are kept for the process, as the simulator keeps them (simulator/engine/harness.py)."""
    with mock_aws(), reused_clients(), realistic_rds(polls=1) as simulated:
        create_report_bucket(monkeypatch)
        yield simulated


@pytest.fixture
def rds_client(world):
    return boto3.client("rds", region_name="us-east-1")
