"""The in-database part of the post-upgrade step, within a time budget, on one cluster.

Order: the writer's version; ANALYZE's first pass in every database (a single ANALYZE for small ones, stage 1
for large ones, so every database has statistics early); extension updates in every database (catalog work,
seconds); then the remaining ANALYZE stages of the large databases. Nothing new starts once the budget is
spent; what is left is reported with the command that finishes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from upgrade.database.access import ClusterSql
from upgrade.database.budget import Budget
from upgrade.database.sql import LIST_DATABASES, ConnectFailed, Executor, QueryFailed, connectable, server_version
from upgrade.post_upgrade.analyze import first_pass, next_pass, wants_more
from upgrade.post_upgrade.extensions import Update, update_extensions
from upgrade.post_upgrade.sql import (
    POSTGIS_FAMILY,
    READ_WRITE_SESSION,
    alter_extension,
    leftover_without_access,
    psql,
    psql_outdated_extensions,
    vacuumdb,
)
from upgrade.shared.errors import PostUpgradeVerificationFailed
from upgrade.shared.models import PostUpgradeOptions
from upgrade.shared.post_upgrade_result import AnalyzeOutcome, DatabaseProblem, LeftoverWork, PostUpgradeResult

VERIFY_SECONDS = 30.0


@dataclass
class _Progress:
    databases: list[str]
    analyzed: dict[str, AnalyzeOutcome] = field(default_factory=dict)
    extensions_done: set[str] = field(default_factory=set)
    extensions_left: dict[str, list[Update]] = field(default_factory=dict)
    unreachable: set[str] = field(default_factory=set)
    out_of_time: bool = False


def in_database_work(
    sql: ClusterSql,
    options: PostUpgradeOptions,
    first_database: str,
    target_major: int,
    budget: Budget,
    result: PostUpgradeResult,
) -> None:
    """Fill ``result`` with what was done and what is left; raise if the writer runs another major version."""
    databases = _verify_and_list(sql, first_database, target_major, budget, result)
    if databases is None:
        result.leftover = leftover_without_access(sql.host, sql.port, sql.user, options)
        return
    progress = _Progress(databases)
    if options.analyze:
        _each_database(sql, progress, budget, result, lambda e, db: _first_analyze(e, db, sql, budget, progress))
    if options.update_extensions:
        _each_database(sql, progress, budget, result, lambda e, db: _extensions(e, db, sql, budget, progress, result))
    if options.analyze:
        for _ in range(2):  # at most two more stages
            todo = [db for db, outcome in progress.analyzed.items() if wants_more(outcome)]
            _each_database(
                sql,
                progress,
                budget,
                result,
                lambda e, db: next_pass(e, progress.analyzed[db], budget, sql.sessions),
                only=todo,
            )
    result.analyze = [progress.analyzed[db] for db in databases if db in progress.analyzed]
    result.budget_exhausted = progress.out_of_time
    result.leftover = _leftover(sql, options, progress) + _retries(sql, result)


def _verify_and_list(
    sql: ClusterSql, first_database: str, target_major: int, budget: Budget, result: PostUpgradeResult
) -> list[str] | None:
    try:
        first = sql.open(first_database, budget.session_seconds(VERIFY_SECONDS))
    except ConnectFailed as error:
        result.unreachable.append(DatabaseProblem(database=first_database, error=f"could not connect: {error}"))
        return None
    try:
        running = server_version(first)
        result.server_version = f"{running.major}.{running.minor}"
        if running.major != target_major:
            raise PostUpgradeVerificationFailed(
                f"the writer of {result.cluster_id} answers server_version {result.server_version}, "
                f"expected major version {target_major}"
            )
        return connectable(first.query(LIST_DATABASES))
    except QueryFailed as error:
        result.unreachable.append(DatabaseProblem(database=first_database, error=f"could not list databases: {error}"))
        return None
    finally:
        first.close()


def _each_database(
    sql: ClusterSql,
    progress: _Progress,
    budget: Budget,
    result: PostUpgradeResult,
    work: Callable[[Executor, str], None],
    only: list[str] | None = None,
) -> None:
    for database in only if only is not None else progress.databases:
        if database in progress.unreachable:
            continue
        if budget.spent:
            progress.out_of_time = True
            return
        try:
            executor = sql.open(database, budget.session_seconds())
        except ConnectFailed as error:
            progress.unreachable.add(database)
            result.unreachable.append(DatabaseProblem(database=database, error=f"could not connect: {error}"))
            continue
        try:
            if sql.sessions:
                for statement in READ_WRITE_SESSION:
                    executor.query(statement)
            work(executor, database)
        except QueryFailed as error:
            result.unreachable.append(DatabaseProblem(database=database, error=str(error)))
        finally:
            executor.close()


def _first_analyze(executor: Executor, database: str, sql: ClusterSql, budget: Budget, progress: _Progress) -> None:
    progress.analyzed[database] = first_pass(executor, database, budget, sql.sessions)


def _extensions(
    executor: Executor, database: str, sql: ClusterSql, budget: Budget, progress: _Progress, result: PostUpgradeResult
) -> None:
    outcome = update_extensions(executor, database, budget, sql.sessions)
    result.extensions_updated.extend(outcome.updated)
    result.extensions_failed.extend(outcome.failed)
    progress.extensions_done.add(database)
    if outcome.not_reached:
        progress.extensions_left[database] = outcome.not_reached
        progress.out_of_time = True


def _leftover(sql: ClusterSql, options: PostUpgradeOptions, progress: _Progress) -> list[LeftoverWork]:
    host, port, user = sql.host, sql.port, sql.user
    left: list[LeftoverWork] = []
    if options.analyze:  # per database: vacuumdb --all would also try rdsadmin, which refuses connections
        for database in progress.databases:
            outcome = progress.analyzed.get(database)
            if outcome is None:
                left.append(_analyze(host, port, user, database, True, "ANALYZE (not started)"))
            elif not outcome.done:
                staged = outcome.mode == "in_stages" and outcome.stages_done == 0
                what = "ANALYZE (not started)" if outcome.stages_done == 0 else "ANALYZE (full statistics)"
                left.append(_analyze(host, port, user, database, staged, what))
    if options.update_extensions:
        for database in progress.databases:
            if database not in progress.extensions_done:
                command = psql_outdated_extensions(host, port, user, database)
                left.append(LeftoverWork(database=database, what="extension updates", command=command))
            for update in progress.extensions_left.get(database, []):
                command = psql(host, port, user, database, update.statement())
                left.append(LeftoverWork(database=database, what=f"update {update.label}", command=command))
    return left


def _retries(sql: ClusterSql, result: PostUpgradeResult) -> list[LeftoverWork]:
    """Failed updates, to run again once the cause (shown with the failure) is fixed."""
    left: list[LeftoverWork] = []
    for failure in result.extensions_failed:
        if failure.name.endswith("(follow-up)"):
            continue
        statement = (
            "SELECT postgis_extensions_upgrade()" if failure.name in POSTGIS_FAMILY else alter_extension(failure.name)
        )
        command = psql(sql.host, sql.port, sql.user, failure.database, statement)
        retry = LeftoverWork(
            database=failure.database, what=f"retry {failure.name} after fixing the error", command=command
        )
        if retry not in left:
            left.append(retry)
    return left


def _analyze(host: str, port: int, user: str, database: str, staged: bool, what: str) -> LeftoverWork:
    return LeftoverWork(database=database, what=what, command=vacuumdb(host, port, user, database, staged))
