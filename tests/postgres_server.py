"""A real, throwaway PostgreSQL server for every test that needs one (about 0.7 s to initdb and start).

Catalog queries can only be trusted once a real server has parsed and answered them, so when no server
binaries exist the fixture FAILS instead of skipping: tests against a database must not quietly vanish.
Registered for the whole suite by tests/conftest.py (pytest_plugins).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pg8000.native
import pytest

from aws import postgres
from simulator.databases import servers
from upgrade.database.sql import Executor

SERVER_GLOB = "/usr/lib/postgresql/*/bin"
ENSURE = "scripts/ensure-postgresql.sh"
SUPERUSER = "test"
# logical replication and prepared transactions: the SQL checks about them need a server that has them
SETTINGS = {"wal_level": "logical", "max_prepared_transactions": "10", "max_replication_slots": "10"}
free_port = servers.free_port


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    bin_dir: Path
    root: Path  # holds data/ (the data directory), server.log and the socket; owned by the server's OS user

    def admin(self, database: str = "postgres", **options: Any) -> pg8000.native.Connection:
        """A read-write superuser session for planting problems (autocommit: every run() commits); ``options``:
        pg8000's others (``application_name``)."""
        return pg8000.native.Connection(
            self.user,
            host=self.host,
            port=self.port,
            database=database,
            ssl_context=False,  # the server has no TLS
            **options,
        )

    def connect(self, database: str) -> Executor:
        """The production executor, as the preflight would open it."""
        return postgres.connect(self.host, self.port, self.user, None, database, ssl=False, timeout=10)


def newest_bin_dir() -> Path | None:
    def major(path: str) -> float:
        found = re.search(r"/postgresql/([0-9.]+)/bin", path)
        return float(found.group(1)) if found else 0.0

    candidates = [p for p in glob.glob(SERVER_GLOB) if os.access(f"{p}/initdb", os.X_OK)]
    candidates = [p for p in candidates if os.access(f"{p}/pg_ctl", os.X_OK)]
    return Path(max(candidates, key=major)) if candidates else None


def server_user_prefix() -> list[str]:
    """The command prefix that runs a server program as the postgres OS user when the tests run as root."""
    try:
        return servers.as_server_user()
    except servers.ServerError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    with started_server() as server:
        yield server


@contextlib.contextmanager
def started_server(bin_dir: Path | None = None) -> Iterator[Server]:
    """initdb + start on a free port (simulator.databases.servers, as the rehearsal starts its servers); stopped and
    removed on exit. ``bin_dir``: default Debian's newest."""
    bin_dir = bin_dir or newest_bin_dir()
    if bin_dir is None:
        pytest.fail(f"no PostgreSQL server binaries under {SERVER_GLOB}: run {ENSURE} (installs Debian's postgresql)")
    try:
        started = servers.start_from(bin_dir, "test", str(bin_dir.parent), SETTINGS, superuser=SUPERUSER)
    except servers.ServerError as error:
        pytest.fail(f"could not start PostgreSQL from {bin_dir}: {error}")
    try:
        yield Server(started.host, started.port, SUPERUSER, bin_dir, started.root)
    finally:
        servers.stop(started)


@pytest.fixture
def scratch_database(pg_server: Server) -> Iterator[Callable[[str, list[str]], None]]:
    """Create a database with some statements run in it; dropped after the test, so the shared server stays clean."""
    created: list[str] = []

    def create(name: str, statements: list[str]) -> None:
        admin = pg_server.admin()
        admin.run(f'DROP DATABASE IF EXISTS "{name}"')
        admin.run(f'CREATE DATABASE "{name}"')
        admin.close()
        created.append(name)
        session = pg_server.admin(name)
        for statement in statements:
            session.run(statement)
        session.close()

    yield create
    admin = pg_server.admin()
    for name in created:
        admin.run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()
