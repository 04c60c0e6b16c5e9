"""Each throwaway server starts as a fresh cluster of its own, though initdb runs once per binaries on this machine
(simulator.databases.servers: later servers start from a copy of its result)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.databases import servers
from tests.postgres_server import started_server


def test_servers_of_the_same_binaries_share_nothing_but_how_they_began() -> None:
    with started_server() as first, started_server() as second:
        assert first.root != second.root and first.port != second.port
        made = first.admin()
        made.run("CREATE DATABASE only_on_the_first")
        made.run("CREATE TABLE public.mine (id int)")
        made.close()
        other = second.admin()
        try:
            assert other.run("SELECT datname FROM pg_catalog.pg_database WHERE datname = 'only_on_the_first'") == []
            assert other.run("SELECT to_regclass('public.mine')") == [[None]]
            # as initdb left it: the superuser, UTF-8 and the C locale in template1
            assert other.run(
                "SELECT current_user, pg_catalog.pg_encoding_to_char(encoding), datcollate FROM pg_catalog.pg_database"
                " WHERE datname = 'template1'"
            ) == [[first.user, "UTF8", "C"]]
        finally:
            other.close()
    assert not first.root.exists() and not second.root.exists(), "stopped servers leave no data behind"


def test_servers_live_in_memory_when_there_is_room_and_on_disk_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    roomy = tmp_path / "shm"
    roomy.mkdir()
    monkeypatch.setattr(servers, "IN_MEMORY", roomy)
    monkeypatch.setattr(servers, "SCRATCH_FREE_BYTES", 1)
    assert servers.scratch() == roomy
    monkeypatch.setattr(servers, "SCRATCH_FREE_BYTES", 1 << 62)  # more than any disk holds
    assert servers.scratch() == servers.ON_DISK
    monkeypatch.setattr(servers, "IN_MEMORY", tmp_path / "missing")
    monkeypatch.setattr(servers, "SCRATCH_FREE_BYTES", 1)
    assert servers.scratch() == servers.ON_DISK
