"""Our preflight against PostgreSQL's own verdict, on real 13.20 and 14.18 servers upgraded to Debian's 15.

Each server (one per source major, started once per session) gets problems planted in several databases.
Our SQL checks run first, for a 15 target and both strategies. Then PostgreSQL judges the same cluster:
``pg_upgrade --check`` (re-run after removing what each run names, since it stops at the first failing
check), then the real ``pg_upgrade``, whose schema restore fails on objects --check lets through; once
those are removed too, the real upgrade must succeed, and the upgraded cluster is asked what it kept.

Asserted: every object PostgreSQL refuses or fails on is named by one of our failing checks in its
database; PostgreSQL refuses nothing we did not plant; the clean database yields no failure; where we fail
and PostgreSQL is content, the check states the Aurora or blue/green reason (SqlCheck.beyond_pg_upgrade).
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pg8000.native
import pytest

from tests.postgres_server import Server, started_server
from tests.sql.pg_upgrade_harness import Refusal, Upgrader, embedded_bin_dir
from upgrade.database.sql import server_version
from upgrade.preflight.sql_checks.catalogue import check
from upgrade.preflight.sql_runner import run_database_checks
from upgrade.shared.preflight_report import CheckResult
from upgrade.shared.versions import Version

SOURCES = (13, 14)
TARGET = Version(15, 18)  # Debian's pg_upgrade and server
BOTH = frozenset(SOURCES)


@dataclass(frozen=True)
class Plant:
    """One planted problem: how to make it, how to take it away, and how each side names it."""

    name: str  # PostgreSQL's line about it must contain this as a word (or match ``pg_pattern``)
    database: str  # where it lives (cluster-wide objects: the database their row names)
    create: tuple[str, ...]
    remove: tuple[str, ...]
    ours: tuple[str | None, str | None, str | None]  # (database, schema, object) in our evidence
    majors: frozenset[int] = BOTH
    pg_pattern: str = ""  # regex over "<reason> | <line>" when the name alone is not PostgreSQL's word

    def named_by(self, refusal: Refusal) -> bool:
        if refusal.database not in (None, self.database):
            return False
        pattern = self.pg_pattern or rf"(?<!\w){re.escape(self.name)}(?!\w)"
        return re.search(pattern, f"{refusal.reason} | {refusal.line}") is not None


PLANTS = (
    # -- refused by pg_upgrade --check
    Plant("callbacks", "shop", ("CREATE TABLE callbacks (id int PRIMARY KEY, handler regproc)",),
          ("DROP TABLE callbacks",), ("shop", "public", "callbacks"), pg_pattern=r"public\.callbacks\.handler"),
    Plant("snapshots", "shop", ("CREATE TABLE snapshots (id int PRIMARY KEY, label pg_catalog.pg_enum)",),
          ("DROP TABLE snapshots",), ("shop", "public", "snapshots"), pg_pattern=r"public\.snapshots\.label"),
    Plant("child_rows", "shop",
          ("CREATE TABLE parent_rows (id int NOT NULL)", "CREATE TABLE child_rows () INHERITS (parent_rows)",
           "ALTER TABLE child_rows ALTER COLUMN id DROP NOT NULL"),
          ("ALTER TABLE child_rows ALTER COLUMN id SET NOT NULL",), ("shop", "public", "child_rows"),
          pg_pattern=r"public\.child_rows\.id"),
    Plant("###", "shop",
          ("CREATE FUNCTION twice(bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2'",
           "CREATE OPERATOR ### (LEFTARG = bigint, FUNCTION = twice)"),
          ("DROP OPERATOR ### (bigint, NONE)",), ("shop", "public", "###"), majors=frozenset({13})),
    Plant("shop_latin1", "shop", ("CREATE CONVERSION shop_latin1 FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8",),
          ("DROP CONVERSION shop_latin1",), ("shop", "public", "shop_latin1"), majors=frozenset({13})),
    Plant("array_accum", "shop",
          ("CREATE AGGREGATE array_accum (anyelement) (SFUNC = array_append, STYPE = anyarray, INITCOND = '{}')",),
          ("DROP AGGREGATE array_accum (anyelement)",), ("shop", None, "public.array_accum(anyelement)"),
          majors=frozenset({13})),
    Plant("billing_gid", "billing",
          ("BEGIN", "INSERT INTO ledger VALUES (1)", "PREPARE TRANSACTION 'billing_gid'"),
          ("ROLLBACK PREPARED 'billing_gid'",), ("billing", None, "billing_gid"), pg_pattern="prepared transactions"),
    Plant("stale", "postgres", ("CREATE DATABASE stale", "ALTER DATABASE stale ALLOW_CONNECTIONS false"),
          ("ALTER DATABASE stale ALLOW_CONNECTIONS true",), ("stale", None, "stale")),
    Plant("broken", "postgres",
          ("CREATE DATABASE broken", "UPDATE pg_catalog.pg_database SET datconnlimit = -2 WHERE datname = 'broken'"),
          ("DROP DATABASE broken",), ("broken", None, "broken")),
    # -- pass --check, fail the real upgrade's schema restore: built-ins the target no longer has
    Plant("backup_state", "billing", ("CREATE VIEW backup_state AS SELECT pg_catalog.pg_is_in_backup() AS b",),
          ("DROP VIEW backup_state",), ("billing", "public", "backup_state")),
    Plant("database_oids", "billing",
          ("CREATE VIEW database_oids AS SELECT datname, datlastsysoid FROM pg_catalog.pg_database",),
          ("DROP VIEW database_oids",), ("billing", "public", "database_oids")),
    Plant("factorials", "billing", ("CREATE VIEW factorials AS SELECT 5::bigint ! AS f",),
          ("DROP VIEW factorials",), ("billing", "public", "factorials"), majors=frozenset({13})),
    Plant("shapes", "billing", ("CREATE TABLE shapes (b box CHECK (b @ box '((0,0),(10,10))'))",),
          ("DROP TABLE shapes",), ("billing", "public", "shapes"), majors=frozenset({13})),
    Plant("ssl_compression", "billing",
          ("CREATE VIEW ssl_compression AS SELECT pid, compression FROM pg_catalog.pg_stat_ssl",),
          ("DROP VIEW ssl_compression",), ("billing", "public", "ssl_compression"), majors=frozenset({13})),
    Plant("invoices", "billing",
          ("CREATE TABLE invoices (id int PRIMARY KEY, n numeric DEFAULT pg_catalog.numeric_fac(5))",),
          ("DROP TABLE invoices",), ("billing", "public", "invoices"), majors=frozenset({13})),
    Plant("paths", "billing",
          ("CREATE TABLE paths (id int PRIMARY KEY, p path CHECK (pg_catalog.path_center(p) IS NOT NULL))",),
          ("DROP TABLE paths",), ("billing", "public", "paths"), majors=frozenset({14})),
)  # fmt: skip

# Content for pg_upgrade (it neither refuses them nor fails on them); our verdict on each is asserted
# by the generic rules below, and what the upgrade does with them by test_what_the_upgrade_keeps.
CONTENT = {
    "shop": [
        "SELECT pg_catalog.pg_create_logical_replication_slot('upgrade_test', 'pgoutput')",  # dropped
        "CREATE TABLE audit_log (at timestamptz, line text)",  # no primary key: blue/green replication
        "SELECT pg_catalog.lo_create(4242)",  # carried over
        "CREATE TABLE skus (id int PRIMARY KEY, code text)",
        "INSERT INTO skus VALUES (1, 'A'), (2, 'A')",
        "CREATE UNIQUE INDEX CONCURRENTLY skus_code ON skus (code)",  # fails on the duplicate: invalid index
    ],
    "billing": [
        "CREATE TABLE ledger (id int PRIMARY KEY)",
        "CREATE SUBSCRIPTION billing_sub CONNECTION 'dbname=nowhere' PUBLICATION p WITH (connect = false)",
    ],
}
# An ordinary schema with common extensions: must yield no failure at all (a false failure blocks upgrades).
CLEAN = [
    "CREATE EXTENSION pgcrypto",
    "CREATE EXTENSION hstore",
    "CREATE EXTENSION citext",
    "CREATE EXTENSION pg_trgm",
    'CREATE EXTENSION "uuid-ossp"',
    "CREATE TYPE mood AS ENUM ('happy', 'sad')",
    "CREATE TABLE customers (id bigserial PRIMARY KEY, email citext UNIQUE, tags text[] DEFAULT '{}', "
    "attrs hstore, feeling mood, created timestamptz NOT NULL DEFAULT now(), CHECK (id > 0))",
    "CREATE TABLE orders (id uuid PRIMARY KEY DEFAULT uuid_generate_v4(), "
    "customer bigint NOT NULL REFERENCES customers, total numeric(12, 2), placed date) ",
    "CREATE INDEX orders_customer ON orders (customer)",
    "CREATE INDEX customers_email_trgm ON customers USING gin ((email::text) gin_trgm_ops)",
    "CREATE INDEX customers_lower ON customers (lower(email::text)) WHERE feeling = 'happy'",
    "CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, at date NOT NULL, PRIMARY KEY (id, at)) "
    "PARTITION BY RANGE (at)",
    "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
    "CREATE VIEW customer_tags AS SELECT id, array_append(tags, 'vip') AS tags, "
    "array_position(tags, 'vip') AS vip_at, digest(email::text, 'sha256') AS email_hash FROM customers",
    "CREATE VIEW recent_orders AS SELECT o.*, lag(total, 1, 0::numeric) OVER (ORDER BY placed) AS previous "
    "FROM orders o WHERE placed > current_date - 30",
    "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.placed := current_date; RETURN NEW; END$$",
    "CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch()",
]

# What the upgraded 15 cluster kept of the content plants, per database
KEPT_SQL = {
    "shop": "SELECT (SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'skus_code'), "
    "(SELECT count(*) FROM pg_catalog.pg_replication_slots), "
    "(SELECT count(*) FROM pg_catalog.pg_largeobject_metadata WHERE oid = 4242)",
    "billing": "SELECT count(*), bool_or(subenabled) FROM pg_catalog.pg_subscription",
}


@dataclass
class Verdicts:
    """Everything both sides said about one planted server."""

    source: Version
    ours: dict[str, dict[str, CheckResult]]  # strategy -> check id -> result
    pg: dict[str, list[Refusal]] = field(default_factory=dict)  # plant name -> what PostgreSQL said
    unplanted: list[Refusal] = field(default_factory=list)
    upgraded: bool = False
    kept: dict[str, list[tuple[object, ...]]] = field(default_factory=dict)
    seconds: float = 0.0


def planted_here(major: int) -> list[Plant]:
    return [p for p in PLANTS if major in p.majors]


def _run_all(server: Server, database: str, statements: tuple[str, ...] | list[str]) -> None:
    session = server.admin(database)
    try:
        for statement in statements:
            try:
                session.run(statement)
            except pg8000.native.DatabaseError:
                if "CONCURRENTLY" not in statement:  # that one is meant to fail, leaving an invalid index
                    raise
    finally:
        session.close()


def _plant(server: Server, major: int) -> None:
    for database in ("shop", "billing", "clean"):
        _run_all(server, "postgres", [f"CREATE DATABASE {database}"])
    # the slot first: creating one waits for every open transaction, and the prepared one never ends
    for database, statements in CONTENT.items():
        _run_all(server, database, statements)
    _run_all(server, "clean", CLEAN)
    for plant in planted_here(major):
        _run_all(server, plant.database, plant.create)


def _judge(server: Server, major: int, verdicts: Verdicts) -> None:
    """PostgreSQL's verdict: --check until content, then the real upgrade until it succeeds."""
    upgrader = Upgrader(server)
    pending = planted_here(major)

    def attribute(refusals: list[Refusal]) -> list[Plant]:
        named = []
        for refusal in refusals:
            plants = [p for p in pending if p.named_by(refusal)]
            if not plants:
                verdicts.unplanted.append(refusal)
            for plant in plants:
                verdicts.pg.setdefault(plant.name, []).append(refusal)
                if plant not in named:
                    named.append(plant)
        return named

    for _ in range(len(pending) + 1):
        named = attribute(upgrader.check())
        if not named:
            break
        for plant in named:
            pending.remove(plant)
            _run_all(server, plant.database, plant.remove)
    if verdicts.unplanted:  # the tests report them; upgrading past them would only add noise
        return
    for _ in range(2):  # the first attempt lists every restore failure, the second must succeed
        verdicts.upgraded, refusals = upgrader.upgrade()
        if verdicts.upgraded or verdicts.unplanted:
            break
        for plant in attribute(refusals):
            pending.remove(plant)
            _run_all(server, plant.database, plant.remove)
    if verdicts.upgraded:
        verdicts.kept = upgrader.upgraded_facts(KEPT_SQL)


def _verdicts_of(major: int) -> Verdicts:
    """Start, plant, run our checks, let PostgreSQL judge; the server is gone when this returns."""
    started = time.monotonic()
    with started_server(embedded_bin_dir(major)) as server:
        _plant(server, major)
        executor = server.connect("postgres")
        try:
            source = server_version(executor)
        finally:
            executor.close()
        ours = {
            strategy: {r.id: r for r in run_database_checks(server.connect, source, TARGET, strategy)}
            for strategy in ("in_place", "blue_green")
        }
        result = Verdicts(source, ours)
        _judge(server, major, result)
    result.seconds = time.monotonic() - started
    return result


@pytest.fixture(scope="session")
def every_source() -> dict[int, Verdicts]:
    """Both servers judged side by side: most of the time goes to waiting on servers and pg_upgrade."""
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(SOURCES)) as pool:
        judged = dict(zip(SOURCES, pool.map(_verdicts_of, SOURCES), strict=True))
    print(f"\nPostgreSQL {', '.join(str(v.source) for v in judged.values())} judged in "
          f"{time.monotonic() - started:.1f} s")  # fmt: skip
    return judged


@pytest.fixture(params=SOURCES, ids=lambda major: f"source{major}")
def verdicts(request: pytest.FixtureRequest, every_source: dict[int, Verdicts]) -> Verdicts:
    return every_source[request.param]


def failing(results: dict[str, CheckResult]) -> dict[tuple[str | None, str | None, str | None], set[str]]:
    """(database, schema, object) -> ids of the failing checks naming it."""
    named: dict[tuple[str | None, str | None, str | None], set[str]] = {}
    for result in results.values():
        if result.status == "fail":
            for e in result.evidence:
                named.setdefault((e.database, e.schema_name, e.object_name), set()).add(result.id)
    return named


def test_the_servers_are_the_seed_versions(verdicts: Verdicts) -> None:
    assert verdicts.source in (Version(13, 20), Version(14, 18))


def test_postgresql_refuses_nothing_we_did_not_plant(verdicts: Verdicts) -> None:
    assert verdicts.unplanted == []


def test_postgresql_refuses_or_fails_on_every_problem_planted_for_it(verdicts: Verdicts) -> None:
    # the plants are PostgreSQL's problems: if one stops being refused the fixture is no longer testing it
    planted = {p.name for p in planted_here(verdicts.source.major)}
    assert set(verdicts.pg) == planted


def test_the_real_upgrade_succeeds_once_the_named_objects_are_gone(verdicts: Verdicts) -> None:
    assert verdicts.upgraded


@pytest.mark.parametrize("strategy", ["in_place", "blue_green"])
def test_every_object_postgresql_refuses_is_named_by_a_failing_check(verdicts: Verdicts, strategy: str) -> None:
    named = failing(verdicts.ours[strategy])
    missed = {
        plant.name: [f"{r.stage}: {r.reason}: {r.line}" for r in verdicts.pg[plant.name]]
        for plant in planted_here(verdicts.source.major)
        if plant.name in verdicts.pg and plant.ours not in named
    }
    assert missed == {}


@pytest.mark.parametrize("strategy", ["in_place", "blue_green"])
def test_the_clean_database_yields_no_failure(verdicts: Verdicts, strategy: str) -> None:
    results = verdicts.ours[strategy]
    assert [
        (r.id, e) for r in results.values() if r.status == "fail" for e in r.evidence if e.database == "clean"
    ] == []
    assert [r.id for r in results.values() if r.status == "error"] == []  # every check ran on this major


@pytest.mark.parametrize("strategy", ["in_place", "blue_green"])
def test_where_postgresql_is_content_a_failure_states_its_aurora_reason(verdicts: Verdicts, strategy: str) -> None:
    refused = {p.ours for p in planted_here(verdicts.source.major) if p.name in verdicts.pg}
    unexplained = {
        check_id
        for obj, ids in failing(verdicts.ours[strategy]).items()
        if obj not in refused
        for check_id in ids
        if not check(check_id).beyond_pg_upgrade
    }
    assert unexplained == set()


def test_what_the_upgrade_keeps(verdicts: Verdicts) -> None:
    """The facts our fix texts rely on, as the real upgrade left them."""
    [(invalid_indexes, slots, large_objects)] = verdicts.kept["shop"]
    [(subscriptions, enabled)] = verdicts.kept["billing"]
    assert invalid_indexes == 0  # pg_upgrade does not carry an invalid index over
    assert slots == 0  # nor a logical replication slot (from a source below 17)
    assert large_objects == 1  # large objects are carried
    assert (subscriptions, enabled) == (1, False)  # the subscription comes back, disabled
    # and the fix texts say so
    assert "not carried over" in check("P26-invalid-indexes").remediation


def test_print_the_table(verdicts: Verdicts) -> None:
    """Not an assertion: the table planted object -> PostgreSQL's verdict -> ours, shown with pytest -s."""
    named = failing(verdicts.ours["in_place"])
    print(f"\n-- source {verdicts.source} -> {TARGET} (in place)")
    for plant in planted_here(verdicts.source.major):
        said = "; ".join(f"{r.stage}: {r.reason[:60]}" for r in verdicts.pg.get(plant.name, [])) or "content"
        print(f"{plant.database}.{plant.name} | {said} | {sorted(named.get(plant.ours, [])) or 'not named'}")
    for obj, ids in sorted(named.items(), key=str):
        if obj not in {p.ours for p in planted_here(verdicts.source.major)}:
            print(f"(ours only) {obj} | {sorted(ids)}")
