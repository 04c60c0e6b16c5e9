"""The database password and a token in the execution input never reach a log, a notification or the history.

The scenario names a database secret (a random password in it) and the in-database checks really
connect to a throwaway PostgreSQL; the handlers log at DEBUG. Everything that leaves the run is
captured: the file descriptors (capfd), every record of the handlers' Powertools logger and of any
other logger (root at DEBUG), the outcome, the notifications and every execution's history.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import simulator.engine.runner as runner
from simulator.scenario.model import Scenario
from tests.postgres_server import free_port
from tests.workflow.conftest import outcome_notifications, shipped

REGION = "eu-west-2"
SECRET_NAME = "prod-db-preflight"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:{SECRET_NAME}"
POWERTOOLS_LOGGER = "aurora-upgrade"  # Logger(service="aurora-upgrade") in lambdas/upgrade/shared/runtime.py
# third-party loggers whose DEBUG output is not ours; the Lambda root logger stays at WARNING in AWS
_THIRD_PARTY = ("botocore", "boto3", "urllib3", "moto", "s3transfer", "asyncio", "jsii")


class _Records(logging.Handler):
    """Keeps every record, formatted as the logger's own handler formats it (Powertools JSON, extra keys too)."""

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__(level=logging.DEBUG)
        self._logger = logger
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Powertools attaches its handler when the handlers are first imported, which may be inside the run
        real = next((h for h in self._logger.handlers if h is not self and h.formatter is not None), None)
        formatter = real.formatter if real is not None else logging.Formatter("%(name)s %(levelname)s %(message)s")
        assert formatter is not None
        self.lines.append((record.name, formatter.format(record)))


@pytest.fixture
def debug_logs() -> Iterator[dict[str, _Records]]:
    """The handlers' logger and the root logger at DEBUG, each with a recording handler, restored after."""
    ours, root = logging.getLogger(POWERTOOLS_LOGGER), logging.getLogger()
    recorders = {"ours": _Records(ours), "root": _Records(root)}
    saved = (ours.level, root.level)
    ours.setLevel(logging.DEBUG)
    root.setLevel(logging.DEBUG)
    ours.addHandler(recorders["ours"])
    root.addHandler(recorders["root"])
    try:
        yield recorders
    finally:
        ours.removeHandler(recorders["ours"])
        root.removeHandler(recorders["root"])
        ours.setLevel(saved[0])
        root.setLevel(saved[1])


@pytest.fixture
def histories(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every execution's description and history, as the runner read them from Step Functions."""
    kept: list[dict[str, Any]] = []
    execute = runner._execute

    def keeping(*args: Any, **kwargs: Any) -> dict[str, Any]:
        execution = execute(*args, **kwargs)
        kept.append(execution)
        return execution

    monkeypatch.setattr(runner, "_execute", keeping)
    return kept


def _upgrade_input(**extra: Any) -> dict[str, Any]:
    return {
        "cluster_id": "prod-db",
        "target_engine_version": "14.18",
        "strategy": "blue_green",
        "database": {"secret_arn": SECRET_ARN, "ssl": False},
        **extra,
    }


def test_no_password_or_input_token_in_any_log_notification_or_history(
    cdk_out: Path, pg_server, scratch_database, capfd, debug_logs, histories
):
    password = f"pw-{secrets.token_urlsafe(24)}"
    token = f"xoxb-{secrets.token_hex(16)}"
    webhook = f"https://hooks.example.com/services/T0ABC/B0DEF/{token}"
    secret = {"username": pg_server.user, "password": password, "host": pg_server.host, "port": pg_server.port}
    # a materialized view is a blue/green warning: its id in the success notification proves the checks connected
    scratch_database("leak_probe", ["CREATE MATERIALIZED VIEW daily AS SELECT 1 AS total"])
    unreachable = _upgrade_input(mode="preflight")
    unreachable["database"] = {**unreachable["database"], "port": _closed_port(pg_server)}
    scenario = Scenario.model_validate(
        {
            **shipped("seed-blue-green").model_dump(),
            "secrets": {SECRET_NAME: secret},
            "before": [_upgrade_input(notify_webhook=webhook), unreachable],
            # green answers on the same server (PostgreSQL 15, hence target 15.13): the post-upgrade step and
            # the consistency check connect too
            # (extension updates off: other tests keep old extension versions on this shared server)
            "input": _upgrade_input(target_engine_version="15.13", post_upgrade={"update_extensions": False}),
            "endpoints": {"prod-db-green-": f"{pg_server.host}:{pg_server.port}"},
        }
    )

    outcome = runner.run_scenario(scenario, cdk_out, log_level="DEBUG")
    captured = capfd.readouterr()

    # the three executions did what they were meant to, so the secret really was used
    assert [run["status"] for run in outcome["earlier_runs"]] == ["FAILED", "SUCCEEDED"]
    assert outcome["status"] == "SUCCEEDED", outcome["error"]
    messages = [n["message"] for n in outcome_notifications(outcome)]
    assert "notify_webhook: Extra inputs are not permitted" in messages[0]
    assert "[FAIL] DB-connectivity" in messages[1] and "could not connect" in messages[1]
    assert "BG-materialized-views" in messages[2], "the in-database checks did not run against the server"
    assert "consistency check PASSED" in messages[2], "green was reached with the secret too"
    assert len(histories) == 3

    assert logging.getLogger(POWERTOOLS_LOGGER).getEffectiveLevel() == logging.DEBUG
    our_logs = "\n".join(line for _, line in debug_logs["ours"].lines)
    assert '"message":"step done"' in our_logs and '"step":"preflight"' in our_logs, "the handlers logged nothing"
    everything_ours = {
        "stdout": captured.out,
        "stderr": captured.err,
        "handler logs": our_logs,
        "other loggers (ours)": "\n".join(
            line for name, line in debug_logs["root"].lines if not name.startswith(_THIRD_PARTY)
        ),
        "outcome": json.dumps(outcome, default=str),
        "notifications": json.dumps(outcome["notifications"]),
    }
    secret_json = json.dumps(secret)
    for where, text in {**everything_ours, "execution history": json.dumps(histories, default=str)}.items():
        assert password not in text, f"the database password leaked into the {where}"
        assert secret_json not in text, f"the secret's JSON leaked into the {where}"
    # the execution input itself is in Step Functions' own history: what matters is that our code does not echo it
    for where, text in everything_ours.items():
        assert token not in text, f"a token from the execution input leaked into the {where}"


def test_no_password_in_any_record_even_with_the_root_logger_at_debug(cdk_out: Path, pg_server, debug_logs):
    password = f"pw-{secrets.token_urlsafe(24)}"
    secret = {"username": pg_server.user, "password": password, "host": pg_server.host, "port": pg_server.port}
    scenario = Scenario.model_validate(
        {
            **shipped("seed-blue-green").model_dump(),
            "secrets": {SECRET_NAME: secret},
            "input": _upgrade_input(mode="preflight"),
        }
    )
    outcome = runner.run_scenario(scenario, cdk_out, log_level="DEBUG")
    assert outcome["status"] == "SUCCEEDED", outcome["error"]
    # the simulator's own CreateSecret (seeding the world) is not the workflow's doing
    leaked = [
        name
        for name, line in debug_logs["root"].lines
        if password in line and "OperationModel(name=CreateSecret)" not in line
    ]
    assert leaked == [], f"the database password is in records of {sorted(set(leaked))}"


def _closed_port(pg_server: Any) -> int:
    """A port on the server's host where nothing listens."""
    port = free_port()
    assert port != pg_server.port
    return port
