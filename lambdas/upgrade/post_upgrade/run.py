"""After the engine changed: check the version everywhere, then statistics and extensions within a time budget.

Blue/green: the green cluster, before the switchover (ANALYZE green first, as AWS advises). In place: the
cluster itself. The control plane must show the target version on every instance, and the writer must answer
with the target major version; anything else raises ``PostUpgradeVerificationFailed``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

from aws.rds import Rds
from upgrade.database.budget import Budget
from upgrade.database.sessions import SessionsFor
from upgrade.post_upgrade.sql import leftover_without_access
from upgrade.shared.errors import DatabaseAccessFailed, PostUpgradeVerificationFailed
from upgrade.shared.models import Plan, WorkflowState
from upgrade.shared.naming import cluster_id_of
from upgrade.shared.post_upgrade_result import PostUpgradeResult
from upgrade.shared.report_store import ReportStore
from upgrade.shared.versions import parse_version

UNKNOWN_USER = "<user>"


def run_post_upgrade(
    state: WorkflowState,
    rds: Rds,
    sessions: SessionsFor,
    reports: ReportStore | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> PostUpgradeResult:
    """With ``reports`` the whole result goes to S3 and the state carries its bounded summary."""
    request, plan = state.request, state.require_plan()
    options = request.post_upgrade
    budget = Budget(options.time_budget_seconds, clock)
    cluster, role = target_cluster(state, plan, rds)
    cluster_id = str(cluster["DBClusterIdentifier"])
    result = PostUpgradeResult(
        cluster_id=cluster_id,
        role=role,
        target_version=plan.target_version,
        endpoint=cluster.get("Endpoint"),
        instance_versions=verify_engine(cluster, rds.cluster_instances(cluster_id), plan.target_version),
        budget_seconds=options.time_budget_seconds,
    )
    host, port = str(cluster.get("Endpoint") or "<endpoint>"), int(cluster.get("Port") or 5432)
    if request.database is None:
        result.sql_skipped = "the execution input gives no database access (input.database)"
        result.leftover = leftover_without_access(host, port, UNKNOWN_USER, options)
    else:
        try:
            sql = sessions(request.database, cluster, role == "green")
        except DatabaseAccessFailed as error:
            result.sql_skipped = str(error)
            result.leftover = leftover_without_access(host, port, UNKNOWN_USER, options)
        else:
            # the in-database work only when the input gives database access: a run without it (the commands are
            # left for a person) does not compile it at cold start
            from upgrade.post_upgrade.work import in_database_work

            target_major = parse_version(plan.target_version).major
            in_database_work(sql, options, request.database.database, target_major, budget, result)
    result.elapsed_seconds = round(budget.elapsed(), 3)
    if reports is not None:
        return reports.keep_post_upgrade(result, plan.cluster.cluster_id, state.execution.name)
    return result


def target_cluster(state: WorkflowState, plan: Plan, rds: Rds) -> tuple[dict[str, Any], Literal["green", "cluster"]]:
    """Green (by the ARN the blue/green deployment reported) or, in place, the cluster itself."""
    if plan.strategy == "in_place":
        return rds.describe_cluster(plan.cluster.cluster_id), "cluster"
    green_arn = state.blue_green.green_cluster_arn if state.blue_green else None
    if not green_arn:
        raise PostUpgradeVerificationFailed(
            f"no green cluster is known for {plan.cluster.cluster_id}: the blue/green deployment reported no Target"
        )
    return rds.describe_cluster(cluster_id_of(green_arn)), "green"


def verify_engine(cluster: dict[str, Any], instances: list[dict[str, Any]], target: str) -> dict[str, str]:
    """Every instance's EngineVersion, which must all be ``target`` (the cluster's too)."""
    cluster_id = cluster.get("DBClusterIdentifier")
    versions = {str(i["DBInstanceIdentifier"]): str(i.get("EngineVersion")) for i in instances}
    problems = [f"cluster runs {cluster.get('EngineVersion')}"] if cluster.get("EngineVersion") != target else []
    if not versions:
        problems.append("it has no instances")
    problems.extend(
        f"instance {name} runs {version}" for name, version in sorted(versions.items()) if version != target
    )
    if problems:
        raise PostUpgradeVerificationFailed(f"{cluster_id} should run {target}: " + "; ".join(problems))
    return versions
