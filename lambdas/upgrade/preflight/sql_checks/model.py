"""The shape of one in-database precheck: what it runs, when it applies, and how rows become evidence.

A check is data, not code: an id, a read-only catalog query whose rows are the offending objects, the
versions and strategies it applies to, and the severity when rows come back. The few checks whose verdict
needs arithmetic (extension versions, worker sizing) add a small evaluator instead of more SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from upgrade.database.sql import Row as Row  # the checks take rows from here
from upgrade.shared.preflight_report import Evidence
from upgrade.shared.versions import Version

Scope = Literal["cluster", "database"]  # cluster: once, in the first database; database: in every database
Severity = Literal["fail", "warn"]  # fail blocks the upgrade; warn is a risk a person should read
IN_PLACE = "in_place"
BLUE_GREEN = "blue_green"
ALL_STRATEGIES: frozenset[str] = frozenset({IN_PLACE, BLUE_GREEN})
BLUE_GREEN_ONLY: frozenset[str] = frozenset({BLUE_GREEN})


class Context(NamedTuple):
    """What a verdict may depend on: the upgrade, never the database being looked at."""

    source: Version
    target: Version
    strategy: str


@dataclass(frozen=True)
class Gate:
    """A predicate on (source major, target major) with the words that explain it in a skipped reason."""

    text: str
    test: Callable[[int, int], bool]

    def __call__(self, source: int, target: int) -> bool:
        return self.test(source, target)


ALL_VERSIONS = Gate("every version", lambda source, target: True)


def source_at_most(major: int) -> Gate:
    return Gate(f"source major <= {major}", lambda source, target: source <= major)


def source_at_least(major: int) -> Gate:
    return Gate(f"source major >= {major}", lambda source, target: source >= major)


def target_at_least(major: int) -> Gate:
    return Gate(f"target major >= {major}", lambda source, target: target >= major)


def all_of(*gates: Gate) -> Gate:
    return Gate(" and ".join(g.text for g in gates), lambda source, target: all(g(source, target) for g in gates))


Evaluator = Callable[[list[Row], Context, str | None], list[Evidence]]
"""Rows of one query, the upgrade, and the database the query ran in -> the offending objects."""


def text(value: Any) -> str:
    """One value as a person reads it; NULL stays visible instead of becoming an empty string."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Printable(dict[str, str]):
    def __missing__(self, key: str) -> str:  # a template naming an absent column must not hide the row
        return f"<{key}?>"


@dataclass(frozen=True)
class SqlCheck:
    id: str
    title: str
    scope: Scope
    sql: str
    severity: Severity
    remediation: str
    versions: Gate = ALL_VERSIONS
    strategies: frozenset[str] = ALL_STRATEGIES
    schema_column: str | None = None
    object_column: str | None = None
    database_column: str | None = None  # cluster checks: the column naming the database an object lives in
    detail: str = ""  # str.format template over the row; empty = "column=value; ..." of the other columns
    evaluate: Evaluator | None = None  # replaces the row-per-problem rule when a verdict needs arithmetic
    severity_for: Callable[[Context], Severity] | None = None  # when the severity depends on the upgrade
    # Why this check fails an upgrade that PostgreSQL's own pg_upgrade accepts (an Aurora precheck, what
    # blue/green replication needs); empty when pg_upgrade itself refuses or fails on every object it names.
    beyond_pg_upgrade: str = ""

    def skip_reason(self, context: Context) -> str | None:
        """Why this check does not apply to this upgrade, or None when it does."""
        if context.strategy not in self.strategies:
            wanted = " or ".join(sorted(self.strategies))
            return f"applies to {wanted} upgrades only; this one is {context.strategy}"
        if not self.versions(context.source.major, context.target.major):
            return (
                f"applies only when {self.versions.text}; "
                f"this upgrade is {context.source.major} -> {context.target.major}"
            )
        return None

    def status_for(self, context: Context) -> Severity:
        return self.severity_for(context) if self.severity_for else self.severity

    def evidence(self, rows: list[Row], context: Context, database: str | None) -> list[Evidence]:
        """Every row is one offending object unless the check brings its own evaluator."""
        if self.evaluate is not None:
            return self.evaluate(rows, context, database)
        return [self._row_evidence(row, database) for row in rows]

    def _row_evidence(self, row: Mapping[str, Any], database: str | None) -> Evidence:
        def column(name: str | None) -> str | None:
            value = row.get(name) if name else None
            return None if value is None else text(value)

        named = {self.schema_column, self.object_column, self.database_column}
        if self.detail:
            detail = self.detail.format_map(_Printable({k: text(v) for k, v in row.items()}))
        else:
            detail = "; ".join(f"{k}={text(v)}" for k, v in row.items() if k not in named) or "present"
        return Evidence(
            # a cluster check's objects live in the database its row names (none for roles, settings)
            database=column(self.database_column) if self.scope == "cluster" else database,
            schema_name=column(self.schema_column),
            object_name=column(self.object_column),
            detail=detail,
        )
