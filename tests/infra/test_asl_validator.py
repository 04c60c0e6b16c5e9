"""The deployed definition passes asl-validator (npm), the linter AWS users trust for ASL."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from simulator.engine.template import load_workflow

VALIDATOR = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "asl-validator"


def _validate(definition: dict, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    if not VALIDATOR.exists():
        pytest.fail("asl-validator is not installed: run `make install` (npm install, pinned in package.json)")
    path = tmp_path / "definition.asl.json"
    path.write_text(json.dumps(definition))
    return subprocess.run(
        [str(VALIDATOR), "--json-path", str(path)], capture_output=True, text=True, timeout=60, check=False
    )


def test_the_synthesized_definition_is_valid_asl(synthesized, tmp_path):
    definition = load_workflow(synthesized.outdir, "eu-west-2").definition
    done = _validate(definition, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_fleet_definition_is_valid_asl(synthesized, tmp_path):
    definition = load_workflow(synthesized.outdir, "eu-west-2").fleet_definition
    assert definition is not None and "RunWave" in definition["States"]
    done = _validate(definition, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_validator_rejects_a_broken_choice(synthesized, tmp_path):
    definition = load_workflow(synthesized.outdir, "eu-west-2").definition
    definition["States"]["GreenReady"]["Choices"][0].pop("Next")
    assert _validate(definition, tmp_path).returncode != 0
