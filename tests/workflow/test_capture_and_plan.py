"""capture -> plan: three differently shaped clusters seeded in moto, captured with read-only calls, rehearsed
in the simulator; each plan matched against a hand-checked expectation, and each rehearsal of the captured
scenario ending where the workflow ends on the hand-written cluster."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from simulator.engine.runner import run_scenario
from simulator.rds.faults import FaultPlan
from simulator.rds.realism import realistic_rds
from simulator.scenario.model import ClusterSpec, Scenario, seed
from tests.workflow.conftest import SCENARIOS
from upgrade_cli.__main__ import main
from upgrade_cli.capture import capture
from upgrade_cli.plan import Plan, build_plan, catalogue_differences, rehearsal

REGION = "eu-west-2"
SEEDED_PASSWORD = "simulated-password"  # what simulator.scenario.model seeds as the master password

SHAPES: dict[str, dict[str, Any]] = {
    # the seed guide's cluster: Serverless v2 below 1 ACU, default groups, a writer and a reader
    "serverless-default": {
        "cluster": {
            "id": "prod-db",
            "engine_version": "13.20",
            "serverless_v2": {"min_capacity": 0.5, "max_capacity": 8},
            "instances": [
                {"id": "prod-db-writer", "instance_class": "db.serverless", "writer": True, "promotion_tier": 0},
                {"id": "prod-db-reader", "instance_class": "db.serverless", "promotion_tier": 1},
            ],
            "tags": {"team": "payments"},
        },
        "target": "14.18",
        "strategy": "blue_green",
    },
    # provisioned, custom groups with logical replication already on, CMK-encrypted, deletion protection, 3 tiers
    "provisioned-custom-encrypted": {
        "cluster": {
            "id": "orders",
            "engine_version": "14.18",
            "cluster_parameter_group": {
                "name": "orders-apg14",
                "family": "aurora-postgresql14",
                "parameters": {"rds.logical_replication": "1", "log_min_duration_statement": "500"},
            },
            "instances": [
                {
                    "id": "orders-1",
                    "instance_class": "db.r6g.large",
                    "writer": True,
                    "promotion_tier": 0,
                    "parameter_group": {
                        "name": "orders-apg14-instance",
                        "family": "aurora-postgresql14",
                        "parameters": {"work_mem": "16384"},
                    },
                },
                {
                    "id": "orders-2",
                    "instance_class": "db.r6g.large",
                    "promotion_tier": 1,
                    "parameter_group": {
                        "name": "orders-apg14-instance",
                        "family": "aurora-postgresql14",
                        "parameters": {"work_mem": "16384"},
                    },
                },
                {"id": "orders-3", "instance_class": "db.r6g.xlarge", "promotion_tier": 2},
            ],
            "deletion_protection": True,
            "encryption": "customer",
            "tags": {"team": "orders", "env": "prod"},
        },
        "target": "16.9",
        "strategy": "blue_green",
    },
    # a dev cluster upgraded in place, AWS managed key, a cluster group with a parameter the target drops
    "in-place-dev": {
        "cluster": {
            "id": "dev-db",
            "engine_version": "14.18",
            "cluster_parameter_group": {
                "name": "dev-apg14",
                "family": "aurora-postgresql14",
                "parameters": {"stats_temp_directory": "/rdsdbdata/stats", "force_parallel_mode": "regress"},
            },
            "instances": [
                {"id": "dev-db-1", "instance_class": "db.t4g.medium", "writer": True, "promotion_tier": 0},
                {"id": "dev-db-2", "instance_class": "db.t4g.medium", "promotion_tier": 15},
            ],
            "encryption": "aws",
        },
        "target": "15.13",
        "strategy": "in_place",
    },
}


def _hand_written(shape: str) -> Scenario:
    cluster = SHAPES[shape]["cluster"]
    return Scenario.model_validate(
        {"name": shape, "region": REGION, "cluster": cluster, "input": {"cluster_id": cluster["id"]}}
    )


def _captured(shape: str) -> dict[str, Any]:
    """Seed the hand-written cluster in a fresh moto account and capture it with read-only calls."""
    scenario = _hand_written(shape)
    with mock_aws(), realistic_rds(FaultPlan.from_json([]), polls=3) as realism:
        seed(scenario, realism)
        return capture(boto3.Session(region_name=REGION), scenario.cluster.id)


class Rehearsed:
    def __init__(self, shape: str, cdk_out: Path) -> None:
        target, strategy = SHAPES[shape]["target"], SHAPES[shape]["strategy"]
        self.captured = _captured(shape)
        self.scenario = rehearsal(Scenario.model_validate(self.captured), target, strategy)
        self.outcome = run_scenario(self.scenario, cdk_out)
        self.plan: Plan = build_plan(self.scenario, self.outcome)
        self.text = self.plan.text()
        # the same upgrade of the hand-written cluster, under the same execution name and durations
        original = rehearsal(_hand_written(shape), target, strategy).model_copy(
            update={"execution_name": self.scenario.execution_name}
        )
        self.original = run_scenario(original, cdk_out)


@pytest.fixture(scope="module")
def rehearsed(cdk_out: Path) -> dict[str, Rehearsed]:
    return {shape: Rehearsed(shape, cdk_out) for shape in SHAPES}


def _by_id(spec: ClusterSpec) -> ClusterSpec:
    return spec.model_copy(update={"instances": sorted(spec.instances, key=lambda i: i.id)})


@pytest.mark.parametrize("shape", SHAPES)
def test_capture_writes_the_cluster_as_it_was_seeded_and_nothing_secret(rehearsed, shape):
    captured = rehearsed[shape].captured
    assert _by_id(ClusterSpec.model_validate(captured["cluster"])) == _by_id(
        ClusterSpec.model_validate(SHAPES[shape]["cluster"])
    )
    assert captured["captured"]["account"] == "123456789012"
    assert captured["captured"]["region"] == REGION
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", captured["captured"]["at"])
    text = json.dumps(captured)
    for secret in (SEEDED_PASSWORD, '"postgres"', "arn:aws:kms", "rds.amazonaws.com"):
        assert secret not in text
    source = captured["captured"]["engine_versions"][0]
    assert source["EngineVersion"] == SHAPES[shape]["cluster"]["engine_version"]
    assert SHAPES[shape]["target"] in {t["EngineVersion"] for t in source["ValidUpgradeTarget"]}


def _with_proxy() -> Scenario:
    seed_scenario = Scenario.load(SCENARIOS / "seed-blue-green.json")
    return seed_scenario.model_copy(
        update={"cluster": seed_scenario.cluster.model_copy(update={"rds_proxies": ["orders-proxy"]})}
    )


@pytest.mark.parametrize(
    "scenario",
    [
        Scenario.load(SCENARIOS / f"{name}.json")
        for name in (
            "global-member-blue-green",  # global database
            "zero-etl-blocks-blue-green",  # zero-ETL integration
            "preflight-blocked",  # Secrets Manager-managed password, a provisioned writer in a Serverless v2 cluster
            "in-place-failed-rollback-cmk",  # customer managed key, custom groups
        )
    ]
    + [_with_proxy()],
    ids=lambda scenario: scenario.name,
)
def test_capture_keeps_the_features_the_preflight_judges(scenario):
    with mock_aws(), realistic_rds(FaultPlan.from_json([]), polls=3) as realism:
        seed(scenario, realism)
        captured = capture(boto3.Session(region_name=scenario.region), scenario.cluster.id)
    assert _by_id(ClusterSpec.model_validate(captured["cluster"])) == _by_id(scenario.cluster)


ASL_PATH = Path(__file__).resolve().parents[2] / "statemachines" / "upgrade.asl.json"
PROBE_BRANCH_STATES = frozenset(json.loads(ASL_PATH.read_text())["States"]["SwitchoverWindow"]["Branches"][1]["States"])


@pytest.mark.parametrize("shape", SHAPES)
def test_the_captured_cluster_ends_where_the_hand_written_one_does(rehearsed, shape):
    run = rehearsed[shape]
    for key in ("status", "cluster", "clusters", "snapshots"):
        assert run.outcome[key] == run.original[key], key
    # the switchover probe's branch runs beside the switchover's (a Parallel): where its states fall among the
    # switchover's is the threads' timing, so the order is compared without them, and every state is compared
    assert _without_probe(run.outcome["states"]) == _without_probe(run.original["states"])
    assert sorted(run.outcome["states"]) == sorted(run.original["states"])
    assert run.outcome["status"] == "SUCCEEDED"
    assert not run.plan.stops


def _without_probe(states: list[str]) -> list[str]:
    return [s for s in states if s not in PROBE_BRANCH_STATES]


def test_plan_of_the_serverless_cluster_on_default_groups(rehearsed):
    text = rehearsed["serverless-default"].text
    assert "Verdict: the upgrade would finish: prod-db on 14.18 after 00:49:00." in text
    assert "  [WARN] CP-logical-replication: Logical replication is not yet in effect" in text
    expected_in_order = [
        " 1. 00:00:00  Serverless v2 minimum capacity raised 0.5 -> 1.0 ACU (put back at the end)",
        " 2. 00:00:00  cluster parameter group prod-db-aurora-postgresql13-cluster created, attached, "
        "rds.logical_replication = 1 (static: needs a reboot)",
        " 3. 00:01:00-00:03:00  writer prod-db-writer rebooted (OUTAGE): writes and reads through the writer stop",
        " 4. 00:03:00  target parameter groups prod-db-aurora-postgresql14-cluster and "
        "prod-db-aurora-postgresql14-instance created (aurora-postgresql14); cluster: carried rds.logical_replication",
        " 5. 00:03:00-00:13:00  snapshot prod-db-pre-upgrade-13-20-to-14-18-plan-prod-db taken (WAIT;",
        " 6. 00:13:00-00:43:00  blue/green deployment prod-db-upgrade-13-20-to-14-18 created: green prod-db-green-",
        " 8. 00:43:00-00:48:00  approval asked: WAIT for a person (rehearsed: approve after 5 min)",
        " 9. 00:48:00-00:49:00  switchover (OUTAGE): writes stop on blue and green, connections drop; "
        "rolled back past 300 s",
        "10. 00:49:00  verified: prod-db on 14.18 (prod-db-reader 14.18, prod-db-writer 14.18)",
        "11. 00:49:00  blue/green deployment object deleted; old cluster prod-db-old1 kept",
        "12. 00:49:00  Serverless v2 capacity put back to 0.5-8.0 ACU on prod-db, prod-db-old1",
    ]
    _assert_in_order(text, expected_in_order)
    writes = text.split("Where writes stop:\n")[1].split("\n\n")[0]
    assert writes.splitlines() == [
        "  - writer prod-db-writer rebooted (OUTAGE): from 00:01:00 for about 2 min",
        "  - switchover (OUTAGE): from 00:48:00 for about 1 min",
        "  - in all: about 3 min",
    ]
    assert (
        "green beside blue from 00:13:00 to 00:49:00 (36 min): a second cluster with 2 x db.serverless "
        "(1.0-8.0 ACU each)" in text
    )
    assert "cluster prod-db-old1 (the old blue, read-only, 2 x db.serverless (0.5-8.0 ACU each))" in text
    assert (
        "parameter groups prod-db-aurora-postgresql13-cluster, prod-db-aurora-postgresql14-cluster, "
        "prod-db-aurora-postgresql14-instance (no charge)" in text
    )


def test_plan_of_the_provisioned_cluster_with_logical_replication_already_on(rehearsed):
    text = rehearsed["provisioned-custom-encrypted"].text
    assert "Verdict: the upgrade would finish: orders on 16.9 after 00:46:00." in text
    assert "14 passed, 0 warnings, 0 failed, 1 skipped" in text
    _assert_in_order(
        text,
        [
            " 1. 00:00:00  cluster parameter group orders-apg14 already has rds.logical_replication = 1 in effect: "
            "no change, no reboot",
            " 2. 00:00:00  target parameter groups orders-aurora-postgresql16-cluster and "
            "orders-aurora-postgresql16-instance created (aurora-postgresql16); cluster: carried "
            "log_min_duration_statement, rds.logical_replication; instance: carried work_mem",
            " 3. 00:00:00-00:10:00  snapshot orders-pre-upgrade-14-18-to-16-9-plan-orders taken",
            " 4. 00:10:00-00:40:00  blue/green deployment orders-upgrade-14-18-to-16-9 created",
            " 7. 00:45:00-00:46:00  switchover (OUTAGE)",
            " 8. 00:46:00  verified: orders on 16.9 (orders-1 16.9, orders-2 16.9, orders-3 16.9)",
        ],
    )
    assert "rebooted" not in text and "Serverless" not in text
    writes = text.split("Where writes stop:\n")[1].split("\n\n")[0]
    assert writes == "  - switchover (OUTAGE): from 00:45:00 for about 1 min"
    assert "a second cluster with 2 x db.r6g.large, 1 x db.r6g.xlarge, billed like blue" in text


def test_plan_of_the_in_place_upgrade(rehearsed):
    text = rehearsed["in-place-dev"].text
    assert "Plan: dev-db 14.18 -> 15.13 by in place" in text
    assert "Verdict: the upgrade would finish: dev-db on 15.13 after 00:40:00." in text
    _assert_in_order(
        text,
        [
            " 1. 00:00:00  target parameter groups dev-db-aurora-postgresql15-cluster created (aurora-postgresql15); "
            "cluster: carried force_parallel_mode; dropped stats_temp_directory (not a parameter of the target family)",
            " 2. 00:00:00-00:10:00  snapshot dev-db-pre-upgrade-14-18-to-15-13-plan-dev-db taken",
            " 3. 00:10:00-00:40:00  in-place upgrade to 15.13 (OUTAGE): "
            "the cluster is down while its engine is upgraded",
        ],
    )
    assert "in-place upgrade to 15.13 (OUTAGE): from 00:10:00 for about 30 min" in text
    assert "While it runs:\n  - nothing extra" in text
    left = text.split("Left behind:\n")[1]
    assert left == (
        "  - snapshot dev-db-pre-upgrade-14-18-to-15-13-plan-dev-db (available): manual snapshot storage is billed "
        "until you delete it\n"
        "  - parameter groups dev-db-aurora-postgresql15-cluster (no charge)"
    )


def test_cli_capture_then_plan_writes_the_plan_and_its_page(cdk_out, tmp_path, capsys):
    scenario = _hand_written("serverless-default")
    path = tmp_path / "prod-db.json"
    with mock_aws(), realistic_rds(FaultPlan.from_json([]), polls=3) as realism:
        seed(scenario, realism)
        assert main(["capture", "--cluster", "prod-db", "--region", REGION, "--out", str(path)]) == 0
    assert f"wrote {path}: prod-db (13.20)" in capsys.readouterr().out
    html = tmp_path / "plan.html"
    status = main(
        ["plan", "--scenario", str(path), "--target", "14.18", "--strategy", "blue_green"]
        + ["--html", str(html), "--cdk-out", str(cdk_out)]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "Verdict: the upgrade would finish: prod-db on 14.18" in out
    assert out.rstrip().endswith(f"HTML report: {html}")
    page = html.read_text()
    assert '<section id="plan"><h2>Plan</h2><pre>Plan: prod-db 13.20 -&gt; 14.18 by blue/green' in page


def test_cli_plan_exits_1_when_the_upgrade_would_stop(cdk_out, tmp_path, capsys):
    raw = _hand_written("serverless-default").model_dump()
    raw["cluster"]["manage_master_user_password"] = True  # blue/green refuses it: preflight blocks
    path = tmp_path / "managed.json"
    path.write_text(json.dumps(raw))
    status = main(
        ["plan", "--scenario", str(path), "--target", "14.18", "--strategy", "blue_green"]
        + ["--html", str(tmp_path / "managed.html"), "--cdk-out", str(cdk_out)]
    )
    out = capsys.readouterr().out
    assert status == 1
    assert (
        "Verdict: the upgrade would STOP at the preflight, before any change: 1 blocking finding "
        "(CP-managed-master-password)." in out
    )
    assert "[FAIL] CP-managed-master-password" in out
    assert "Assumed durations" not in out  # nothing long ran
    assert "Changes, in order (simulated clock):\n\nWhere writes stop:\n  - nowhere" in out


def test_cli_plan_of_a_cluster_captures_it_first(rehearsed, cdk_out, tmp_path, monkeypatch, capsys):
    """--cluster composes capture and plan; the capture (moto's account) is the one taken above."""
    captured = rehearsed["in-place-dev"].captured
    asked: list[tuple[str | None, str]] = []

    def fake_capture(session: Any, cluster_id: str) -> dict[str, Any]:
        asked.append((session.region_name, cluster_id))
        return captured

    monkeypatch.setattr("upgrade_cli.capture.capture", fake_capture)
    html = tmp_path / "dev.html"
    status = main(
        ["plan", "--cluster", "dev-db", "--region", REGION, "--target", "15.13", "--strategy", "in_place"]
        + ["--html", str(html), "--cdk-out", str(cdk_out)]
    )
    assert status == 0 and asked == [(REGION, "dev-db")]
    assert capsys.readouterr().out.startswith(rehearsed["in-place-dev"].text)
    assert html.exists()


def test_cli_capture_of_a_cluster_that_is_not_there_writes_nothing_and_exits_2(tmp_path, capsys):
    path = tmp_path / "none.json"
    with mock_aws():
        assert main(["capture", "--cluster", "nope", "--region", REGION, "--out", str(path)]) == 2
    assert capsys.readouterr().err == f"error: no DB cluster nope in {REGION}\n"
    assert not path.exists()


def test_cli_plan_refuses_an_invalid_scenario_with_status_2(tmp_path, capsys):
    path = tmp_path / "broken.json"
    path.write_text("{")
    assert main(["plan", "--scenario", str(path), "--target", "14.18", "--strategy", "in_place"]) == 2
    assert f"error: {path}: not JSON" in capsys.readouterr().err


def test_a_target_the_captured_region_does_not_offer_stops_the_plan(rehearsed):
    run = rehearsed["serverless-default"]
    captured = run.scenario.captured
    assert captured is not None and catalogue_differences(run.scenario) == []
    source = dict(captured.engine_versions[0])
    source["ValidUpgradeTarget"] = [t for t in source["ValidUpgradeTarget"] if t["EngineVersion"] != "14.18"]
    narrower = captured.model_copy(update={"engine_versions": [source, *captured.engine_versions[1:]]})
    scenario = run.scenario.model_copy(update={"captured": narrower})
    plan = build_plan(scenario, run.outcome)
    assert plan.stops
    assert "Verdict: the rehearsal finished, but the real upgrade would STOP: the Region's catalogue differs." in (
        plan.text()
    )
    assert "Catalogue: 14.18 is not a ValidUpgradeTarget of 13.20 in eu-west-2: AWS refuses it" in plan.text()


def _assert_in_order(text: str, expected: list[str]) -> None:
    position = 0
    for line in expected:
        found = text.find(line, position)
        assert found >= 0, f"not found after position {position}: {line!r}\n{text}"
        position = found + len(line)


def test_a_version_the_captured_region_no_longer_offers_is_deprecated_in_the_rehearsal(rehearsed):
    captured = json.loads(json.dumps(rehearsed["serverless-default"].captured))
    captured["captured"]["engine_versions"][0]["Status"] = "deprecated"  # 13.20
    scenario = rehearsal(Scenario.model_validate(captured), "14.18", "blue_green")
    assert scenario.deprecated_versions == ["11.9", "12.9", "13.20", "13.9"]
    assert (
        rehearsal(
            Scenario.model_validate(rehearsed["serverless-default"].captured), "14.18", "blue_green"
        ).deprecated_versions
        is None
    )
