"""Fixtures of the SQL prechecks tests; the server itself comes from tests/postgres_server.py.

Catalog queries can only be trusted once a real server has parsed and answered them, so when no server
binaries exist the fixture FAILS instead of skipping: tests against a database must not quietly vanish.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pg8000.native
import pytest

from tests.postgres_server import Server, started_server
from upgrade.database.sql import Executor


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    """The SQL tests plant cluster-wide problems (a prepared transaction, a slot): they get a server of their own."""
    with started_server() as server:
        yield server


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
    "CREATE VIEW extension_view AS SELECT rolname FROM pg_catalog.pg_roles",
    "ALTER EXTENSION hstore ADD VIEW extension_view",  # an extension's own view: must NOT be reported by P21
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
    "CREATE VIEW icu_databases AS SELECT datname, daticulocale FROM pg_catalog.pg_database",  # P21, pinned catalog
    "CREATE SUBSCRIPTION billing_sub CONNECTION 'dbname=nowhere' PUBLICATION p WITH (connect = false)",  # P3
    "CREATE TABLE legacy_names (id int PRIMARY KEY, n information_schema.sql_identifier)",  # P7 (gated)
    "CREATE CONVERSION billing_latin1 FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8",  # P12 (gated)
    "CREATE TABLE parent_rows (id int NOT NULL)",
    "CREATE TABLE child_rows () INHERITS (parent_rows)",
    "ALTER TABLE child_rows ALTER COLUMN id DROP NOT NULL",  # P19
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
    idle = pg_server.admin("billing", application_name=IDLE_SESSION)
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
