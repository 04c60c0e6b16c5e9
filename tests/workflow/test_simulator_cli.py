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


def _seed_with(tmp_path: Path, name: str, **changes) -> Path:
    raw = json.loads((SCENARIOS / "seed-blue-green.json").read_text())
    raw.update(changes)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(raw))
    return path


def test_real_databases_are_validated_in_one_line_naming_the_field(cdk_out, tmp_path, capsys):
    seed = json.loads((SCENARIOS / "seed-blue-green.json").read_text())
    no_access = _seed_with(tmp_path, "no-access", input={k: v for k, v in seed["input"].items() if k != "database"})
    assert main(["run", str(no_access), "--cdk-out", str(cdk_out)]) == 2
    assert "real_databases: the input's database.secret_arn must name the secret prod-db-rehearsal" in (
        capsys.readouterr().err
    )
    uninstalled = _seed_with(tmp_path, "uninstalled", cluster={**seed["cluster"], "engine_version": "13.9"})
    assert main(["run", str(uninstalled), "--cdk-out", str(cdk_out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(
        "real_databases: no PostgreSQL 13.9 server is installed here: run scripts/ensure-postgres-majors.sh and "
        "scripts/ensure-postgresql.sh (make test runs both)"
    ), err


def test_the_demo_runs_without_real_databases_when_asked(cdk_out, capsys, monkeypatch):
    monkeypatch.setenv("SIMULATOR_REAL_DATABASES", "0")
    assert main(["run", str(SCENARIOS / "seed-blue-green.json"), "--cdk-out", str(cdk_out), "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert "real_databases" not in outcome
    final = outcome["notifications"][-1]["message"]
    assert "consistency check skipped: the execution input gives no database access" in final
