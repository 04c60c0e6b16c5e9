"""The simulator's command line: every scenario file is run and reported, bad ones in one line naming the field."""

from __future__ import annotations

import json
from pathlib import Path

from simulator.__main__ import main
from simulator.scenario.expectations import unmet
from simulator.scenario.model import Expectation
from tests.workflow.conftest import SCENARIOS


def _scenario(tmp_path: Path, name: str, changes: dict) -> Path:
    raw = json.loads((SCENARIOS / "preflight-report-only.json").read_text())
    raw["cluster"] |= changes
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(raw))
    return path


def test_check_runs_every_file_and_reports_each_in_one_line(cdk_out, tmp_path, capsys):
    below_one_acu = _scenario(tmp_path, "max-below-one", {"serverless_v2": {"min_capacity": 0.5, "max_capacity": 0.5}})
    unknown = {"name": "odd", "family": "aurora-postgresql13", "parameters": {"work_memory": "8192"}}
    unknown_parameter = _scenario(tmp_path, "unknown-parameter", {"cluster_parameter_group": unknown})
    good = SCENARIOS / "preflight-report-only.json"
    paths = [below_one_acu, tmp_path / "missing.json", unknown_parameter, good]
    code = main(["check", *map(str, paths), "--cdk-out", str(cdk_out)])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.splitlines() == [
        f"FAIL {below_one_acu}",
        "     - invalid scenario: cluster.serverless_v2.max_capacity: Input should be greater than or equal to 1",
        f"FAIL {tmp_path / 'missing.json'}",
        "     - invalid scenario: cannot be read: No such file or directory",
        f"FAIL {unknown_parameter}",
        "     - invalid scenario: cluster (prod-db): cluster parameter group 'odd' (name, family, parameters): "
        "Could not find parameter with name: work_memory",
        f"ok   {good}",
        "1 passed, 3 failed",
    ], "no traceback, no log or metric JSON: one line per file and its problems"
    assert "Traceback" not in err and "{" not in err


def test_run_of_an_invalid_scenario_is_one_line_and_exit_2(cdk_out, tmp_path, capsys):
    path = _scenario(tmp_path, "max-below-one", {"serverless_v2": {"min_capacity": 0.5, "max_capacity": 0.5}})
    assert main(["run", str(path), "--cdk-out", str(cdk_out)]) == 2
    out, err = capsys.readouterr()
    assert (out, err.strip()) == (
        "",
        f"invalid scenario: {path}: cluster.serverless_v2.max_capacity: Input should be greater than or equal to 1",
    )


def test_error_contains_sees_the_executions_final_error_and_cause():
    outcome = {
        "error": {
            "execution_error": "UpgradeFailed",
            "execution_cause": "The upgrade failed; the notification names the step",
            "step": None,
            "error": None,
            "message": None,
        }
    }
    assert unmet(Expectation(error_contains="UpgradeFailed: The upgrade failed"), outcome) == []
    assert unmet(Expectation(error_contains="SwitchoverFailed"), outcome) != []
