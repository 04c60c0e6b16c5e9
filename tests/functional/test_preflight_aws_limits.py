"""Preflight finds what AWS would refuse later: deprecated minors, blue/green limits, global databases, proxies.

Each case runs the real preflight handler against the simulated RDS and checks that nothing changed.
"""

from __future__ import annotations

from typing import Any

import pytest
from preflight.handler import handler as preflight

from simulator.rds.realism import RealisticRds
from simulator.scenario.model import ClusterSpec, attach_features
from tests.functional.world import SEED_CLUSTER, call, initial_state, make_cluster, world_snapshot
from upgrade.shared.errors import UpgradeTargetInvalid


def _checks(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in plan["report"]["checks"]}


def _cluster_with(rds_client: Any, world: RealisticRds, **features: Any) -> None:
    spec = ClusterSpec.model_validate({**SEED_CLUSTER, **features})
    make_cluster(rds_client, **features)
    attach_features(rds_client, spec, world)


def test_a_cluster_on_a_deprecated_minor_gets_a_plan(rds_client):
    make_cluster(rds_client, engine_version="13.9")
    plan = call(preflight, initial_state(strategy="in_place"))
    assert (plan["source_version"], plan["cluster"]["family"]) == ("13.9", "aurora-postgresql13")
    assert plan["blocked"] is False


def test_a_target_aws_no_longer_offers_is_refused_before_any_change(rds_client, world):
    make_cluster(rds_client)
    world.unavailable_versions = frozenset({"14.18"})
    before = world_snapshot(rds_client)
    with pytest.raises(UpgradeTargetInvalid, match=r"14\.18 is not a valid major upgrade target"):
        call(preflight, initial_state())
    assert world_snapshot(rds_client) == before


def test_a_deprecated_target_listed_as_valid_is_still_refused(rds_client, world, monkeypatch):
    """Should AWS list a version it no longer offers as a ValidUpgradeTarget, the target lookup refuses it."""
    make_cluster(rds_client)
    world.unavailable_versions = frozenset({"14.18"})
    monkeypatch.setattr("upgrade.preflight.run._require_valid_target", lambda *_: None)
    with pytest.raises(UpgradeTargetInvalid, match=r"14\.18 is no longer available \(deprecated\)"):
        call(preflight, initial_state())


def test_blue_green_from_below_the_minimum_source_is_blocked_before_any_change(rds_client):
    make_cluster(rds_client, engine_version="13.9")
    before = world_snapshot(rds_client)
    plan = call(preflight, initial_state())
    assert plan["blocked"] is True
    check = _checks(plan)["CP-blue-green-source-version"]
    assert check["status"] == "fail"
    assert "13.12" in check["evidence"][0]["detail"]
    assert "minor upgrade to 13.12" in check["remediation"] and "in_place" in check["remediation"]
    assert world_snapshot(rds_client) == before


def test_the_minimum_source_version_does_not_apply_in_place(rds_client):
    make_cluster(rds_client, engine_version="13.9")
    check = _checks(call(preflight, initial_state(strategy="in_place")))["CP-blue-green-source-version"]
    assert check["status"] == "pass"


def test_a_zero_etl_integration_blocks_blue_green_and_is_named(rds_client, world):
    _cluster_with(rds_client, world, zero_etl_integrations=["orders-to-redshift"])
    plan = call(preflight, initial_state())
    check = _checks(plan)["CP-zero-etl"]
    assert plan["blocked"] is True and check["status"] == "fail"
    assert [e["object_name"] for e in check["evidence"]] == ["orders-to-redshift"]
    assert _checks(call(preflight, initial_state(strategy="in_place")))["CP-zero-etl"]["status"] == "pass"


def test_proxies_that_target_the_cluster_are_listed_as_a_warning(rds_client, world):
    _cluster_with(rds_client, world, rds_proxies=["app-proxy"])
    plan = call(preflight, initial_state())
    check = _checks(plan)["CP-rds-proxy"]
    assert check["status"] == "warn" and [e["object_name"] for e in check["evidence"]] == ["app-proxy"]
    assert "follows the switchover" in check["evidence"][0]["detail"]
    assert plan["blocked"] is False


def test_a_global_database_member_can_be_upgraded_by_blue_green(rds_client, world):
    _cluster_with(rds_client, world, global_cluster="orders-global")
    plan = call(preflight, initial_state())
    assert _checks(plan)["CP-global-database"]["status"] == "pass"
    assert plan["blocked"] is False


def test_a_global_database_member_is_not_upgraded_in_place(rds_client, world):
    _cluster_with(rds_client, world, global_cluster="orders-global")
    plan = call(preflight, initial_state(strategy="in_place"))
    check = _checks(plan)["CP-global-database"]
    assert plan["blocked"] is True and check["status"] == "fail"
    assert "modify-global-cluster --global-cluster-identifier orders-global" in check["remediation"]
    assert "blue_green" in check["remediation"]


def test_rds_proxy_on_a_global_database_member_blocks_blue_green(rds_client, world):
    _cluster_with(rds_client, world, global_cluster="orders-global", rds_proxies=["app-proxy"])
    plan = call(preflight, initial_state())
    assert _checks(plan)["CP-rds-proxy"]["status"] == "fail"
    assert plan["blocked"] is True


def test_preflight_reads_no_integration_or_proxy_for_in_place(rds_client, world):
    make_cluster(rds_client)
    world.calls.clear()
    call(preflight, initial_state(strategy="in_place"))
    assert not {"DescribeIntegrations", "DescribeDBProxies"} & set(world.calls)
