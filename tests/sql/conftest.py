"""A real, throwaway PostgreSQL server for the SQL prechecks (about 0.7 s to initdb and start).

Catalog queries can only be trusted once a real server has parsed and answered them, so when no server
binaries exist the fixture FAILS instead of skipping: tests against a database must not quietly vanish.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pg8000.native
import pytest

from aws import postgres
from upgrade.sql_runner import Executor

SERVER_GLOB = "/usr/lib/postgresql/*/bin"
ENSURE = "scripts/ensure-postgresql.sh"
SUPERUSER = "test"


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    bin_dir: Path

    def admin(self, database: str = "postgres") -> pg8000.native.Connection:
        """A read-write superuser session for planting problems (autocommit: every run() commits)."""
        return pg8000.native.Connection(self.user, host=self.host, port=self.port, database=database)

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    bin_dir = newest_bin_dir()
    if bin_dir is None:
        pytest.fail(f"no PostgreSQL server binaries under {SERVER_GLOB}: run {ENSURE} (installs Debian's postgresql)")
    # initdb refuses to run as root; Debian's package creates the postgres OS user for exactly this
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail(f"running as root and there is no 'postgres' OS user to run initdb as: run {ENSURE}")
        as_user = ["runuser", "-u", "postgres", "--"]
    # root's default TMPDIR may not be traversable by postgres; /tmp always is
    root = Path(tempfile.mkdtemp(prefix="pg-prechecks-", dir="/tmp" if as_user else None))
    if as_user:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data, log = root / "data", root / "server.log"
    port = free_port()
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c wal_level=logical "
        "-c max_prepared_transactions=10 -c max_replication_slots=10"
    )

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], cwd=root, check=True, capture_output=True, text=True, timeout=60)

    try:
        try:
            run(str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C")
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
        except subprocess.CalledProcessError as error:
            server_log = log.read_text() if log.exists() else ""
            pytest.fail(f"could not start PostgreSQL from {bin_dir}: {error.stderr}\n{server_log}")
        yield Server("127.0.0.1", port, SUPERUSER, bin_dir)
    finally:
        if (data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError):
                run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def connect(pg_server: Server) -> Callable[[str], Executor]:
    return pg_server.connect


# Problems planted per database; tests assert each one is reported in the right database and nothing
# is reported for "clean". Order matters: the logical slot must exist before the prepared transaction
# and the open session, because creating a slot waits for every running transaction to finish.
SHOP = [
    "SELECT pg_catalog.pg_create_logical_replication_slot('upgrade_test', 'pgoutput')",
    "CREATE TABLE callbacks (id int PRIMARY KEY, handler regproc)",  # P4
    "CREATE TABLE snapshots (id int PRIMARY KEY, label pg_catalog.pg_enum)",  # P5 (pg_am would be P4 too)
    "CREATE TABLE audit_log (at timestamptz, line text)",  # BG no primary key
    "SELECT pg_catalog.lo_create(0)",  # P22, BG large objects
    "CREATE UNLOGGED TABLE cart_cache (id int PRIMARY KEY)",  # BG unlogged
    "CREATE MATERIALIZED VIEW order_totals AS SELECT 1 AS n",  # BG materialized views
    "CREATE EXTENSION hstore VERSION '1.4'",  # P20 review: 1.4 < default 1.8
    "CREATE PUBLICATION shop_pub",  # BG blue must not publish
    "CREATE TABLE skus (id int PRIMARY KEY, code text)",
    "INSERT INTO skus VALUES (1, 'A'), (2, 'A')",
    "CREATE UNIQUE INDEX CONCURRENTLY skus_code ON skus (code)",  # fails on the duplicate: P26 invalid index
    "CREATE VIEW bgwriter_stats AS SELECT buffers_backend FROM pg_catalog.pg_stat_bgwriter",  # P21, changed in 17
    "CREATE COLLATION shop_de (provider = icu, locale = 'de-DE')",
    "UPDATE pg_catalog.pg_collation SET collversion = '0.1' WHERE collname = 'shop_de'",  # P25 as after an OS update
]
BILLING = [
    "CREATE TABLE ledger (id int PRIMARY KEY)",
    "CREATE DOMAIN procedure_ref AS regprocedure",
    "CREATE TABLE hooks (id int PRIMARY KEY, fn procedure_ref)",  # P4 through a domain
    "CREATE TABLE grants_archive (id int PRIMARY KEY, acl aclitem[])",  # P6 through an array
    "CREATE TABLE events (payload text)",
    "ALTER TABLE events REPLICA IDENTITY FULL",  # no primary key but replicable: must NOT be reported
    "CREATE EXTENSION pg_stat_statements",  # current version: must NOT be reported
    "CREATE VIEW slow_queries AS SELECT query, blk_read_time FROM pg_stat_statements",  # P21, changed in 17
    "CREATE SUBSCRIPTION billing_sub CONNECTION 'dbname=nowhere' PUBLICATION p WITH (connect = false)",  # P3
    "CREATE TABLE legacy_names (id int PRIMARY KEY, n information_schema.sql_identifier)",  # P7 (gated)
    "CREATE CONVERSION billing_latin1 FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8",  # P12 (gated)
    "CREATE TABLE parent_rows (id int NOT NULL)",
    "CREATE TABLE child_rows () INHERITS (parent_rows)",
    "ALTER TABLE child_rows ALTER COLUMN id DROP NOT NULL",  # P19 (gated)
    "UPDATE pg_catalog.pg_database SET datcollversion = '0.1' WHERE datname = 'billing'",  # P25 database
]
CLUSTER = [
    "CREATE DATABASE stale",
    "ALTER DATABASE stale ALLOW_CONNECTIONS false",  # P15
    "CREATE DATABASE broken",
    "UPDATE pg_catalog.pg_database SET datconnlimit = -2 WHERE datname = 'broken'",  # P17 invalid
]
IDLE_SESSION = "idle-in-billing"


@pytest.fixture(scope="session")
def planted(pg_server: Server) -> Iterator[Server]:
    """shop, billing and clean with their problems, plus a prepared transaction and an idle session."""
    admin = pg_server.admin()
    for database in ("shop", "billing", "clean"):
        admin.run(f"CREATE DATABASE {database}")
    for database, statements in (("shop", SHOP), ("billing", BILLING), ("postgres", CLUSTER)):
        session = pg_server.admin(database)
        for statement in statements:
            try:
                session.run(statement)
            except pg8000.native.DatabaseError:
                if "CONCURRENTLY" not in statement:  # that one is meant to fail
                    raise
        session.close()
    billing = pg_server.admin("billing")
    billing.run("BEGIN")
    billing.run("INSERT INTO ledger VALUES (1)")
    billing.run("PREPARE TRANSACTION 'billing_gid'")  # P1
    idle = pg8000.native.Connection(
        pg_server.user, host=pg_server.host, port=pg_server.port, database="billing", application_name=IDLE_SESSION
    )
    idle.run("BEGIN")
    idle.run("SELECT 1")  # now idle in transaction: P23 with a 0-minute threshold
    try:
        yield pg_server
    finally:
        idle.close()
        billing.run("ROLLBACK PREPARED 'billing_gid'")
        billing.close()
        admin.close()


@pytest.fixture(scope="session")
def idle_session() -> str:
    """The application_name of the session planted idle in a transaction in billing."""
    return IDLE_SESSION
