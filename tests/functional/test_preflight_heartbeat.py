"""The preflight makes the switchover probe's heartbeat table on blue only in a blue/green upgrade whose checks all
passed and whose probe can write (direct sessions): a report-only run, a blocked one or one over the Data API changes
nothing. (The table itself is made on a real server in tests/sql/test_switchover_probe_on_server.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from aws.rds import Rds
from tests.functional.world import initial_state, make_cluster
from upgrade.preflight.run import run_preflight
from upgrade.shared.models import UpgradeInput, WorkflowState
from upgrade.shared.preflight_report import CheckResult

SECRET = {"secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db", "ssl": False}


def _check(status: str) -> CheckResult:
    return CheckResult(id="P1-test", title="a check", scope="database", status=status)  # type: ignore[arg-type]


def _preflight(rds_client: Any, database_status: str, **input_changes: Any) -> tuple[list[str], dict[str, str]]:
    made: list[str] = []

    def make_heartbeat(request: UpgradeInput, cluster: dict[str, Any]) -> CheckResult:
        made.append(cluster["DBClusterIdentifier"])
        return CheckResult(id="BG-switchover-probe-heartbeat", title="heartbeat", scope="database", status="pass")

    state = WorkflowState.model_validate({**initial_state(**input_changes), "execution": {"name": "run"}})
    plan = run_preflight(
        state, Rds(rds_client), lambda request, cluster: [_check(database_status)], make_heartbeat=make_heartbeat
    )
    assert plan.report is not None
    return made, {c.id: c.status for c in plan.report.checks}


def test_a_blue_green_upgrade_that_passed_makes_the_heartbeat_once(rds_client: Any) -> None:
    make_cluster(rds_client)
    made, checks = _preflight(rds_client, "pass", database=SECRET)
    assert made == ["prod-db"] and checks["BG-switchover-probe-heartbeat"] == "pass"


@pytest.mark.parametrize(
    ("database_status", "changes"),
    [
        ("fail", {"database": SECRET}),  # blocked: nothing changes
        ("pass", {"database": SECRET, "mode": "preflight"}),  # report only
        ("pass", {"database": {**SECRET, "connect_via": "data_api"}}),  # the probe would not write
        ("pass", {"database": SECRET, "strategy": "in_place"}),  # no switchover
    ],
)
def test_otherwise_the_preflight_writes_nothing(rds_client: Any, database_status: str, changes: dict) -> None:
    make_cluster(rds_client)
    made, checks = _preflight(rds_client, database_status, **changes)
    assert made == [] and "BG-switchover-probe-heartbeat" not in checks


def test_a_rerun_once_green_exists_does_not_make_it(rds_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """DDL on blue while green exists would not reach green and would degrade its replication."""
    make_cluster(rds_client)
    monkeypatch.setattr("upgrade.preflight.run._deployment_of_ours", lambda rds, arn, name: "bgd-of-the-first-run")
    made, checks = _preflight(rds_client, "pass", database=SECRET)
    assert made == [] and "BG-switchover-probe-heartbeat" not in checks
