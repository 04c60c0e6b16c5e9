"""Before the switchover: does green hold what blue holds? A mismatch raises ``ConsistencyMismatch``.

The state machine catches that error, holds the switchover and notifies; the message lists the tables,
sequences and databases that differ. A database that cannot be compared (no connection on one side) counts as
a mismatch too: a guard that cannot look must not wave the switchover through.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from aws.rds import Rds
from upgrade.database.budget import Budget
from upgrade.database.sessions import SessionsFor
from upgrade.shared.consistency_result import MAX_LISTED, SCHEMA_CHANGE_NEXT_STEP, ConsistencyResult
from upgrade.shared.errors import ConsistencyMismatch, DatabaseAccessFailed
from upgrade.shared.models import WorkflowState
from upgrade.shared.naming import cluster_id_of

if TYPE_CHECKING:
    from upgrade.database.access import ClusterSql

MAX_IN_MESSAGE = 20  # the error's Cause travels in the state and the notification


def run_consistency_check(
    state: WorkflowState,
    rds: Rds,
    sessions: SessionsFor,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ConsistencyResult:
    request, plan = state.request, state.require_plan()
    options = request.consistency_check
    skipped = _skip_reason(state)
    if skipped:
        return ConsistencyResult(skipped=skipped, budget_seconds=options.time_budget_seconds)
    assert request.database is not None and state.blue_green is not None  # _skip_reason said so
    green_arn = state.blue_green.green_cluster_arn
    if not green_arn:
        raise ConsistencyMismatch("cannot compare: the blue/green deployment reported no green cluster (Target)")
    budget = Budget(options.time_budget_seconds, clock)
    blue_cluster = rds.describe_cluster(plan.cluster.cluster_id)
    green_cluster = rds.describe_cluster(cluster_id_of(green_arn))
    result = ConsistencyResult(
        blue_cluster=blue_cluster["DBClusterIdentifier"],
        green_cluster=green_cluster["DBClusterIdentifier"],
        budget_seconds=options.time_budget_seconds,
    )
    try:
        blue = sessions(request.database, blue_cluster, False)
        green = sessions(request.database, green_cluster, True)
    except DatabaseAccessFailed as error:
        raise ConsistencyMismatch(f"cannot compare blue and green: {error}") from None
    return verify_consistency(blue, green, options.largest_tables, request.database.database, budget, sleep, result)


def verify_consistency(
    blue: ClusterSql,
    green: ClusterSql,
    largest_tables: int,
    first_database: str,
    budget: Budget,
    sleep: Callable[[float], None],
    result: ConsistencyResult,
) -> ConsistencyResult:
    """Compare, then raise ``ConsistencyMismatch`` naming what differs, or return the result."""
    # the comparison only when there is something to compare (blue/green with database access in the input): a
    # skipped check does not compile it at cold start
    from upgrade.consistency.compare import compare_clusters

    compare_clusters(blue, green, largest_tables, first_database, budget, sleep, result)
    result.elapsed_seconds = round(budget.elapsed(), 3)
    if result.mismatches:
        raise ConsistencyMismatch(mismatch_message(result))
    return result


def _skip_reason(state: WorkflowState) -> str | None:
    request = state.request
    if request.strategy != "blue_green":
        return "an in-place upgrade has no green cluster to compare"
    if not request.consistency_check.enabled:
        return "turned off in the input (consistency_check.enabled = false)"
    if request.database is None:
        return "the execution input gives no database access (input.database)"
    if state.blue_green is None:
        return "no blue/green deployment in the workflow state"
    return None


def mismatch_message(result: ConsistencyResult) -> str:
    found = result.mismatches
    listed = "; ".join(found[:MAX_IN_MESSAGE])
    suffix = f"; and {len(found) - MAX_IN_MESSAGE} more" if len(found) > MAX_IN_MESSAGE else ""
    if result.omitted:
        suffix += f" (the report lists at most {MAX_LISTED} of each: tables, sequences, schema changes)"
    next_step = f". {SCHEMA_CHANGE_NEXT_STEP}" if result.schema_changes else ""
    return f"green ({result.green_cluster}) differs from blue ({result.blue_cluster}): {listed}{suffix}{next_step}"
