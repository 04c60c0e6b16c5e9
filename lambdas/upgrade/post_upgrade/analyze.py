"""ANALYZE one database: a single pass when small, vacuumdb's three stages when large.

pg_upgrade does not carry optimizer statistics (PostgreSQL <= 17), so every table starts without any. Stage 1
(statistics target 1) gives the planner something within minutes; stages 2 and 3 refine it. The stages need
session settings, so through the RDS Data API (no session) every database gets a single pass.
"""

from __future__ import annotations

from upgrade.database.budget import Budget, limit_statements
from upgrade.database.sql import Executor, QueryFailed
from upgrade.post_upgrade.sql import (
    ANALYZE,
    ANALYZE_LOCK_TIMEOUT,
    ANALYZE_STAGES,
    DATABASE_SIZE,
    LARGE_DATABASE_BYTES,
)
from upgrade.shared.post_upgrade_result import AnalyzeOutcome


def first_pass(executor: Executor, database: str, budget: Budget, sessions: bool) -> AnalyzeOutcome:
    """Measure the database, choose the mode, and run the first (or only) pass."""
    try:
        size: int | None = int(executor.query(DATABASE_SIZE)[0]["bytes"])
    except QueryFailed:
        size = None  # unknown: treat as large, the staged way is never wrong
    staged = sessions and (size is None or size >= LARGE_DATABASE_BYTES)
    outcome = AnalyzeOutcome(
        database=database,
        mode="in_stages" if staged else "single",
        size_bytes=size,
        stages_total=len(ANALYZE_STAGES) if staged else 1,
    )
    next_pass(executor, outcome, budget, sessions)
    return outcome


def next_pass(executor: Executor, outcome: AnalyzeOutcome, budget: Budget, sessions: bool) -> None:
    """Run the outcome's next stage; an error (a timeout, a lock) ends the database's ANALYZE work."""
    settings = ANALYZE_STAGES[outcome.stages_done] if outcome.mode == "in_stages" else ()
    started = budget.elapsed()
    try:
        if sessions:
            executor.query(ANALYZE_LOCK_TIMEOUT)
            limit_statements(executor, budget.statement_seconds())
        for statement in settings:
            executor.query(statement)
        executor.query(ANALYZE)
        outcome.stages_done += 1
    except QueryFailed as error:
        outcome.error = str(error)
    finally:
        outcome.seconds = round(outcome.seconds + budget.elapsed() - started, 3)


def wants_more(outcome: AnalyzeOutcome) -> bool:
    return not outcome.done and outcome.error is None
