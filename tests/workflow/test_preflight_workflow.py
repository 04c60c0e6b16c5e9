"""Preflight in the workflow: a blocker stops everything before the first change; report-only changes nothing."""

from __future__ import annotations

from tests.workflow.conftest import outcome_notifications

SECRET_NAME = "prod-db-preflight"


def _database_input(region: str, **extra):
    arn = f"arn:aws:secretsmanager:{region}:123456789012:secret:{SECRET_NAME}"
    return {
        "cluster_id": "prod-db",
        "target_engine_version": "14.18",
        "strategy": "blue_green",
        "database": {"secret_arn": arn, "ssl": False},
        **extra,
    }


PLANTED = ["CREATE TABLE jobs (id int PRIMARY KEY, handler regproc)"]


def test_a_blocker_in_a_real_database_stops_the_upgrade_before_any_change(simulate, pg_server, scratch_database):
    scratch_database("wf_orders", PLANTED)
    secret = {"username": pg_server.user, "password": None, "host": pg_server.host, "port": pg_server.port}
    outcome = simulate("seed-blue-green", secrets={SECRET_NAME: secret}, input=_database_input("eu-west-2"))
    assert outcome["status"] == "FAILED"
    for untouched in ("RaiseCapacity", "PrepareSourceParameterGroup", "CreateTargetParameterGroups", "StartSnapshot"):
        assert untouched not in outcome["states"]
    assert outcome["snapshots"] == [] and outcome["clusters"] == ["prod-db"]
    assert outcome["cluster"]["min_capacity"] == 0.5
    assert outcome["cluster"]["db_cluster_parameter_group"] == "default.aurora-postgresql13"
    message = outcome_notifications(outcome)[0]["message"]
    assert "[FAIL] P4-reg-types" in message
    assert "wf_orders.public.jobs" in message, "the evidence names the database, schema and table"


def test_report_only_runs_the_database_checks_and_changes_nothing(simulate, pg_server, scratch_database):
    scratch_database("wf_orders", PLANTED)
    secret = {"username": pg_server.user, "host": pg_server.host, "port": pg_server.port}
    outcome = simulate(
        "seed-blue-green", secrets={SECRET_NAME: secret}, input=_database_input("eu-west-2", mode="preflight")
    )
    assert outcome["status"] == "SUCCEEDED"
    assert outcome["states"][-1] == "PreflightReported"
    assert outcome["snapshots"] == [] and outcome["cluster"]["engine_version"] == "13.20"
    message = outcome_notifications(outcome)[0]["message"]
    assert "preflight for 14.18" in outcome_notifications(outcome)[0]["subject"]
    assert "P4-reg-types" in message and "Report only: nothing was changed." in message
