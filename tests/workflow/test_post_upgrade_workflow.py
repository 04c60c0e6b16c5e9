"""After the switch, in the executed state machine: ANALYZE, extension updates, the consistency check and the
drift report, with green answering on a real PostgreSQL server of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres_server import Server, started_server
from tests.workflow.conftest import outcome_notifications

SECRET_NAME = "prod-db-post-upgrade"


@pytest.fixture(scope="module")
def green_server() -> Iterator[Server]:
    """Blue and green both answer here: a server of this module's own (extensions are updated in it)."""
    with started_server() as server:
        session = server.admin()
        session.run("CREATE DATABASE shop")
        session.close()
        shop = server.admin("shop")
        for statement in (
            "CREATE EXTENSION cube VERSION '1.2'",
            "CREATE TABLE orders (id int PRIMARY KEY, total numeric)",
            "INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 5000) g",
            "CREATE SEQUENCE invoice_numbers",
        ):
            shop.run(statement)
        shop.close()
        yield server


def test_final_message_and_output_carry_analyze_extensions_consistency_and_drift(simulate, green_server):
    address = f"{green_server.host}:{green_server.port}"
    secret = {"username": green_server.user, "host": green_server.host, "port": green_server.port}
    outcome = simulate(
        "seed-blue-green",
        secrets={SECRET_NAME: secret},
        endpoints={"prod-db-green-": address},
        input={
            "cluster_id": "prod-db",
            "target_engine_version": "15.13",  # what the server of the test runs: the step checks it
            "strategy": "blue_green",
            "require_approval": False,
            "database": {
                "secret_arn": f"arn:aws:secretsmanager:eu-west-2:123456789012:secret:{SECRET_NAME}",
                "ssl": False,
            },
        },
    )
    assert outcome["status"] == "SUCCEEDED", (outcome["error"], outcome_notifications(outcome)[-1:])
    states = outcome["states"]
    assert states.index("PostUpgradeGreen") < states.index("CheckConsistency") < states.index("Switchover")

    final = outcome_notifications(outcome)[-1]
    assert final["subject"] == "[aurora-upgrade] prod-db upgraded 13.20 -> 15.13"
    text = final["message"]
    assert "ANALYZE" in text and "shop" in text, text
    assert "cube" in text and "1.2" in text and "1.5" in text, "the extension update is reported from -> to"
    assert "consistency check PASSED" in text
    assert "Terraform/Terragrunt" in text and "15.13" in text, text

    shop = green_server.admin("shop")
    try:
        assert shop.run("SELECT extversion FROM pg_extension WHERE extname = 'cube'") == [["1.5"]]
        assert shop.run("SELECT reltuples FROM pg_class WHERE relname = 'orders'") == [[5000.0]], "analyzed"
    finally:
        shop.close()
