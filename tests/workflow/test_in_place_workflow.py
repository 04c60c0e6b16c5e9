"""In-place upgrade, automatic rollback and standalone restore, end to end through the synthesized ASL."""

from __future__ import annotations

import pytest

from simulator.scenario.model import Scenario
from tests.workflow.conftest import SCENARIOS


def test_in_place_upgrade_applies_both_target_groups_in_one_call(simulate):
    outcome = simulate("in-place-custom-groups")
    assert outcome["status"] == "SUCCEEDED", outcome["error"]
    cluster = outcome["cluster"]
    assert cluster["engine_version"] == "15.13"
    assert cluster["db_cluster_parameter_group"] == "dev-db-aurora-postgresql15-cluster"
    assert {i["parameter_group"] for i in cluster["instances"]} == {"dev-db-aurora-postgresql15-instance"}
    assert {i["engine_version"] for i in cluster["instances"]} == {"15.13"}
    states = outcome["states"]
    assert states.index("SnapshotAvailable") < states.index("StartInPlaceUpgrade"), "never without a snapshot"
    assert "RaiseCapacity" not in states and "CreateBlueGreenDeployment" not in states


def test_prechecks_failure_changes_nothing_and_rolls_nothing_back(simulate):
    outcome = simulate("in-place-prechecks-failed")
    assert outcome["status"] == "FAILED"
    assert outcome["error"]["error"] == "UpgradePrechecksFailed"
    assert "regproc" in outcome["error"]["message"], "the RDS events' text is reported"
    assert outcome["clusters"] == ["dev-db"] and outcome["cluster"]["engine_version"] == "14.18"
    assert "MoveAside" not in outcome["states"]


def test_failed_upgrade_is_rolled_back_with_the_original_settings_and_instances(simulate):
    outcome = simulate("in-place-failed-rollback")
    assert outcome["status"] == "FAILED" and outcome["states"][-1] == "UpgradeRolledBack"
    cluster = outcome["cluster"]
    assert (cluster["engine_version"], cluster["status"]) == ("14.18", "available")
    assert cluster["db_cluster_parameter_group"] == "dev-apg14"
    assert (cluster["min_capacity"], cluster["max_capacity"]) == (0.5, 4.0)
    assert cluster["deletion_protection"] is True
    assert cluster["tags"] == {"team": "platform", "env": "dev"}
    assert [(i["id"], i["writer"], i["promotion_tier"], i["parameter_group"]) for i in cluster["instances"]] == [
        ("dev-db-1", True, 0, "dev-apg14-instance"),
        ("dev-db-2", False, 1, "dev-apg14-instance"),
    ]
    aside = [c for c in outcome["clusters"] if c.startswith("dev-db-aside-")]
    assert len(aside) == 1, "the failed cluster is kept aside, not deleted"
    assert [s["status"] for s in outcome["snapshots"]] == ["available"], "the snapshot is kept"
    message = outcome["notifications"][-1]["message"]
    assert f"kept aside as {aside[0]}" in message and "Writes made after" in message


def test_rollback_can_delete_the_failed_cluster_when_asked(simulate):
    outcome = simulate(
        "in-place-failed-rollback",
        input={
            "cluster_id": "dev-db",
            "target_engine_version": "15.13",
            "strategy": "in_place",
            "delete_failed_cluster": True,
        },
        cluster={**_scenario_cluster("in-place-failed-rollback"), "deletion_protection": False},
    )
    assert outcome["clusters"] == ["dev-db"]
    assert "DeleteFailedCluster" in outcome["states"]
    assert any(s["id"].startswith("dev-db-aside-") and "-final-" in s["id"] for s in outcome["snapshots"])


def test_forced_rollback_rehearses_the_way_back(simulate):
    outcome = simulate(
        "in-place-custom-groups",
        input={
            "cluster_id": "dev-db",
            "target_engine_version": "15.13",
            "strategy": "in_place",
            "force_rollback": True,
        },
    )
    assert outcome["status"] == "SUCCEEDED", outcome["error"]
    assert outcome["states"][-1] == "Restored"
    assert outcome["cluster"]["engine_version"] == "14.18"
    assert outcome["cluster"]["db_cluster_parameter_group"] == "dev-apg14"
    assert len(outcome["cluster"]["instances"]) == 3


def test_standalone_restore_takes_back_a_regretted_blue_green_upgrade(simulate):
    outcome = simulate("standalone-restore")
    assert [run["status"] for run in outcome["earlier_runs"]] == ["SUCCEEDED"]
    assert outcome["status"] == "SUCCEEDED", outcome["error"]
    cluster = outcome["cluster"]
    assert cluster["engine_version"] == "13.20"
    assert cluster["db_cluster_parameter_group"] == "prod-db-aurora-postgresql13-cluster"
    assert [(i["id"], i["writer"]) for i in cluster["instances"]] == [
        ("prod-db-reader", False),
        ("prod-db-writer", True),
    ]
    assert {i["parameter_group"] for i in cluster["instances"]} == {"default.aurora-postgresql13"}
    assert any(c.startswith("prod-db-aside-") for c in outcome["clusters"]), "the 14.18 cluster is kept aside"


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"snapshot_id": "no-such-snapshot"}, "no DB cluster snapshot named 'no-such-snapshot'"),
        ({"snapshot_id": "bad_name"}, "snapshot_id"),
        ({"cluster_id": None}, "cluster_id"),
    ],
)
def test_bad_restore_input_fails_before_any_change(simulate, changes, text):
    given = {"action": "restore", "cluster_id": "prod-db", "snapshot_id": "x", **changes}
    outcome = simulate("target-not-upgradable", input={k: v for k, v in given.items() if v is not None})
    assert outcome["status"] == "FAILED"
    assert text in outcome["error"]["message"]
    assert outcome["clusters"] == ["prod-db"] and outcome["snapshots"] == []


def _scenario_cluster(name: str) -> dict:
    return Scenario.load(SCENARIOS / f"{name}.json").cluster.model_dump()
