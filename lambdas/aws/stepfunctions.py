"""The one wrapper around Step Functions: who else is running."""

from __future__ import annotations

from typing import Any

from aws.rds import translated_errors


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
