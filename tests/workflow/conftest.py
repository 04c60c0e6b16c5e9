"""Workflow tests execute the state machine of a fresh synthesis, with the real handlers."""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.app_factory import build_app
from simulator.engine.configuration import exclusive
from simulator.engine.runner import run_scenario
from simulator.scenario.model import Scenario
from upgrade.notifications.milestone import MILESTONES

SCENARIOS = Path(__file__).resolve().parents[2] / "simulator" / "scenarios"


@pytest.fixture(scope="session")
def cdk_out(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """A fresh synthesis of the app, made once per session: pytest-xdist's workers share it (their temporary folders
    are siblings), and the configuration variants the simulator synthesizes inside it."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    if not hasattr(request.config, "workerinput"):
        outdir = tmp_path_factory.mktemp("cdk.out")
        build_app(outdir=str(outdir)).synth()
        return outdir
    outdir = tmp_path_factory.getbasetemp().parent / "cdk.out"
    with exclusive(outdir.with_name("cdk.out.lock")):  # the first worker synthesizes, the others wait for it
        done = outdir.with_name("cdk.out.done")
        if not done.exists():
            build_app(outdir=str(outdir)).synth()
            done.touch()
    return outdir


class SharedRuns:
    """Runs of a scenario made once per session and handed out as copies.

    A run's outcome depends only on the scenario and the synthesis (each run builds its world anew), so tests that
    only read an outcome may share it; a test that patches the simulator, or watches a run as it goes, runs its own.
    ``folder``: where pytest-xdist's workers of one session leave their runs for each other (None: this process)."""

    def __init__(self, cdk_out: Path, folder: Path | None = None) -> None:
        self.cdk_out = cdk_out
        self.folder = folder
        self._kept: dict[str, bytes] = {}

    def run(self, scenario: Scenario) -> dict[str, Any]:
        key = hashlib.sha256(f"{self.cdk_out}\n{scenario.model_dump_json()}".encode()).hexdigest()[:20]
        if key not in self._kept:
            self._kept[key] = self._made(key, scenario)
        return pickle.loads(self._kept[key])  # a new copy each time: what one test changes, the next does not see

    def _made(self, key: str, scenario: Scenario) -> bytes:
        if self.folder is None:
            return pickle.dumps(run_scenario(scenario, self.cdk_out))
        kept = self.folder / f"{key}.pickle"
        with exclusive(self.folder / f"{key}.lock"):  # another worker may be running it: wait for it
            if not kept.exists():
                kept.write_bytes(pickle.dumps(run_scenario(scenario, self.cdk_out)))
            return kept.read_bytes()


@pytest.fixture(scope="session")
def shared_runs(cdk_out: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> SharedRuns:
    if not hasattr(request.config, "workerinput"):  # not a pytest-xdist worker: nothing to share
        return SharedRuns(cdk_out)
    folder = tmp_path_factory.getbasetemp().parent / "shared-runs"  # the workers' temporary folders are siblings
    folder.mkdir(exist_ok=True)
    return SharedRuns(cdk_out, folder)


def shipped(name: str) -> Scenario:
    """A shipped scenario on simulated RDS only: its real servers (``real_databases``) are left out, with the
    database access they answer (tests of the workflow, IAM and logs do not need them; starting them costs seconds)."""
    return Scenario.load(SCENARIOS / f"{name}.json").without_real_databases()


@pytest.fixture
def simulate(cdk_out: Path, shared_runs: SharedRuns) -> Callable[..., dict[str, Any]]:
    """Run a shipped scenario by name, optionally changed: simulate("seed-blue-green", faults=[...]).

    On simulated RDS only (a scenario's real servers are left out) unless ``real_databases`` is among the changes:
    most tests judge the workflow, not the servers, and starting them costs seconds. The same scenario is run once
    per session (``SharedRuns``); with real servers, each time."""

    def run(name: str, **changes: Any) -> dict[str, Any]:
        loaded = Scenario.load(SCENARIOS / f"{name}.json") if "real_databases" in changes else shipped(name)
        raw = loaded.model_dump()
        scenario = Scenario.model_validate({**raw, **changes})
        return run_scenario(scenario, cdk_out) if scenario.real_databases else shared_runs.run(scenario)

    return run


PROGRESS = {*MILESTONES, "rds_event"}  # progress messages and forwarded RDS events


def outcome_notifications(outcome: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages that tell how a run ended (not its progress milestones or forwarded RDS events)."""
    return [n for n in outcome["notifications"] if n.get("event") not in PROGRESS]
