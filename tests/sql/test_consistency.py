"""Blue vs green against real PostgreSQL: two servers play blue and green, each with the same database ``app``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from aws import postgres
from tests.postgres_server import Server, started_server
from upgrade.consistency.check import verify_consistency
from upgrade.database.access import ClusterSql
from upgrade.database.budget import Budget
from upgrade.database.sql import Executor
from upgrade.shared.consistency_result import ConsistencyResult
from upgrade.shared.errors import ConsistencyMismatch

APP = [
    "CREATE TABLE orders (id bigserial PRIMARY KEY, item text)",
    "INSERT INTO orders (item) SELECT 'item ' || i FROM generate_series(1, 3000) AS i",
    "CREATE TABLE customers (id int PRIMARY KEY, name text)",
    "INSERT INTO customers SELECT i, 'customer ' || i FROM generate_series(1, 500) AS i",
    "CREATE TABLE events (at date NOT NULL, n int) PARTITION BY RANGE (at)",
    "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
    "INSERT INTO events SELECT date '2024-06-01' + (i % 400), i FROM generate_series(1, 1000) AS i",
    "CREATE UNLOGGED TABLE cart_cache (k int)",  # not replicated by blue/green: never compared
    "INSERT INTO cart_cache VALUES (1)",
    "CREATE SEQUENCE invoice_no",
    "SELECT nextval('invoice_no') FROM generate_series(1, 10)",
]


class Clock:
    """Time that moves only when told to (the recount pauses, the ticking counts)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module")
def blue_server() -> Iterator[Server]:
    with started_server() as server:
        yield server


@pytest.fixture(scope="module")
def green_server() -> Iterator[Server]:
    with started_server() as server:
        yield server


def _run(server: Server, database: str, statements: list[str]) -> None:
    session = server.admin(database)
    try:
        for statement in statements:
            session.run(statement)
    finally:
        session.close()


@pytest.fixture
def app(blue_server: Server, green_server: Server) -> Iterator[Callable[[str, list[str]], None]]:
    """Database ``app`` alike on both; the test then changes a side with ``change("blue"|"green", statements)``."""
    servers = {"blue": blue_server, "green": green_server}
    for server in servers.values():
        _run(server, "postgres", ["CREATE DATABASE app"])
        _run(server, "app", APP)
    yield lambda side, statements: _run(servers[side], "app", statements)
    for server in servers.values():
        _run(server, "postgres", ["DROP DATABASE IF EXISTS app WITH (FORCE)", "DROP DATABASE IF EXISTS extra"])


def sessions(server: Server, on_query: Callable[[str], None] | None = None) -> ClusterSql:
    class Watched:
        def __init__(self, executor: Executor) -> None:
            self._executor = executor

        def query(self, sql: str) -> list[dict[str, Any]]:
            if on_query:
                on_query(sql)
            return self._executor.query(sql)

        def close(self) -> None:
            self._executor.close()

    def open_database(database: str, timeout: float) -> Executor:
        return Watched(postgres.connect(server.host, server.port, server.user, None, database, False, timeout))

    return ClusterSql(open_database, server.host, server.port, server.user, "direct")


def compare(
    blue: Server,
    green: Server,
    clock: Clock | None = None,
    budget: float = 60,
    sleep: Callable[[float], None] | None = None,
    blue_sql: ClusterSql | None = None,
) -> ConsistencyResult:
    clock = clock or Clock()
    result = ConsistencyResult(blue_cluster="prod-db", green_cluster="prod-db-green-abc123", budget_seconds=int(budget))
    return verify_consistency(
        blue_sql or sessions(blue),
        sessions(green),
        largest_tables=20,
        first_database="postgres",
        budget=Budget(budget, clock),
        sleep=sleep or clock.sleep,
        result=result,
    )


def test_identical_blue_and_green_pass(blue_server, green_server, app) -> None:
    result = compare(blue_server, green_server)
    assert result.passed and result.databases == ["app", "postgres"]
    assert result.tables_matched == 3  # orders, customers, events (with its partitions); not the unlogged cache
    assert result.tables == [] and result.sequences == []
    assert result.sequences_compared == 2  # orders_id_seq, invoice_no
    assert "PASSED" in result.lines()[0]


def test_a_row_missing_on_green_is_a_mismatch_after_recounts(blue_server, green_server, app) -> None:
    app("green", ["DELETE FROM orders WHERE id = 42"])
    clock = Clock()
    with pytest.raises(ConsistencyMismatch, match=r"table app\.public\.orders: blue 3000 rows, green 2999 rows"):
        compare(blue_server, green_server, clock)
    assert clock.slept == [2.0, 5.0]  # counted three times before calling it a mismatch


def test_partitions_are_counted_through_their_parent(blue_server, green_server, app) -> None:
    app("green", ["DELETE FROM events_2025 WHERE n = 300"])
    with pytest.raises(ConsistencyMismatch, match=r"app\.public\.events: blue 1000 rows, green 999 rows"):
        compare(blue_server, green_server)


def test_a_green_that_catches_up_between_counts_passes(blue_server, green_server, app) -> None:
    app("green", ["DELETE FROM customers WHERE id > 490"])
    clock = Clock()

    def replication_catches_up(seconds: float) -> None:
        clock.sleep(seconds)
        app("green", ["INSERT INTO customers SELECT i, 'customer ' || i FROM generate_series(491, 500) AS i"])

    result = compare(blue_server, green_server, clock, sleep=replication_catches_up)
    assert result.passed and result.tables_matched == 3 and clock.slept == [2.0]


def test_a_table_missing_on_green_is_a_mismatch(blue_server, green_server, app) -> None:
    app("green", ["DROP TABLE customers"])
    with pytest.raises(ConsistencyMismatch, match=r"table app\.public\.customers is missing on green"):
        compare(blue_server, green_server)


def test_a_missing_sequence_is_a_mismatch(blue_server, green_server, app) -> None:
    app("green", ["DROP SEQUENCE invoice_no"])
    with pytest.raises(ConsistencyMismatch, match=r"sequence app\.public\.invoice_no is missing on green"):
        compare(blue_server, green_server)


def test_a_lower_sequence_on_green_is_reported_not_failed(blue_server, green_server, app) -> None:
    app("green", ["SELECT setval('orders_id_seq', 7)"])
    result = compare(blue_server, green_server)
    assert result.passed
    [lower] = result.sequences
    assert (lower.sequence, lower.status, lower.blue_last_value, lower.green_last_value) == (
        "orders_id_seq",
        "green_lower",
        3000,
        7,
    )
    text = "\n".join(result.lines())
    assert "expected before the switchover" in text and "RDS-EVENT-0311" in text


def test_a_database_green_cannot_open_is_a_mismatch(blue_server, green_server, app) -> None:
    _run(blue_server, "postgres", ["CREATE DATABASE extra"])
    with pytest.raises(ConsistencyMismatch, match="cannot connect to database extra on green"):
        compare(blue_server, green_server)


def test_tables_the_budget_does_not_reach_are_not_checked_and_not_a_failure(blue_server, green_server, app) -> None:
    clock = Clock()

    def slow_counts(sql: str) -> None:
        if "AS row_count" in sql:  # the row counts (not the catalog reads, which count large objects)
            clock.now += 50  # each count on blue takes 50 s of a 60 s budget

    result = compare(blue_server, green_server, clock, budget=60, blue_sql=sessions(blue_server, slow_counts))
    assert result.passed
    assert result.tables_matched == 2
    [unchecked] = result.tables
    assert (unchecked.status, unchecked.detail) == ("not_checked", "no time left in the budget")
    assert result.databases_not_checked == ["postgres"]
    assert any(line.startswith("Not checked: table app.public.") for line in result.lines())


def test_counts_run_under_a_statement_timeout(blue_server, green_server, app) -> None:
    seen: list[str] = []
    compare(blue_server, green_server, blue_sql=sessions(blue_server, seen.append))
    timeouts = [sql for sql in seen if sql.startswith("SET statement_timeout")]
    assert timeouts and all(sql == "SET statement_timeout = 60000" for sql in timeouts)


# --- schema fingerprints: a schema change on blue while green exists (logical replication carries no DDL) ---


def test_a_column_added_on_blue_is_named_with_what_to_do(blue_server, green_server, app) -> None:
    app("blue", ["ALTER TABLE orders ADD COLUMN note text"])  # no write yet: the row counts still agree
    with pytest.raises(ConsistencyMismatch) as raised:
        compare(blue_server, green_server)
    message = str(raised.value)
    assert "schema change in database app: table public.orders: column note text (on blue only)" in message
    assert "apply the same change on green" in message and "--delete-target" in message


def test_index_constraint_and_type_changes_on_blue_are_each_named(blue_server, green_server, app) -> None:
    app(
        "blue",
        [
            "CREATE INDEX customers_by_name ON customers (name)",
            "ALTER TABLE customers ADD CONSTRAINT name_present CHECK (name <> '')",
            "ALTER TABLE orders ALTER COLUMN item TYPE varchar(200)",
        ],
    )
    with pytest.raises(ConsistencyMismatch):
        compare(blue_server, green_server)
    result = ConsistencyResult()
    with pytest.raises(ConsistencyMismatch):
        verify_consistency(
            sessions(blue_server), sessions(green_server), 20, "postgres", Budget(60, Clock()), Clock().sleep, result
        )
    found = {(c.object, c.change) for c in result.schema_changes}
    assert {
        (
            "table public.customers",
            "index customers_by_name: CREATE INDEX customers_by_name ON public.customers "
            "USING btree (name) (on blue only)",
        ),
        ("table public.customers", "constraint name_present: CHECK ((name <> ''::text)) (on blue only)"),
        ("table public.orders", "column item character varying(200) (on blue only)"),
        ("table public.orders", "column item text (on green only)"),
    } <= found, found


def test_a_table_sequence_and_extension_created_on_blue_are_named(blue_server, green_server, app) -> None:
    app("blue", ["CREATE TABLE coupons (code text PRIMARY KEY)", "CREATE SEQUENCE ticket_no", "CREATE EXTENSION cube"])
    result = ConsistencyResult()
    with pytest.raises(ConsistencyMismatch):
        verify_consistency(
            sessions(blue_server), sessions(green_server), 20, "postgres", Budget(60, Clock()), Clock().sleep, result
        )
    objects = {c.object for c in result.schema_changes if c.change == "created on blue"}
    assert {"table public.coupons", "sequence public.ticket_no", "extension cube"} <= objects


def test_an_extension_updated_on_green_is_not_a_schema_change(blue_server, green_server, app) -> None:
    for side in ("blue", "green"):
        app(side, ["CREATE EXTENSION cube VERSION '1.4'", "CREATE TABLE places (id int PRIMARY KEY, at cube)"])
    app("green", ["ALTER EXTENSION cube UPDATE"])  # the post-upgrade step's work: its objects are left out
    result = compare(blue_server, green_server)
    assert result.passed and result.schema_changes == []


def test_large_objects_made_on_blue_are_counted(blue_server, green_server, app) -> None:
    app("blue", ["SELECT lo_from_bytea(0, 'invoice scan')"])
    with pytest.raises(ConsistencyMismatch, match=r"app: large objects: 1 on blue, 0 on green \(not replicated\)"):
        compare(blue_server, green_server)
