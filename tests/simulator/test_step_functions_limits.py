"""Step Functions' payload and history limits hold in the offline engine as AWS holds them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from simulator.enforcement.limits import HISTORY_LIMIT_CAUSE, MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES, payload_bytes
from simulator.engine.harness import LambdaFunction, local_lambdas
from simulator.engine.runner import execution_history

REGION = "us-east-1"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:123456789012:function:Producer"


def _produce(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A result of the asked size (UTF-8 bytes of its JSON)."""
    return {"blob": "x" * (int(event["bytes"]) - len('{"blob":""}'))}


@pytest.fixture
def run() -> Iterator[Any]:
    """Execute a definition with the harness (and its limits) in place; answer (description, history)."""
    functions = {"Producer": LambdaFunction(handler=_produce, environment={})}
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}), local_lambdas(functions):
        sfn = boto3.client("stepfunctions", region_name=REGION)

        def execute(definition: dict[str, Any], given: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            machine = sfn.create_state_machine(
                name=f"limits-{time.monotonic_ns()}",
                definition=json.dumps(definition),
                roleArn="arn:aws:iam::123456789012:role/simulated",
            )["stateMachineArn"]
            arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps(given))["executionArn"]
            deadline = time.monotonic() + 120
            while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
                assert time.monotonic() < deadline, "the execution did not end"
                time.sleep(0.02)
            return described, execution_history(REGION, arn)

        yield execute


def _produce_then(catch: list[str], retry: list[str] | None = None) -> dict[str, Any]:
    task: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": FUNCTION_ARN, "Payload.$": "$"},
        "OutputPath": "$.Payload",
        "Catch": [{"ErrorEquals": catch, "ResultPath": "$.error", "Next": "Caught"}],
        "End": True,
    }
    if retry:
        task["Retry"] = [{"ErrorEquals": retry, "MaxAttempts": 2, "IntervalSeconds": 1}]
    return {"StartAt": "Produce", "States": {"Produce": task, "Caught": {"Type": "Succeed"}}}


def test_an_oversized_task_result_fails_the_execution_past_a_states_all_catch_and_retry(run):
    described, events = run(_produce_then(["States.ALL"], retry=["States.ALL"]), {"bytes": MAX_PAYLOAD_BYTES + 1000})
    assert described["status"] == "FAILED"
    assert described["error"] == "States.DataLimitExceeded"
    assert "Caught" not in [e.get("stateEnteredEventDetails", {}).get("name") for e in events]
    assert not any(e["type"] == "TaskStateExited" for e in events), "no retry, no catch: the execution stops there"


def test_a_catch_naming_data_limit_exceeded_catches_it(run):
    described, _ = run(_produce_then(["States.DataLimitExceeded"]), {"bytes": MAX_PAYLOAD_BYTES + 1000})
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["error"]["Error"] == "States.DataLimitExceeded"


def test_a_result_within_the_quota_passes(run):
    described, _ = run(_produce_then(["States.ALL"]), {"bytes": MAX_PAYLOAD_BYTES - 1000})
    assert described["status"] == "SUCCEEDED"


def test_an_oversized_task_input_after_parameters_fails_the_execution(run):
    definition = {
        "StartAt": "Grow",
        "States": {
            "Grow": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                # two copies of an input just over half the quota: the input is fine, the Parameters are not
                "Parameters": {
                    "FunctionName": FUNCTION_ARN,
                    "Payload": {"a.$": "$.half", "b.$": "$.half", "bytes": 10},
                },
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Succeed"},
        },
    }
    described, _ = run(definition, {"half": "y" * (MAX_PAYLOAD_BYTES // 2 + 100)})
    assert described["status"] == "FAILED"
    assert described["error"] == "States.DataLimitExceeded"


def _loop(turns: int) -> dict[str, Any]:
    """A Pass + Choice + Wait loop: ExecutionStarted, a first Pass, then 6 events a turn, the last turn
    ending in Succeed and ExecutionSucceeded: 6 * turns + 4 events in all."""
    return {
        "StartAt": "Begin",
        "States": {
            "Begin": {"Type": "Pass", "Next": "Count"},
            "Count": {"Type": "Pass", "Parameters": {"left.$": "States.MathAdd($.left, -1)"}, "Next": "Done?"},
            "Done?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.left", "NumericLessThanEquals": 0, "Next": "Done"}],
                "Default": "Pause",
            },
            "Pause": {"Type": "Wait", "Seconds": 30, "Next": "Count"},
            "Done": {"Type": "Succeed"},
        },
    }


def _execute_loop(run: Any, turns: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return run(_loop(turns), {"left": turns})


def test_an_execution_whose_event_25000_is_not_its_success_fails_with_states_runtime(run):
    described, events = _execute_loop(run, 4_167)  # would need 25,006 events
    assert described["status"] == "FAILED"
    assert described["error"] == "States.Runtime"
    assert HISTORY_LIMIT_CAUSE in described["cause"]
    assert len(events) == MAX_HISTORY_EVENTS
    assert events[-1]["type"] == "ExecutionFailed"


def test_an_execution_whose_event_25000_is_its_success_succeeds(run):
    described, events = _execute_loop(run, 4_166)  # exactly 25,000 events
    assert described["status"] == "SUCCEEDED", described.get("cause")
    assert len(events) == MAX_HISTORY_EVENTS
    assert events[-1]["type"] == "ExecutionSucceeded"


def test_payload_size_is_counted_in_utf8_bytes():
    assert payload_bytes("é" * 10) == 20
    assert payload_bytes(b'{"a":1}') == 7
    assert payload_bytes({"a": "é"}) == len('{"a":"é"}'.encode())
