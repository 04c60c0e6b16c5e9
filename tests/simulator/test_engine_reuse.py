"""What the simulator keeps from one run for the next must not change what the next run sees."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
from moto import mock_aws

from simulator.engine.harness import retry_quota_checkers, reused_clients
from simulator.engine.parsing import parse_once
from simulator.engine.runner import execution_history
from simulator.engine.template import FunctionSpec, isolated_imports, load_handler

REGION = "us-east-1"


def _asset(root: Path, says: str) -> Path:
    package = root / "steps"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "handler.py").write_text(
        f"import os\nLEVEL = os.environ.get('POWERTOOLS_LOG_LEVEL')\n\ndef handler(event, context):\n"
        f"    return {{'says': {says!r}, 'level': LEVEL}}\n"
    )
    return root


def _load(asset: Path, environment: dict[str, str]) -> dict[str, object]:
    """One run's import of the handler, with ``environment`` set as the runner sets it around the run."""
    spec = FunctionSpec("Step", "steps.handler.handler", asset, {})
    saved = {k: sys.modules.get(k) for k in ("steps", "steps.handler")}
    with isolated_imports({asset}, environment), mock.patch.dict(os.environ, environment):
        answer: dict[str, object] = load_handler(spec)({}, None)  # type: ignore[arg-type]
        answer["module"] = id(sys.modules["steps.handler"])
    assert {k: sys.modules.get(k) for k in saved} == saved, "the process got its own modules back"
    return answer


def test_the_same_assets_and_environment_reuse_the_modules_a_changed_one_imports_anew(tmp_path):
    asset = _asset(tmp_path / "asset", "first")
    first = _load(asset, {"POWERTOOLS_LOG_LEVEL": "ERROR"})
    again = _load(asset, {"POWERTOOLS_LOG_LEVEL": "ERROR"})
    assert again == first  # the module imported by the first run, not a new import

    other_level = _load(asset, {"POWERTOOLS_LOG_LEVEL": "DEBUG"})
    assert other_level["level"] == "DEBUG" and other_level["module"] != first["module"]

    time.sleep(0.01)  # a new synth into the same folder: newer files, new modules
    _asset(asset, "second")
    resynthesized = _load(asset, {"POWERTOOLS_LOG_LEVEL": "ERROR"})
    assert resynthesized["says"] == "second"


def test_a_namespace_package_of_the_assets_is_given_back_too(tmp_path):
    asset = _asset(tmp_path / "asset", "first")
    (asset / "loose").mkdir()
    (asset / "loose" / "handler.py").write_text("def handler(event, context):\n    return {}\n")
    spec = FunctionSpec("Loose", "loose.handler.handler", asset, {})
    with isolated_imports({asset}, {}):
        load_handler(spec)({}, None)
        assert "loose.handler" in sys.modules
    assert "loose.handler" not in sys.modules  # not left for a run from another synthesis


def test_the_history_read_from_the_backend_is_the_history_the_api_lists():
    parse_once()
    definition = {
        "StartAt": "Count",
        "States": {
            "Count": {"Type": "Pass", "Parameters": {"left.$": "States.MathAdd($.left, -1)"}, "Next": "Done?"},
            "Done?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.left", "NumericLessThanEquals": 0, "Next": "Failed"}],
                "Default": "Count",
            },
            "Failed": {"Type": "Fail", "Error": "Counted", "Cause": "down to zero"},
        },
    }
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name=REGION)
        machine = sfn.create_state_machine(
            name="history", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/simulated"
        )["stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"left": 3}))["executionArn"]
        while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            time.sleep(0.01)
        listed = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        read = execution_history(REGION, arn)
    assert len(read) == len(listed) == 1 + 3 * 4 + 2  # started, 3 turns of 4, the Fail state, failed
    assert [{k: v for k, v in e.items() if k != "timestamp"} for e in read] == [
        {k: v for k, v in e.items() if k != "timestamp"} for e in listed
    ]
    assert read[-1]["type"] == "ExecutionFailed" and read[-1]["executionFailedEventDetails"]["error"] == "Counted"


def _retry_quota(client: Any) -> Any:
    [checker] = retry_quota_checkers(client)
    return checker._quota


def test_a_client_kept_from_an_earlier_run_answers_from_this_runs_mock_with_a_full_retry_quota(monkeypatch):
    from botocore.config import Config

    standard = Config(retries={"mode": "standard", "max_attempts": 5})
    with mock_aws(), reused_clients():
        first = boto3.client("sns", region_name=REGION, config=standard)
        first.create_topic(Name="from-the-first-run")
        assert _retry_quota(first).acquire(45)  # retries of the first run took 45 units
        assert _retry_quota(first).available_capacity == 455
        assert boto3.client("sns", region_name="eu-west-1", config=standard) is not first

    with mock_aws(), reused_clients():
        again = boto3.client("sns", region_name=REGION, config=standard)
        assert again is first, "made once per process"
        assert _retry_quota(again).available_capacity == 500, "a new run starts with the quota a new client has"
        assert again.list_topics()["Topics"] == [], "answered from this run's backends, not the first run's"
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "another-principal")
        assert boto3.client("sns", region_name=REGION, config=standard) is not first
