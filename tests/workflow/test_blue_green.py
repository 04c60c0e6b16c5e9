"""The blue/green workflow end to end: the synthesized ASL, the real handlers, simulated RDS."""

from __future__ import annotations

import re
from typing import Any

import boto3
import pytest

from simulator.engine import runner
from simulator.engine.runner import run_scenario
from simulator.scenario.expectations import unmet
from simulator.scenario.model import Scenario
from tests.workflow.conftest import SCENARIOS, outcome_notifications
from upgrade.notifications.milestone import MILESTONES


def test_seed_upgrade_succeeds_and_restores_everything(simulate):
    outcome = simulate("seed-blue-green")
    assert outcome["status"] == "SUCCEEDED", outcome["error"]
    expected = {
        "id": "prod-db",
        "engine_version": "14.18",
        "status": "available",
        "db_cluster_parameter_group": "prod-db-aurora-postgresql14-cluster",
        "min_capacity": 0.5,
        "max_capacity": 8.0,
    }
    assert {key: outcome["cluster"][key] for key in expected} == expected
    assert [(i["id"], i["writer"], i["engine_version"]) for i in outcome["cluster"]["instances"]] == [
        ("prod-db-reader", False, "14.18"),
        ("prod-db-writer", True, "14.18"),
    ], "green took the original instance names"
    assert outcome["clusters"] == ["prod-db", "prod-db-old1"]
    assert [s["status"] for s in outcome["snapshots"]] == ["available"]
    assert outcome["blue_green_deployments"] == [], "the deployment object is deleted after the switchover"
    assert [n["subject"] for n in outcome_notifications(outcome)] == [
        "[aurora-upgrade] prod-db upgraded 13.20 -> 14.18"
    ]
    milestones = [n["event"] for n in outcome["notifications"] if n["event"] not in ("succeeded", "rds_event")]
    assert milestones == [m for m in MILESTONES if m != "post_upgrade_done"], "people follow the run step by step"
    # the writer reboot for logical replication happened before the deployment was created
    states = outcome["states"]
    assert (
        states.index("CheckParameterSync") < states.index("StartSnapshot") < states.index("CreateBlueGreenDeployment")
    )
    assert all(0 < wait <= 300 for wait in outcome["waits_seconds"])


def test_target_that_is_not_upgradable_changes_nothing(simulate):
    outcome = simulate("target-not-upgradable")
    assert outcome["status"] == "FAILED"
    assert outcome["error"]["error"] == "UpgradeTargetInvalid"
    assert outcome["states"][:4] == ["Initialize", "NotifyStarted", "Preflight", "NotifyFailure"]
    assert outcome["snapshots"] == [] and outcome["clusters"] == ["prod-db"]
    assert outcome["cluster"]["db_cluster_parameter_group"] == "default.aurora-postgresql13"
    assert outcome["cluster"]["min_capacity"] == 0.5
    assert "valid major targets: 14.17, 14.18" in outcome_notifications(outcome)[0]["message"]


def test_invalid_configuration_is_notified_without_switchover(simulate):
    outcome = simulate("green-invalid-configuration")
    assert outcome["status"] == "FAILED"
    assert "Switchover" not in outcome["states"]
    assert outcome["states"][-3:] == ["NotifyFailure", "RestoreCapacityAfterFailure", "UpgradeFailed"]
    assert outcome["cluster"]["engine_version"] == "13.20" and outcome["cluster"]["min_capacity"] == 0.5
    message = outcome_notifications(outcome)[0]["message"]
    assert "FAILED at step: CheckGreen" in message and "INVALID_CONFIGURATION" in message


def test_failed_task_of_the_deployment_ends_the_wait(simulate):
    outcome = simulate(
        "green-invalid-configuration", faults=[{"kind": "blue_green_task_failed", "task": "DB_ENGINE_VERSION_UPGRADE"}]
    )
    assert outcome["status"] == "FAILED"
    assert outcome["error"]["error"] == "BlueGreenTaskFailed"
    assert "DB_ENGINE_VERSION_UPGRADE" in outcome["error"]["message"]


def test_switchover_failure_leaves_blue_serving_the_old_version(simulate):
    outcome = simulate("switchover-failed")
    assert outcome["status"] == "FAILED"
    assert outcome["error"]["error"] == "SwitchoverFailed"
    assert outcome["cluster"]["engine_version"] == "13.20"
    assert "prod-db-old1" not in outcome["clusters"]
    assert outcome["cluster"]["min_capacity"] == 0.5
    assert "blue keeps serving" in outcome_notifications(outcome)[0]["message"]


def test_rerun_after_success_changes_nothing(simulate):
    outcome = simulate("rerun-after-success")
    assert [run["status"] for run in outcome["earlier_runs"]] == ["SUCCEEDED"]
    assert outcome["status"] == "SUCCEEDED"
    assert outcome["states"] == [
        "Initialize",
        "NotifyStarted",
        "Preflight",
        "AlreadyAtTarget",
        "NotifyAlreadyUpgraded",
        "AlreadyUpgraded",
    ]
    assert len(outcome["snapshots"]) == 1 and outcome["blue_green_deployments"] == []
    assert outcome["notifications"][-1]["subject"] == "[aurora-upgrade] prod-db already runs 14.18: nothing to do"


def test_deadline_ends_the_green_wait(simulate):
    outcome = simulate(
        "seed-blue-green",
        polls=40,
        input={
            "cluster_id": "prod-db",
            "target_engine_version": "14.18",
            "strategy": "blue_green",
            "deadlines": {"blue_green_ready_minutes": 15},
        },
    )
    assert outcome["status"] == "FAILED"
    assert outcome["error"]["error"] == "PollDeadlineExceeded"
    green_waits = [e["seconds"] for e in outcome["timeline"] if e["kind"] == "callback" and "AwaitGreen" in e["name"]]
    assert sum(green_waits) == 15 * 60, "the waits stop exactly at the deadline"


def test_throttling_beyond_botocore_retries_is_retried_by_the_state_machine(simulate):
    outcome = simulate("throttled-api")
    assert outcome["status"] == "SUCCEEDED"
    assert outcome["retry_sleeps_seconds"][:1] == [15.0], "the ASL's AwsThrottled retrier waited"
    assert outcome["states"].count("StartSnapshot") == 1
    assert {f["operation"] for f in outcome["faults_injected"]} == {
        "CreateDBClusterSnapshot",
        "SwitchoverBlueGreenDeployment",
    }


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.json")), ids=lambda p: p.stem)
def test_every_shipped_scenario_meets_its_expectation(shared_runs, path):
    scenario = Scenario.load(path)
    assert unmet(scenario.expect, shared_runs.run(scenario)) == []


def test_green_keeps_each_instances_promotion_tier_through_the_switchover(simulate):
    """AWS copies blue's configuration to green; failover order 0/1/15 must survive the upgrade."""
    instances = [
        {"id": "prod-db-writer", "writer": True, "promotion_tier": 0},
        {"id": "prod-db-reader-1", "promotion_tier": 1},
        {"id": "prod-db-reader-2", "promotion_tier": 15},
    ]
    cluster = Scenario.load(SCENARIOS / "seed-blue-green.json").cluster.model_dump() | {"instances": instances}
    outcome = simulate("seed-blue-green", cluster=cluster)
    assert outcome["status"] == "SUCCEEDED", outcome["error"]
    tiers = {i["id"]: i["promotion_tier"] for i in outcome["cluster"]["instances"]}
    assert tiers == {"prod-db-writer": 0, "prod-db-reader-1": 1, "prod-db-reader-2": 15}


ADVISED_DELETE = r"delete-blue-green-deployment --blue-green-deployment-identifier (\S+) --delete-target"


def test_after_a_failed_switchover_the_advised_delete_then_the_same_input_upgrades(cdk_out, monkeypatch):
    """The failure message's next steps, followed: delete the deployment with green, start the same input again."""
    execute = runner._execute

    def follow_advice_then_execute(machine_arn: str, region: str, name: str, given: dict, *rest: Any) -> dict:
        if "-before-" not in name:  # the second run: first do what the first one's failure message says
            failure = next(n for n in runner._notifications(region) if "FAILED at CheckSwitchover" in n["subject"])
            advised = re.search(ADVISED_DELETE, failure["message"])
            assert advised is not None, failure["message"]
            rds = boto3.client("rds", region_name=region)
            rds.delete_blue_green_deployment(BlueGreenDeploymentIdentifier=advised[1], DeleteTarget=True)
        return execute(machine_arn, region, name, given, *rest)

    monkeypatch.setattr(runner, "_execute", follow_advice_then_execute)
    scenario = Scenario.load(SCENARIOS / "switchover-failed-rerun.json").model_copy(update={"expect": None})
    outcome = run_scenario(scenario, cdk_out)
    assert [run["status"] for run in outcome["earlier_runs"]] == ["FAILED"]
    assert outcome["status"] == "SUCCEEDED", outcome["error"]
    assert outcome["cluster"]["engine_version"] == "14.18" and outcome["cluster"]["min_capacity"] == 0.5
    assert outcome["clusters"] == ["prod-db", "prod-db-old1"], "the first run's green went with its deployment"
