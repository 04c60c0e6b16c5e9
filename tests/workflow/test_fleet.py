"""Fleets in the simulator: the fleet state machine of the synthesis starts each cluster's upgrade as a child
execution (startExecution.sync:2) of the upgrade state machine, with the real handlers of both."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks.fleet import figures, fleet_scenario
from simulator.enforcement.limits import MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES
from simulator.engine import nested
from simulator.engine.runner import run_scenario
from simulator.scenario.model import Scenario
from tests.workflow.conftest import SCENARIOS, SharedRuns

FLEET_EVENTS = {"fleet_started", "fleet_wave_started", "fleet_wave_finished", "fleet_stopped", "fleet_finished"}


@pytest.fixture(scope="module")
def shipped(shared_runs: SharedRuns) -> Callable[[str], dict[str, Any]]:
    """Each shipped fleet scenario run once for the session (a fleet of 12 runs 12 upgrades)."""
    return lambda name: shared_runs.run(Scenario.load(SCENARIOS / f"{name}.json"))


def _fleet_messages(outcome: dict[str, Any]) -> list[str]:
    return [
        n["subject"].removeprefix("[aurora-upgrade] ") for n in outcome["notifications"] if n["event"] in FLEET_EVENTS
    ]


def _wave_of(name: str) -> int:
    return {"dev": 0, "staging": 1, "prod-eu": 2, "prod-us": 3}[name.removeprefix("fleet-").rsplit("-", 4)[0]]


def test_a_canary_then_three_waves_upgrade_twelve_clusters_in_order(shipped: Callable[[str], dict[str, Any]]) -> None:
    outcome = shipped("fleet-canary-three-waves")
    assert outcome["status"] == "SUCCEEDED", outcome["error"]
    children = outcome["upgrade_executions"]
    assert [c["status"] for c in children] == ["SUCCEEDED"] * 12
    started = [_wave_of(c["name"]) for c in children]
    assert started == sorted(started), f"a wave starts only after the one before it ended: {children}"
    assert set(outcome["engine_versions"].values()) == {"15.13"}
    assert outcome["waits_seconds"].count(1800) == 1 and outcome["waits_seconds"].count(3600) == 2, "bake times"
    assert _fleet_messages(outcome) == [
        "fleet pg-retire started: 12 clusters, 4 waves",
        *[
            line
            for wave in ("canary", "wave 1", "wave 2", "wave 3")
            for line in (
                f"fleet pg-retire: {wave} started, 3 clusters, at most 2 at once",
                f"fleet pg-retire: {wave} finished, 3 succeeded, 0 failed",
            )
        ],
        "fleet pg-retire finished: 12 upgraded, 0 failed",
    ]


def test_a_failed_canary_stops_every_wave(shipped: Callable[[str], dict[str, Any]]) -> None:
    outcome = shipped("fleet-canary-fails")
    assert outcome["execution_error"] == {
        "error": "FleetStopped",
        "cause": "canary: 1 of 3 clusters failed (dev-1); the fleet stops at 1 failed cluster in a wave",
    }
    assert sorted(c["name"] for c in outcome["upgrade_executions"]) == [
        "fleet-dev-1-to-15-13",
        "fleet-dev-2-to-15-13",
        "fleet-dev-3-to-15-13",
    ]
    untouched = {k: v for k, v in outcome["engine_versions"].items() if not k.startswith("dev-")}
    assert set(untouched.values()) <= {"13.20", "14.18"} and len(untouched) == 9
    assert not [s for s in outcome["snapshots"] if not s["id"].startswith("dev-")], "no other cluster was touched"
    assert _fleet_messages(outcome)[-1] == "fleet pg-retire stopped"


def test_a_wave_over_its_threshold_stops_the_waves_after_it_and_names_their_clusters(
    shipped: Callable[[str], dict[str, Any]],
) -> None:
    outcome = shipped("fleet-wave-over-threshold")
    assert outcome["execution_error"]["error"] == "FleetStopped"
    assert len(outcome["upgrade_executions"]) == 9
    assert not [c for c in outcome["upgrade_executions"] if c["name"].startswith("fleet-prod-us")]
    [stopped] = [n for n in outcome["notifications"] if n["event"] == "fleet_stopped"]
    assert "wave 2: 2 of 3 clusters failed (prod-eu-1, prod-eu-2)" in stopped["message"]
    assert "Not started (3): prod-us-1, prod-us-2, prod-us-3" in stopped["message"]
    assert '"attempt": 2' in stopped["message"]


def _small_fleet(**plan: Any) -> dict[str, Any]:
    """Two clusters: ``orders`` is the primary of a global database, which an in-place upgrade refuses."""
    clusters = [
        {
            "id": cluster_id,
            "engine_version": "13.20",
            "instances": [{"id": f"{cluster_id}-1", "instance_class": "db.r6g.large", "writer": True}],
            **({"global_cluster": "orders-global"} if cluster_id == "orders" else {}),
        }
        for cluster_id in ("orders", "billing")
    ]
    given = {
        "name": "small",
        "clusters": ["orders", "billing"],
        "targets": {"13": "15.13"},
        "strategy": "in_place",
        "plan": {"failure_threshold": 5, **plan},
    }
    return {
        "name": "small-fleet",
        "workflow": "fleet",
        "cluster": clusters[0],
        "other_clusters": clusters[1:],
        "input": given,
        "polls": 1,
    }


def test_the_same_fleet_again_starts_no_second_upgrade_and_a_new_attempt_starts_the_failed_one(cdk_out: Path) -> None:
    raw = _small_fleet()
    scenario = Scenario.model_validate(
        {**raw, "before": [raw["input"], raw["input"]], "input": {**raw["input"], "attempt": 2}}
    )
    outcome = run_scenario(scenario, cdk_out)
    first, second = outcome["earlier_runs"]
    assert first["status"] == second["status"] == outcome["status"] == "FAILED"
    assert [c["name"] for c in outcome["upgrade_executions"]] == [
        "fleet-orders-to-15-13",
        "fleet-billing-to-15-13",
        "fleet-orders-to-15-13-a2",
    ], "the second fleet met the first one's execution; only the new attempt started another"
    text = "\n".join(n["message"] for n in outcome["notifications"] if n["event"] == "fleet_wave_finished")
    assert "orders: an earlier execution (fleet-orders-to-15-13) ended FAILED" in text
    assert "billing: skipped, already on 15.13" in "\n".join(n["message"] for n in outcome["notifications"])


def test_a_fleet_preflight_reports_one_table_and_changes_nothing(cdk_out: Path) -> None:
    raw = _small_fleet()
    scenario = Scenario.model_validate({**raw, "input": {**raw["input"], "mode": "preflight"}})
    outcome = run_scenario(scenario, cdk_out)
    assert outcome["status"] == "SUCCEEDED", outcome["error"]
    assert outcome["engine_versions"] == {"orders": "13.20", "billing": "13.20"}
    assert outcome["snapshots"] == []
    [table] = [n for n in outcome["notifications"] if n["event"] == "fleet_preflight"]
    assert table["subject"].endswith("fleet small preflight: 1 of 2 clusters ready")
    lines = table["message"].splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("cluster"))
    assert [line.split()[:5] for line in lines[header : header + 3]] == [
        ["cluster", "version", "target", "strategy", "verdict"],
        ["orders", "13.20", "15.13", "in_place", "blocked"],
        ["billing", "13.20", "15.13", "in_place", "ready"],
    ]
    assert any(line.startswith("orders blocker: CP-global-database") for line in lines)
    [stored] = [r for r in outcome["reports"] if "/fleets/small/" in r["uri"]]
    import json

    rows = json.loads(stored["body"])["rows"]
    assert [(r["cluster_id"], r["verdict"]) for r in rows] == [("orders", "blocked"), ("billing", "ready")]
    assert rows[0]["report"].startswith("s3://") and rows[0]["blockers"][0].startswith("CP-global-database")


def test_a_fleet_naming_a_cluster_outside_the_configuration_starts_nothing(cdk_out: Path) -> None:
    raw = _small_fleet()
    outcome = run_scenario(Scenario.model_validate({**raw, "configured": False}), cdk_out)
    assert outcome["execution_error"]["error"] == "InvalidFleetInput"
    assert "not in the deployment's configuration" in outcome["execution_error"]["cause"]
    assert outcome["upgrade_executions"] == []
    [message] = [n for n in outcome["notifications"] if n["event"] == "fleet_failed"]
    assert message["subject"].endswith("fleet small could not start")
    assert (
        "InvalidFleetInput: not in the deployment's configuration (add them to cdk.json and deploy first): "
        in (message["message"])
    )
    assert "No cluster was started." in message["message"]


def test_without_the_managed_rule_permissions_no_child_starts(cdk_out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A .sync:2 task needs events:PutTargets/PutRule/DescribeRule on Step Functions' managed rule: a role that
    allows them on another rule fails every start (as AWS does), and the fleet stops after its first wave."""
    monkeypatch.setattr(nested, "SYNC_EVENTS_RULE", "SomeOtherRule")
    outcome = run_scenario(Scenario.model_validate(_small_fleet(failure_threshold=1)), cdk_out)
    assert outcome["upgrade_executions"] == []
    assert outcome["execution_error"]["error"] == "FleetIncomplete"
    denied = [a for a in outcome["authorizations"] if a["action"].startswith("events:") and not a["allowed_by"]]
    assert denied, "the events actions were checked and refused"


def test_a_waiting_task_knows_its_child_so_only_its_end_wakes_it(
    cdk_out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """simulator.engine.nested asks DescribeExecution for a waiting .sync:2 task when its own child ended: it finds
    the child's ARN in moto's resolver. Without it (moto renamed what the resolver closes over), every end wakes
    every waiting task to ask, as before."""
    found: list[str | None] = []

    def child_of(resolver: Any) -> str | None:
        found.append(nested_child_of(resolver))
        return found[-1]

    nested_child_of = nested._child_of
    monkeypatch.setattr(nested, "_child_of", child_of)
    outcome = run_scenario(fleet_scenario(3), cdk_out)
    assert outcome["status"] == "SUCCEEDED", outcome["error"]
    started = sorted(e["name"] for e in outcome["upgrade_executions"])
    assert sorted(arn.rpartition(":")[2] for arn in found if arn) == started and None not in found, found


def test_a_100_cluster_fleet_stays_far_below_the_history_and_state_limits(cdk_out: Path) -> None:
    import time

    started = time.perf_counter()
    outcome = run_scenario(fleet_scenario(100), cdk_out)
    found = figures(outcome, time.perf_counter() - started, 100)
    print(f"\n100-cluster fleet: {found}")
    assert found["status"] == "SUCCEEDED" and found["children_succeeded"] == 100, outcome["error"]
    assert found["parent_history_events"] < MAX_HISTORY_EVENTS / 10
    assert found["largest_state_bytes"] < MAX_PAYLOAD_BYTES / 2
