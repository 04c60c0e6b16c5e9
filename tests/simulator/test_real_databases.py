"""simulator.databases on real 13.20 (blue) and 14.18 (green) servers, below the workflow: the life cycle the
simulated RDS drives through its hooks, including what a run may do twice or undo."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pg8000.exceptions
import pytest

from simulator.databases import replication, servers
from simulator.databases.rehearsal import GUARDRAIL_SECONDS, Rehearsal
from simulator.databases.servers import ServerError


def _scalar(server, database: str, sql: str):
    session = server.connect(database)
    try:
        return session.run(sql)[0][0]
    finally:
        session.close()


def _first_refusal(server, sql: str, until: float) -> str:
    """The first error other than the switchover ending the very session that wrote (a session that came in before
    writes stopped is terminated, as RDS drops blue's connections; the client connects again)."""
    while time.monotonic() < until:
        try:
            _scalar(server, "shop", sql)
        except (pg8000.exceptions.InterfaceError, pg8000.exceptions.DatabaseError) as error:
            if not _terminated(error):
                return str(error)
        time.sleep(0.1)
    raise AssertionError("blue still took writes at the deadline")


def _terminated(error: Exception) -> bool:
    # pg8000 reports a backend ended mid-statement as "network error", or by the server's 57P01 message first
    return str(error) == "network error" or "57P01" in str(error)


def test_a_seed_that_fails_leaves_no_server_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed = tmp_path / "broken.sql"
    seed.write_text("CREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO missing_table VALUES (1);\n")
    # the directories this test's servers got (other tests may start servers of their own meanwhile)
    made: list[str] = []
    mkdtemp = servers.tempfile.mkdtemp

    def recorded(*args: Any, **kwargs: Any) -> str:
        made.append(mkdtemp(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(servers.tempfile, "mkdtemp", recorded)
    failed = r"seed broken\.sql on the blue server \(13\.20\) failed: .*missing_table"
    with pytest.raises(ServerError, match=failed), Rehearsal("13.20", "14.18", seed):
        pass
    assert made and [root for root in made if Path(root).exists()] == []


def test_a_second_green_replaces_the_first_and_replicates_from_blue() -> None:
    """A deployment deleted and created again (the advised next step after a failed switchover)."""
    with Rehearsal("13.20", "14.18") as rehearsal:
        rehearsal.green_created(object(), object())
        first = rehearsal.green
        assert first is not None
        rehearsal.green_created(object(), object())
        second = rehearsal.green
        assert second is not None and second is not first and not first.root.exists()
        assert rehearsal.blue is not None
        slots = _scalar(rehearsal.blue, "postgres", "SELECT count(*) FROM pg_replication_slots")
        assert slots == len(rehearsal.links) == 2  # postgres and shop: the first green's slots are gone
        session = rehearsal.blue.connect("shop")
        session.run("INSERT INTO orders (customer_id, total) VALUES (7, 1.00)")
        session.close()
        assert not replication.not_caught_up(rehearsal.blue, rehearsal.links)
        assert _scalar(second, "shop", "SELECT count(*) FROM orders") == 5001


def test_a_rolled_back_switchover_gives_blue_its_writes_back() -> None:
    """The switchover on the servers runs in real time beside the simulated one: blue takes writes through the
    guardrail phase, then refuses them; a rollback gives them back."""
    insert = "INSERT INTO orders (customer_id, total) VALUES (1, 1) RETURNING id"
    with Rehearsal("13.20", "14.18") as rehearsal:
        rehearsal.green_created(object(), object())
        started = time.monotonic()
        rehearsal.switchover_started()
        assert rehearsal.blue is not None
        assert _scalar(rehearsal.blue, "shop", insert), "the guardrails first: blue still takes writes"
        refused = _first_refusal(rehearsal.blue, insert, until=started + GUARDRAIL_SECONDS + 10)
        assert "read-only transaction" in refused
        assert time.monotonic() - started >= GUARDRAIL_SECONDS
        rehearsal.switchover_rolled_back()
        assert _scalar(rehearsal.blue, "shop", insert)
        assert rehearsal.events[-1]["what"] == "switchover rolled back: blue takes writes"
