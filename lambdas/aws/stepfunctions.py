"""The one wrapper around Step Functions: who else is running, and completing waiting tasks."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from aws.rds import translated_errors

# a token that was already used, has timed out, or belongs to a finished execution
_SPENT_TOKEN_ERRORS = {"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"}


class StepFunctions:
    def __init__(self, client: Any) -> None:
        self._client = client

    def running_executions(self, state_machine_arn: str) -> list[dict[str, Any]]:
        executions: list[dict[str, Any]] = []
        with translated_errors():
            paginator = self._client.get_paginator("list_executions")
            for page in paginator.paginate(stateMachineArn=state_machine_arn, statusFilter="RUNNING"):
                executions.extend(page.get("executions", []))
        return executions

    def describe_execution(self, execution_arn: str) -> dict[str, Any]:
        with translated_errors():
            return dict(self._client.describe_execution(executionArn=execution_arn))

    def find_execution(self, execution_arn: str) -> dict[str, Any] | None:
        """DescribeExecution, or None when no execution has that ARN (ExecutionDoesNotExist)."""
        try:
            return self.describe_execution(execution_arn)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ExecutionDoesNotExist":
                return None
            raise

    def last_recorded_state(
        self, execution_arn: str, whole: Callable[[dict[str, Any]], bool] = lambda _: True
    ) -> dict[str, Any] | None:
        """The output of the last state that exited: the workflow state when the execution stopped.

        GetExecutionHistory with reverseOrder lists the newest events first (Step Functions API Reference); the
        exits of each page are taken newest first by event id, so the answer is the same if a page comes in order.
        ``whole`` says which outputs are the whole state: a state of a Parallel's branch may exit with a part of it
        (the switchover probe's result), and the branches exit in no fixed order.
        """
        with translated_errors():
            paginator = self._client.get_paginator("get_execution_history")
            pages = paginator.paginate(executionArn=execution_arn, reverseOrder=True, includeExecutionData=True)
            for page in pages:
                exits = [e for e in page.get("events", []) if "output" in (e.get("stateExitedEventDetails") or {})]
                for event in sorted(exits, key=lambda event: int(event["id"]), reverse=True):
                    parsed = json.loads(event["stateExitedEventDetails"]["output"])
                    if isinstance(parsed, dict) and whole(parsed):
                        return parsed
        return None

    def send_task_success(self, task_token: str, output: dict[str, Any]) -> bool:
        """Complete a waiting task; False when the token was already used, timed out or is unknown."""
        return self._send(lambda: self._client.send_task_success(taskToken=task_token, output=json.dumps(output)))

    def send_task_failure(self, task_token: str, error: str, cause: str) -> bool:
        """Fail a waiting task; False when the token was already used, timed out or is unknown."""
        return self._send(
            lambda: self._client.send_task_failure(taskToken=task_token, error=error[:256], cause=cause[:32_768])
        )

    @staticmethod
    def _send(call: Any) -> bool:
        try:
            with translated_errors():
                call()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _SPENT_TOKEN_ERRORS:
                return False
            raise
        return True
