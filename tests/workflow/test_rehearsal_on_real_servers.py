"""The seed's upgrade rehearsed on real PostgreSQL 13.20 (blue) and 14.18 (green) servers: green copied from blue and
kept in step by logical replication, traffic on blue, the post-upgrade step and the consistency check on the real
databases, the switchover done on the servers with its write downtime measured; and what goes wrong for real when
blue's schema changes while green exists. One run per module fixture (each starts and removes its own servers)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from simulator.databases.rehearsal import DEFAULT_SEED, Rehearsal
from simulator.engine.runner import run_scenario
from simulator.scenario.model import Scenario
from tests.workflow.conftest import SCENARIOS, outcome_notifications

NO_PRIMARY_KEY_TABLE = """
\\connect shop
CREATE TABLE audit_log (at timestamptz NOT NULL DEFAULT now(), what text);
INSERT INTO audit_log (what) SELECT 'event ' || g FROM generate_series(1, 10) g;
"""


def _seed_scenario(**changes: Any) -> Scenario:
    raw = Scenario.load(SCENARIOS / "seed-blue-green.json").model_dump()
    raw["input"] = {**raw["input"], "require_approval": False}
    raw["real_databases"] = {**raw["real_databases"], **changes.pop("real_databases", {})}
    return Scenario.model_validate({**raw, **changes})


def _gone(outcome: dict[str, Any]) -> None:
    """Every server was stopped (its port refuses connections) and its data directory removed."""
    servers = outcome["real_databases"]["servers"]
    assert servers, outcome["real_databases"]
    for server in servers.values():
        assert not Path(server["data_directory"]).exists(), server
        host, _, port = server["address"].rpartition(":")
        with pytest.raises(OSError), socket.create_connection((host, int(port)), timeout=1):
            pass


@pytest.fixture(scope="module")
def upgraded(cdk_out: Path) -> dict[str, Any]:
    # a sequence advanced on blue after green was made: replication leaves it behind
    scenario = _seed_scenario(
        real_databases={"changes_on_blue": ["SELECT nextval('invoice_numbers') FROM generate_series(1, 5)"]}
    )
    return run_scenario(scenario, cdk_out)


def test_green_is_analyzed_updated_and_checked_on_the_real_servers(upgraded) -> None:
    assert upgraded["status"] == "SUCCEEDED", upgraded["error"]
    final = outcome_notifications(upgraded)[-1]["message"]
    assert "ANALYZE: postgres (single pass" in final and "shop (single pass" in final, final
    assert "Extension updated in shop: cube 1.4 -> 1.5" in final
    assert "Blue/green consistency check PASSED" in final and "databases postgres, shop" in final
    real = upgraded["real_databases"]
    assert (real["blue"], real["green"]) == ("13.20", "14.18")
    assert [e["what"] for e in real["events"]][:2] == [
        "blue started and seeded",
        "green copied from blue and subscribed",
    ]


def test_sequences_left_behind_by_replication_are_reported_then_synchronized(upgraded) -> None:
    final = outcome_notifications(upgraded)[-1]["message"]
    assert "sequence shop.public.invoice_numbers: blue last_value 1029, green 1024" in final, final
    switched = next(e for e in upgraded["real_databases"]["events"] if e["what"].startswith("switchover: replication"))
    assert switched["sequences"] >= 3  # invoice_numbers, orders_id_seq, the heartbeat's (customers' identity too)


def test_a_table_without_primary_key_blocks_the_preflight_and_blue_would_refuse_its_updates(
    cdk_out: Path, tmp_path: Path
) -> None:
    """The preflight's verdict on a table without a primary key or replica identity, proven on the servers."""
    seed = tmp_path / "seed.sql"
    seed.write_text(DEFAULT_SEED.read_text() + NO_PRIMARY_KEY_TABLE)
    blocked = run_scenario(_seed_scenario(real_databases={"seed_sql": str(seed)}), cdk_out)
    assert blocked["status"] == "FAILED" and "CreateBlueGreenDeployment" not in blocked["states"]
    failure = outcome_notifications(blocked)[-1]["message"]
    assert "[FAIL] BG-no-primary-key" in failure and "shop.public.audit_log" in failure, failure
    _gone(blocked)

    changes = ["INSERT INTO audit_log (what) VALUES ('inserted')", "UPDATE audit_log SET what = 'edited'"]
    with Rehearsal("13.20", "14.18", seed, changes_on_blue=changes) as rehearsal:
        rehearsal.green_created(object(), object())  # publication FOR ALL TABLES, as green needs
        [refused] = rehearsal.change_errors
    assert (
        refused.startswith("UPDATE audit_log")
        and ('cannot update table "audit_log" because it does not have a replica identity and publishes updates')
        in refused
    ), refused


def test_the_probe_measures_the_write_downtime_through_the_cluster_endpoint(upgraded) -> None:
    """The workflow's own probe (its real handler, a Parallel branch beside the switchover) wrote through the cluster
    endpoint while the switchover ran on the servers: blue answered first, writes were refused, green took over."""
    probe_events = [e for e in upgraded["timeline"] if str(e.get("name", "")).startswith("SwitchoverProbeFunction")]
    assert "downtime" in upgraded["real_databases"], f"no result of the probe; its events: {probe_events}"
    downtime = upgraded["real_databases"]["downtime"]
    assert downtime["measured"] and downtime["stopped"] == "switched", downtime
    segments = downtime["timeline"]
    assert segments[0]["ok"] and segments[0]["version"] == "13.20", segments[0]
    first_green = next(n for n, segment in enumerate(segments) if segment["version"] == "14.18")
    # writes on green succeed from the first one: the heartbeat's sequence was synchronized, else its replicated
    # ids would collide with green's own
    assert all(s["ok"] and s["version"] == "14.18" for s in segments[first_green:]), segments
    assert sum(s["count"] for s in segments[first_green:]) >= 4  # the stop rule: the new version settled
    refused = [s for s in segments[:first_green] if not s["ok"]]
    assert refused and all(s["version"] in ("13.20", None) for s in refused), segments  # blue refused, nobody else
    assert not any(s["ok"] for s in segments[segments.index(refused[0]) : first_green]), "blue never came back"
    assert downtime["first_new_version_write_at"] == segments[first_green]["start"]
    assert downtime["writes_refused"] == sum(s["count"] for s in segments if not s["ok"])
    assert downtime["unavailable_from"] == refused[0]["start"]
    assert downtime["unavailable_until"] == segments[first_green]["start"]
    assert downtime["unavailable_seconds"] > 0
    probe_calls = {
        (a["action"], tuple(a["allowed_by"]))
        for a in upgraded["authorizations"]
        if a["principal"].startswith("SwitchoverProbeFunction")
    }
    assert probe_calls >= {
        ("secretsmanager:GetSecretValue", ("ReadDatabaseCredentials",)),
        ("rds:DescribeDBClusters", ("DescribeCluster",)),
    }, probe_calls  # each of its grants is needed (test_fault_matrix's NOT_EXERCISED sends here)
    done = next(n for n in upgraded["notifications"] if n.get("event") == "switchover_done")["message"]
    final = outcome_notifications(upgraded)[-1]["message"]
    for message in (done, final):
        assert "Write unavailability during the switchover" in message, message
        assert f"{downtime['unavailable_seconds']} s, from {downtime['unavailable_from']}" in message
        assert f"first write on 14.18 at {downtime['first_new_version_write_at']}" in message


def test_the_servers_are_stopped_and_removed(upgraded) -> None:
    _gone(upgraded)


@pytest.fixture(scope="module")
def schema_changed(cdk_out: Path) -> dict[str, Any]:
    scenario = _seed_scenario(
        real_databases={
            "changes_on_blue": [
                "ALTER TABLE orders ADD COLUMN note text",  # no write into it yet: row counts alone would pass
                "CREATE TABLE coupons (code text PRIMARY KEY)",
                "INSERT INTO coupons VALUES ('WELCOME')",  # published (FOR ALL TABLES), absent on green
                "SELECT lo_from_bytea(0, 'scan of an invoice')",
            ]
        }
    )
    return run_scenario(scenario, cdk_out)


def test_a_schema_change_on_blue_holds_the_switchover_with_the_change_named(schema_changed) -> None:
    assert schema_changed["status"] == "FAILED"
    assert "Switchover" not in schema_changed["states"]
    error = schema_changed["error"]
    assert error["step"].startswith("ConsistencyCheckFunction") and error["error"] == "ConsistencyMismatch", error
    for change in (
        "schema change in database shop: table public.orders: column note text (on blue only)",
        "schema change in database shop: table public.coupons: created on blue",
        "schema change in database shop: large objects: 1 on blue, 0 on green (not replicated)",
    ):
        assert change in error["message"], error["message"]
    assert "apply the same change on green" in error["message"]
    failure = outcome_notifications(schema_changed)[-1]["message"]
    assert "column note text (on blue only)" in failure and "--delete-target" in failure
    _gone(schema_changed)


@pytest.fixture(scope="module")
def unchecked_schema_change(cdk_out: Path) -> dict[str, Any]:
    scenario = _seed_scenario(
        input={**_seed_scenario().input, "require_approval": False, "consistency_check": {"enabled": False}},
        real_databases={"changes_on_blue": ["ALTER TABLE orders ADD COLUMN note text"]},
    )
    return run_scenario(scenario, cdk_out)


def test_without_the_check_the_switchover_guardrail_refuses_a_schema_change(unchecked_schema_change) -> None:
    """As Aurora's own guardrail does ("Replication degraded"): the switchover fails and blue keeps serving."""
    outcome = unchecked_schema_change
    assert outcome["status"] == "FAILED"
    assert outcome["cluster"]["engine_version"] == "13.20"
    assert "replication degraded" in outcome["error"]["message"], outcome["error"]
    assert "shop: column public.orders.note text" in outcome["error"]["message"]
    downtime = outcome["real_databases"]["downtime"]
    assert downtime["stopped"] == "switchover_ended", downtime  # read off the deployment's SWITCHOVER_FAILED
    assert any(
        a["principal"].startswith("SwitchoverProbeFunction")
        and (a["action"], a["allowed_by"]) == ("rds:DescribeBlueGreenDeployments", ["DescribeSwitchover"])
        for a in outcome["authorizations"]
    )
    assert all(s["ok"] and s["version"] == "13.20" for s in downtime["timeline"]), "writes never stopped"
    assert downtime["unavailable_seconds"] == 0.0 and downtime["first_new_version_write_at"] is None
    _gone(outcome)
