"""The switchover probe against a real server: the preflight makes the heartbeat table (twice: the same table), the
probe's sessions leave the transaction mode to the server, so its writes are refused exactly while the server refuses
writes (as blue does during a switchover: default_transaction_read_only, sessions ended), and come back after."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from aws import postgres
from tests.postgres_server import Server, started_server
from upgrade.database.heartbeat import HEARTBEAT_TABLE
from upgrade.preflight.in_database import HEARTBEAT_CHECK, heartbeat_maker
from upgrade.shared.models import UpgradeInput
from upgrade.switchover_probe.probe import run_probe, summarize


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with started_server() as started:
        yield started


class _Secret:
    def __init__(self, server: Server) -> None:
        self.server = server

    def json(self, _: str) -> dict[str, Any]:
        return {"username": self.server.user}  # trust authentication: no password


def _request() -> UpgradeInput:
    return UpgradeInput.model_validate(
        {
            "cluster_id": "prod-db",
            "target_engine_version": "14.18",
            "strategy": "blue_green",
            "database": {"secret_arn": "arn:aws:secretsmanager:eu-west-2:123456789012:secret:db", "ssl": False},
        }
    )


def test_the_preflight_makes_the_heartbeat_table_once(server: Server) -> None:
    cluster = {"DBClusterIdentifier": "prod-db", "Endpoint": server.host, "Port": server.port}
    make = heartbeat_maker(_Secret(server))
    first, again = make(_request(), cluster), make(_request(), cluster)
    assert (first.id, first.status, again.status) == (HEARTBEAT_CHECK, "pass", "pass"), (first, again)
    admin = server.admin()
    try:
        [[columns]] = admin.run(
            f"SELECT count(*) FROM information_schema.columns WHERE table_name = '{HEARTBEAT_TABLE}'"
        )
        [[keys]] = admin.run(
            f"SELECT count(*) FROM pg_catalog.pg_index WHERE indrelid = 'public.{HEARTBEAT_TABLE}'::regclass "
            "AND indisprimary"
        )
    finally:
        admin.close()
    assert (columns, keys) == (2, 1)  # id and written_at; a primary key, as blue/green replication needs


def _refuse_writes_for(server: Server, after: float, seconds: float) -> threading.Thread:
    def switch() -> None:
        time.sleep(after)
        admin = server.admin()
        admin.run("ALTER SYSTEM SET default_transaction_read_only = on")
        admin.run("SELECT pg_reload_conf()")
        admin.run(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        time.sleep(seconds)
        admin.run("ALTER SYSTEM RESET default_transaction_read_only")
        admin.run("SELECT pg_reload_conf()")
        admin.close()

    thread = threading.Thread(target=switch, daemon=True)
    thread.start()
    return thread


def test_the_probe_sees_the_server_refuse_writes_and_take_them_again(server: Server) -> None:
    make = heartbeat_maker(_Secret(server))
    assert make(_request(), {"DBClusterIdentifier": "c", "Endpoint": server.host, "Port": server.port}).status == "pass"

    def connect() -> Any:
        return postgres.connect(server.host, server.port, server.user, None, "postgres", False, 2.0, read_only=False)

    refusing = _refuse_writes_for(server, after=1.2, seconds=1.5)
    writes, stopped = run_probe(connect, "99.0", 30, time.time, time.sleep)
    refusing.join()
    result = summarize(writes, stopped, "99.0")
    version = writes[0].version
    assert stopped == "rolled_back" and result.measured, result  # only one server: the old version came back
    assert [(s.ok, s.version) for s in result.timeline][:1] == [(True, version)]
    refused = [s for s in result.timeline if not s.ok]
    assert refused, result.timeline
    errors = " ".join(str(s.first_error) for s in refused)
    assert "read-only transaction" in errors or "terminating connection" in errors or "network error" in errors
    assert 0.5 <= (result.unavailable_seconds or 0) <= 3.0, result


def test_the_checks_sessions_stay_read_only(server: Server) -> None:
    make = heartbeat_maker(_Secret(server))
    assert make(_request(), {"DBClusterIdentifier": "c", "Endpoint": server.host, "Port": server.port}).status == "pass"
    session = postgres.connect(server.host, server.port, server.user, None, "postgres", False, 5.0)
    try:
        with pytest.raises(postgres.QueryFailed, match="read-only transaction"):
            session.query(f"INSERT INTO public.{HEARTBEAT_TABLE} DEFAULT VALUES")
    finally:
        session.close()
