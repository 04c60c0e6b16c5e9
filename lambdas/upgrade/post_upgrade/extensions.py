"""Bring every installed extension of a database to its default version, required extensions first.

The engine upgrade leaves extensions at their old versions (pg_upgrade writes ``update_extensions.sql``; Aurora
gives no file access). An extension is updated after everything it requires; the PostGIS family goes through
``postgis_extensions_upgrade()`` as one step. One extension failing is recorded and the rest still run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from upgrade.database.budget import Budget, limit_statements
from upgrade.database.sql import Executor, QueryFailed
from upgrade.post_upgrade.sql import (
    EXTENSION_REQUIRES,
    INSTALLED_EXTENSIONS,
    POSTGIS_CALLS,
    POSTGIS_FAMILY,
    alter_extension,
    extension_versions,
    follow_ups,
    postgis_upgrade,
)
from upgrade.shared.post_upgrade_result import ExtensionChange, ExtensionFailure

EXTENSION_STATEMENT_SECONDS = 300.0  # an update script is catalog work; PostGIS's can take minutes


@dataclass(frozen=True)
class Installed:
    name: str
    version: str
    default_version: str | None
    schema_name: str

    @property
    def outdated(self) -> bool:
        return self.default_version is not None and self.version != self.default_version


@dataclass(frozen=True)
class Update:
    """One step: ALTER EXTENSION for one extension, or postgis_extensions_upgrade() for the family."""

    members: tuple[Installed, ...]
    postgis: bool = False

    @property
    def label(self) -> str:
        return "PostGIS family" if self.postgis else self.members[0].name

    def statement(self) -> str:
        if self.postgis:
            return postgis_upgrade(next(m.schema_name for m in self.members if m.name == "postgis"))
        return alter_extension(self.members[0].name)


@dataclass
class ExtensionOutcome:
    updated: list[ExtensionChange] = field(default_factory=list)
    failed: list[ExtensionFailure] = field(default_factory=list)
    not_reached: list[Update] = field(default_factory=list)


def installed(rows: list[dict[str, Any]]) -> list[Installed]:
    return [
        Installed(
            str(r["name"]),
            str(r["installed_version"]),
            None if r["default_version"] is None else str(r["default_version"]),
            str(r["schema_name"]),
        )
        for r in rows
    ]


def dependency_order(names: list[str], requires: list[tuple[str, str]]) -> list[str]:
    """Every name after the names it requires; ties alphabetical, so the order is the same on every run."""
    after: dict[str, set[str]] = {name: set() for name in names}
    for dependent, required in requires:
        if dependent in after and required in after and dependent != required:
            after[dependent].add(required)
    ordered: list[str] = []
    while after:
        ready = sorted(name for name, needs in after.items() if not needs)
        if not ready:  # a cycle cannot be created in PostgreSQL; never loop forever on one anyway
            ready = sorted(after)
        ordered.extend(ready)
        for name in ready:
            del after[name]
        for needs in after.values():
            needs.difference_update(ready)
    return ordered


def plan_updates(extensions: list[Installed], requires: list[tuple[str, str]]) -> list[Update]:
    """The updates to run, in order. With postgis installed its family is one node of the dependency graph."""
    by_name = {e.name: e for e in extensions}
    grouped = "postgis" in by_name

    def node(name: str) -> str:
        return "postgis" if grouped and name in POSTGIS_FAMILY else name

    nodes = sorted({node(e.name) for e in extensions})
    edges = [(node(dependent), node(required)) for dependent, required in requires]
    updates: list[Update] = []
    for name in dependency_order(nodes, edges):
        if grouped and name == "postgis":
            family = tuple(e for e in extensions if e.name in POSTGIS_FAMILY)
            if any(member.outdated for member in family):
                updates.append(Update(family, postgis=True))
        elif by_name[name].outdated:
            updates.append(Update((by_name[name],)))
    return updates


def update_extensions(executor: Executor, database: str, budget: Budget, sessions: bool) -> ExtensionOutcome:
    """Run the planned updates until the budget is spent; what is left is returned as ``not_reached``."""
    extensions = installed(executor.query(INSTALLED_EXTENSIONS))
    requires = [(str(r["dependent"]), str(r["required"])) for r in executor.query(EXTENSION_REQUIRES)]
    outcome = ExtensionOutcome()
    updates = plan_updates(extensions, requires)
    for position, update in enumerate(updates):
        if budget.spent:
            outcome.not_reached = updates[position:]
            break
        _run(executor, database, update, budget, sessions, outcome)
    return outcome


def _run(
    executor: Executor, database: str, update: Update, budget: Budget, sessions: bool, outcome: ExtensionOutcome
) -> None:
    calls = POSTGIS_CALLS if update.postgis else 1
    versions = {m.name: m.version for m in update.members}
    error: str | None = None
    for _ in range(calls):
        try:
            if sessions:
                limit_statements(executor, budget.statement_seconds(EXTENSION_STATEMENT_SECONDS))
            executor.query(update.statement())
            versions = _versions(executor, list(versions))
        except QueryFailed as failure:
            error = str(failure)
            break
        if all(versions.get(m.name) == m.default_version for m in update.members if m.default_version):
            break
    via = "postgis_extensions_upgrade" if update.postgis else "alter_extension"
    for member in update.members:
        now = versions.get(member.name, member.version)
        if now != member.version:
            outcome.updated.append(
                ExtensionChange(
                    database=database, name=member.name, from_version=member.version, to_version=now, via=via
                )
            )
            _follow_up(executor, database, member, now, outcome)
        elif member.outdated:
            outcome.failed.append(
                ExtensionFailure(
                    database=database,
                    name=member.name,
                    from_version=member.version,
                    target_version=member.default_version,
                    error=error or f"still at {now} after {update.statement()}",
                )
            )


def _versions(executor: Executor, names: list[str]) -> dict[str, str]:
    return {str(r["name"]): str(r["version"]) for r in executor.query(extension_versions(names))}


def _follow_up(executor: Executor, database: str, member: Installed, now: str, outcome: ExtensionOutcome) -> None:
    for statement in follow_ups(member.name, member.schema_name):
        try:
            executor.query(statement)
        except QueryFailed as error:
            outcome.failed.append(
                ExtensionFailure(
                    database=database,
                    name=f"{member.name} (follow-up)",
                    from_version=now,
                    error=f"{statement}: {error}",
                )
            )
