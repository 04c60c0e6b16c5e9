"""Compare blue and green database by database: schema fingerprints, every sequence, then row counts of blue's
largest tables.

Blue keeps taking writes and logical replication lags behind it, so a count that differs is taken again (after a
pause) before it counts as a mismatch; the two sides are counted at the same moment, in parallel. Whatever the
budget does not reach is "not checked", which is not a failure. Sequences lower on green are expected before the
switchover (replication does not carry them; RDS synchronizes them during the switchover).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from upgrade.consistency.schema import schema_changes
from upgrade.consistency.sql import SEQUENCES, SESSION_NAME, count_rows, largest_tables, present_tables
from upgrade.database.access import ClusterSql
from upgrade.database.budget import Budget, limit_statements
from upgrade.database.sql import LIST_DATABASES, ConnectFailed, Executor, QueryFailed, connectable
from upgrade.shared.consistency_result import (
    MAX_LISTED,
    ConsistencyResult,
    SequenceComparison,
    SequenceStatus,
    TableComparison,
)

COUNT_STATEMENT_SECONDS = 60.0  # one count(*) on production may not take longer (nor past the budget)
RECOUNT_PAUSES = (2.0, 5.0)  # waits before the second and third count of a table that differed
_ORDER = {"mismatch": 0, "missing_on_green": 0, "not_checked": 1, "match": 2}
_SEQUENCE_ORDER = {"missing_on_green": 0, "green_higher": 1, "green_lower": 2, "equal": 3}


@dataclass(frozen=True)
class _Side:
    sql: ClusterSql
    executor: Executor

    def count(self, statement: str, budget: Budget) -> int:
        if self.sql.sessions:
            limit_statements(self.executor, budget.statement_seconds(COUNT_STATEMENT_SECONDS))
        return int(self.executor.query(statement)[0]["row_count"])


def compare_clusters(
    blue: ClusterSql,
    green: ClusterSql,
    largest: int,
    first_database: str,
    budget: Budget,
    sleep: Callable[[float], None],
    result: ConsistencyResult,
) -> None:
    """Fill ``result``; every database of blue is compared until the budget is spent."""
    databases = _databases(blue, first_database, budget, result)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="count") as pool:
        for position, database in enumerate(databases):
            if budget.spent:
                result.databases_not_checked = databases[position:]
                break
            result.databases.append(database)
            _compare_database(blue, green, database, largest, budget, sleep, pool, result)
    result.tables.sort(key=lambda t: (_ORDER[t.status], t.database, t.schema_name, t.table))
    result.sequences.sort(key=lambda s: (_SEQUENCE_ORDER[s.status], s.database, s.schema_name, s.sequence))
    result.omitted = sum(max(0, len(found) - MAX_LISTED) for found in (result.tables, result.sequences))
    result.omitted += max(0, len(result.schema_changes) - MAX_LISTED)
    result.tables, result.sequences = result.tables[:MAX_LISTED], result.sequences[:MAX_LISTED]
    result.schema_changes = result.schema_changes[:MAX_LISTED]


def _databases(blue: ClusterSql, first_database: str, budget: Budget, result: ConsistencyResult) -> list[str]:
    try:
        first = blue.open(first_database, budget.session_seconds(COUNT_STATEMENT_SECONDS))
    except ConnectFailed as error:
        result.problems.append(f"cannot connect to blue database {first_database}: {error}")
        return []
    try:
        return connectable(first.query(LIST_DATABASES))
    except QueryFailed as error:
        result.problems.append(f"cannot list blue's databases: {error}")
        return []
    finally:
        first.close()


def _open(sql: ClusterSql, color: str, database: str, budget: Budget, result: ConsistencyResult) -> _Side | None:
    try:
        executor = sql.open(database, budget.session_seconds(COUNT_STATEMENT_SECONDS))
    except ConnectFailed as error:
        result.problems.append(f"cannot connect to database {database} on {color}: {error}")
        return None
    if sql.sessions:
        try:
            executor.query(SESSION_NAME)
        except QueryFailed:
            executor.close()
            raise
    return _Side(sql, executor)


def _compare_database(
    blue_sql: ClusterSql,
    green_sql: ClusterSql,
    database: str,
    largest: int,
    budget: Budget,
    sleep: Callable[[float], None],
    pool: ThreadPoolExecutor,
    result: ConsistencyResult,
) -> None:
    blue = green = None
    try:
        blue = _open(blue_sql, "blue", database, budget, result)
        green = _open(green_sql, "green", database, budget, result) if blue else None
        if blue and green:
            result.schema_changes.extend(schema_changes(database, blue.executor, green.executor))
            _compare_sequences(blue, green, database, result)
            _compare_tables(blue, green, database, largest, budget, sleep, pool, result)
    except QueryFailed as error:
        result.problems.append(f"cannot read the catalogs of {database}: {error}")
    finally:
        for side in (blue, green):
            if side:
                side.executor.close()


def _compare_sequences(blue: _Side, green: _Side, database: str, result: ConsistencyResult) -> None:
    def values(side: _Side) -> dict[tuple[str, str], int | None]:
        rows = side.executor.query(SEQUENCES)
        return {
            (str(r["schema_name"]), str(r["sequence_name"])): None if r["last_value"] is None else int(r["last_value"])
            for r in rows
        }

    on_blue, on_green = values(blue), values(green)
    for (schema, name), blue_value in sorted(on_blue.items()):
        result.sequences_compared += 1
        entry = {"database": database, "schema_name": schema, "sequence": name, "blue_last_value": blue_value}
        if (schema, name) not in on_green:
            result.sequences.append(SequenceComparison(**entry, status="missing_on_green"))
            continue
        green_value = on_green[schema, name]
        status = _sequence_status(blue_value, green_value)
        if status != "equal":
            result.sequences.append(SequenceComparison(**entry, green_last_value=green_value, status=status))


def _sequence_status(blue: int | None, green: int | None) -> SequenceStatus:
    """A never-used sequence (NULL last_value) is behind any used one."""
    if blue == green:
        return "equal"
    if green is None or (blue is not None and green < blue):
        return "green_lower"
    return "green_higher"


def _compare_tables(
    blue: _Side,
    green: _Side,
    database: str,
    largest: int,
    budget: Budget,
    sleep: Callable[[float], None],
    pool: ThreadPoolExecutor,
    result: ConsistencyResult,
) -> None:
    picked = blue.executor.query(largest_tables(largest))
    names = [(str(r["schema_name"]), str(r["table_name"])) for r in picked]
    if not names:
        return
    present = {(str(r["schema_name"]), str(r["table_name"])) for r in green.executor.query(present_tables(names))}
    counted: list[tuple[TableComparison, str]] = []
    for row, (schema, table) in zip(picked, names, strict=True):
        entry = TableComparison(database=database, schema_name=schema, table=table, status="not_checked")
        if (schema, table) not in present:
            entry.status = "missing_on_green"
        elif budget.spent:
            entry.detail = "no time left in the budget"
        else:
            statement = count_rows(schema, table, str(row["kind"]))
            _count(blue, green, entry, statement, budget, pool)
            counted.append((entry, statement))
        result.tables.append(entry)
    _recount(blue, green, [c for c in counted if c[0].status == "mismatch"], budget, sleep, pool)
    matched = [t for t in result.tables if t.status == "match"]
    result.tables_matched += len(matched)
    result.tables = [t for t in result.tables if t.status != "match"]


def _count(
    blue: _Side, green: _Side, entry: TableComparison, statement: str, budget: Budget, pool: ThreadPoolExecutor
) -> None:
    on_blue = pool.submit(blue.count, statement, budget)
    on_green = pool.submit(green.count, statement, budget)
    errors = []
    for color, future in (("blue", on_blue), ("green", on_green)):
        try:
            future.result()
        except QueryFailed as error:
            errors.append(f"{color}: {error}")
    if errors:
        entry.status, entry.detail = "not_checked", "; ".join(errors)
        return
    entry.attempts += 1
    entry.blue_rows, entry.green_rows = on_blue.result(), on_green.result()
    entry.status = "match" if entry.blue_rows == entry.green_rows else "mismatch"


def _recount(
    blue: _Side,
    green: _Side,
    differing: list[tuple[TableComparison, str]],
    budget: Budget,
    sleep: Callable[[float], None],
    pool: ThreadPoolExecutor,
) -> None:
    for pause in RECOUNT_PAUSES:
        differing = [(entry, statement) for entry, statement in differing if entry.status == "mismatch"]
        if not differing or budget.remaining() <= pause:
            break
        sleep(pause)
        for entry, statement in differing:
            if budget.spent:
                break
            counts = entry.blue_rows, entry.green_rows, entry.attempts
            _count(blue, green, entry, statement, budget, pool)
            if entry.status == "not_checked":  # a recount failed: keep what the earlier counts showed
                entry.blue_rows, entry.green_rows, entry.attempts = counts
                entry.status, entry.detail = "mismatch", f"a recount failed ({entry.detail})"
    for entry, _ in differing:
        if entry.status == "mismatch" and entry.attempts < 1 + len(RECOUNT_PAUSES) and not entry.detail:
            entry.detail = "no time left to count again"
