"""A preflight whose report outgrows a Step Functions state: the state keeps a summary, S3 keeps everything."""

from __future__ import annotations

import json

from simulator.enforcement.limits import MAX_PAYLOAD_BYTES
from tests.workflow.conftest import outcome_notifications

SECRET_NAME = "prod-db-preflight"
DATABASES = 50
COLUMNS_PER_DATABASE = 200  # 50 x 200 = 10,000 reg* columns, each one finding of P4-reg-types
COLUMNS = ", ".join(f"handler_{n:03d} regproc" for n in range(COLUMNS_PER_DATABASE))


def test_ten_thousand_findings_across_fifty_databases_complete_and_the_whole_report_is_in_s3(
    simulate, pg_server, scratch_database
):
    for n in range(DATABASES):
        scratch_database(f"wf_large_{n:02d}", [f"CREATE TABLE jobs (id int PRIMARY KEY, {COLUMNS})"])
    secret = {"username": pg_server.user, "host": pg_server.host, "port": pg_server.port}
    arn = f"arn:aws:secretsmanager:eu-west-2:123456789012:secret:{SECRET_NAME}"
    given = {
        "cluster_id": "prod-db",
        "target_engine_version": "14.18",
        "strategy": "blue_green",
        "mode": "preflight",
        "database": {"secret_arn": arn, "ssl": False},
    }
    outcome = simulate("seed-blue-green", secrets={SECRET_NAME: secret}, input=given)

    assert outcome["status"] == "SUCCEEDED", outcome["execution_error"]
    assert outcome["states"][-1] == "PreflightReported"
    assert outcome["largest_state_bytes"] < MAX_PAYLOAD_BYTES // 2, "the state carries a bounded summary"

    [stored] = [r for r in outcome["reports"] if r["uri"].endswith("/preflight.json")]
    assert "/reports/prod-db/" in stored["uri"]
    whole = json.loads(stored["body"])
    [reg_types] = [c for c in whole["checks"] if c["id"] == "P4-reg-types"]
    ours = [e for e in reg_types["evidence"] if str(e["database"]).startswith("wf_large_")]
    assert len(ours) == DATABASES * COLUMNS_PER_DATABASE
    assert {e["database"] for e in ours} == {f"wf_large_{n:02d}" for n in range(DATABASES)}
    assert stored["bytes"] > MAX_PAYLOAD_BYTES, "the whole report could never have ridden in the state"

    message = outcome_notifications(outcome)[0]["message"]
    assert "[FAIL] P4-reg-types" in message
    assert f"Whole report: {stored['uri']}" in message
    assert "https://s3.console.aws.amazon.com/s3/object/" in message
    assert f"... and {len(reg_types['evidence']) - 3} more" in message, "the summary counts every row found"
