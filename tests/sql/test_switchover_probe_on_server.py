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
from upgrade.shared.errors import ClusterNotFound
from upgrade.shared.models import UpgradeInput
from upgrade.switchover_probe.probe import run_probe, summarize
from upgrade.switchover_probe.step import ProbeRequest, measure_switchover


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


class _Rds:
    """The cluster's endpoint once; then, as while the switchover renames the clusters, no cluster by that name."""

    def __init__(self, server: Server) -> None:
        self.server, self.described = server, 0

    def describe_cluster(self, cluster_id: str) -> dict[str, Any]:
        self.described += 1
        if self.described > 1:
            raise ClusterNotFound(f"no DB cluster named '{cluster_id}'")
        return {"DBClusterIdentifier": cluster_id, "Endpoint": self.server.host, "Port": self.server.port}

    def find_blue_green(self, _: str) -> dict[str, Any]:
        return {"Status": "SWITCHOVER_IN_PROGRESS"}


def test_the_step_measures_through_the_endpoint_it_knew_while_the_name_is_gone(server: Server) -> None:
    make = heartbeat_maker(_Secret(server))
    assert make(_request(), {"DBClusterIdentifier": "c", "Endpoint": server.host, "Port": server.port}).status == "pass"
    state = {
        "input": _request().model_dump(mode="json"),
        "execution": {"name": "run", "id": "arn:x", "state_machine": "arn:y", "start_time": "2027-01-15T08:00:00Z"},
        "plan": _plan(),
        "blue_green": {
            "deployment_id": "bgd-1",
            "name": "bg",
            "status": "AVAILABLE",
            "adopted": False,
            "ready": True,
            "poll": {"wait_seconds": 30, "deadline_seconds": 3600},
        },
    }
    rds = _Rds(server)
    refusing = _refuse_writes_for(server, after=1.2, seconds=1.5)
    request = ProbeRequest.model_validate({"state": state, "deadline_seconds": 30})
    result = measure_switchover(request, rds, _Secret(server), None)  # type: ignore[arg-type]
    refusing.join()
    assert result.measured and result.stopped == "rolled_back" and result.writes_refused >= 1, result
    assert rds.described > 2  # described again for each new connection: refused, then the name was gone


def _plan() -> dict[str, Any]:
    """The plan of a blue/green upgrade of prod-db 13.20 -> 14.18, as the preflight writes it."""
    return {
        "cluster": {
            "cluster_id": "prod-db",
            "cluster_arn": "arn:aws:rds:eu-west-2:123456789012:cluster:prod-db",
            "engine_version": "13.20",
            "family": "aurora-postgresql13",
            "cluster_parameter_group": "default.aurora-postgresql13",
            "resource_id": "cluster-ABC",
            "serverless_v2": True,
            "members": [],
        },
        "source_version": "13.20",
        "target_version": "99.0",
        "target_family": "aurora-postgresql99",
        "names": dict.fromkeys(
            (
                "source_cluster_parameter_group",
                "target_cluster_parameter_group",
                "target_instance_parameter_group",
                "snapshot_id",
                "blue_green_name",
                "aside_cluster_id",
            ),
            "x",
        ),
    }
