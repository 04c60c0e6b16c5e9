"""One upgrade per cluster: a second execution for a cluster refuses before it changes anything.

The state machine itself is the lock table: its RUNNING executions are listed and their inputs
read. The earliest one wins (ties: the smaller execution ARN), so two executions started at the
same moment cannot both go on, and a crashed one releases the lock by no longer running.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aws.stepfunctions import StepFunctions
from upgrade.shared.errors import UpgradeAlreadyRunning
from upgrade.shared.models import Execution


def require_sole_run(sfn: StepFunctions, execution: Execution, cluster_id: str) -> None:
    if not execution.id or not execution.state_machine:
        return  # not started by the state machine (command line): nothing to coordinate with
    mine = _key(sfn.describe_execution(execution.id))
    for other in sfn.running_executions(execution.state_machine):
        if other["executionArn"] == execution.id:
            continue
        described = sfn.describe_execution(other["executionArn"])
        if _cluster_of(described) != cluster_id.lower():
            continue
        if _key(described) < mine:
            raise UpgradeAlreadyRunning(
                f"execution '{described.get('name')}' (started {described.get('startDate')}) is already working on "
                f"cluster '{cluster_id}'; this execution stops before changing anything. Let it finish, or stop it "
                "first (aws stepfunctions stop-execution) if it is stuck."
            )


def _key(described: dict[str, Any]) -> tuple[datetime | str, str]:
    return (described.get("startDate") or "", str(described.get("executionArn")))


def _cluster_of(described: dict[str, Any]) -> str | None:
    try:
        given = json.loads(described.get("input") or "{}")
    except ValueError:
        return None
    cluster = given.get("cluster_id") if isinstance(given, dict) else None
    return cluster.lower() if isinstance(cluster, str) else None
