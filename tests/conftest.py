"""Every test runs with fake AWS credentials and quiet Powertools: nothing can reach AWS."""

import gc
import os

import pytest

from simulator.engine.key_material import share_symmetric_key_pairs
from simulator.engine.parsing import parse_once
from simulator.engine.service_models import share_service_models
from simulator.engine.shortcuts import take_shortcuts
from simulator.engine.state_copies import copy_states_faster

pytest_plugins = ["tests.postgres_server"]

# moto starts a new boto3 session at every mock; each would parse the same service models from disk again; its
# interpreter parses the same definitions and JSONPaths at every execution, and deep-copies the state at every step;
# its KMS draws an unused RSA key per key; each request lists its response class's functions and re-derives where each
# value of the answer is found
share_service_models()
parse_once()
share_symmetric_key_pairs()
copy_states_faster()
take_shortcuts()

# jsii prints a Node end-of-life banner on every synth; it says nothing about our code
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@pytest.fixture(autouse=True)
def _offline_aws(monkeypatch):
    for key in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "ERROR")


# The modules with the longest tests (`pytest --durations`) start first, longest first: the 100-cluster fleet, the
# pg_upgrade verdicts, the rehearsals on real servers, the fifty-database preflight, the report in Chromium.
# pytest-xdist hands each worker a share of the tests in collection order, and a long test left to the end keeps one
# worker busy while the other has nothing left (a run ended with the rehearsals on one worker, 20 s after the other).
# Whole modules move, so their module-scoped fixtures are still made once.
LONGEST_FIRST = (
    "tests/workflow/test_fleet.py",
    "tests/sql/test_against_pg_upgrade.py",
    "tests/workflow/test_rehearsal_on_real_servers.py",
    "tests/workflow/test_large_preflight_report.py",
    "tests/workflow/test_html_report.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.partition("::")[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order inside a module, and of all the other modules, is kept


# Python's cyclic garbage collector scanned the young objects every 700 allocations: a simulated run (moto's
# objects, the interpreter's state copies) spent 6 % of its time there, mostly re-scanning objects that live for the
# whole session (modules, service models, parsed definitions). Those are frozen once collected, out of the scans;
# the young generation is scanned every 10,000 allocations (measured: 48 ms of a run's 0.75 s in the collector
# before, 8 ms after).
gc.set_threshold(10_000, 10, 10)


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.collect()
    gc.freeze()
