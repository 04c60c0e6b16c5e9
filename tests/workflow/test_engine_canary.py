"""The offline engine patches a few moto internals: fail loudly if moto moves them."""

import json
import subprocess
import sys
from pathlib import Path

from simulator.engine import nested
from simulator.engine.harness import PATCHED
from simulator.rds.realism import missing_moto_internals


def test_moto_entry_points_still_exist():
    patched = [*PATCHED, *nested.PATCHED]
    missing = [f"{owner.__name__}.{name}" for owner, name in patched if not hasattr(owner, name)]
    assert missing == []
    assert missing_moto_internals() == []


def test_cli_prints_json_and_exits_by_status(cdk_out, tmp_path):
    scenario = json.loads((Path("simulator/scenarios/target-not-upgradable.json")).read_text())
    scenario["name"] = "cli-check"
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "run", str(path), "--json", "--cdk-out", str(cdk_out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    outcome = json.loads(done.stdout)
    for key in (
        "status",
        "states",
        "cluster",
        "clusters",
        "snapshots",
        "notifications",
        "waits_seconds",
        "transitions",
        "lambda_invocations",
        "error",
    ):
        assert key in outcome
    assert outcome["status"] == "FAILED" and outcome["error"]["error"] == "UpgradeTargetInvalid"
