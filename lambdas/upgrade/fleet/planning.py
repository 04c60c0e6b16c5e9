"""Turn a fleet input into a plan before anything starts: the clusters, each one's target, the waves.

Everything that can be refused is refused here, for every cluster at once, so that a fleet never stops half-way
for a mistake in its input: a cluster that is not configured (the roles are scoped to the configured clusters,
infra/permissions) or not found, a canary outside the selection, a source major without a target, a target no
cluster can reach, upgrade options the upgrade input refuses.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

from aws.rds import Rds, tags_of
from upgrade.fleet.models import (
    ClusterRun,
    FleetInput,
    FleetState,
    InvalidFleetInput,
    Outcome,
    Wave,
)
from upgrade.shared.errors import InvalidUpgradeInput
from upgrade.shared.models import parse_upgrade_input
from upgrade.shared.versions import parse_version

ENGINE = "aurora-postgresql"
# Step Functions execution names: at most 80 characters (StartExecution API reference, "name")
EXECUTION_NAME_LIMIT = 80
# A state's input or output holds at most 256 KiB ("Step Functions service quotas"); the fleet's largest state is
# the plan plus every cluster's outcome line plus the running wave's items: about twice the plan. A plan past half
# the quota (some 600 clusters) is refused before anything starts, rather than failing half-way.
STATE_QUOTA_BYTES = 256 * 1024


def plan_fleet(given: FleetInput, configured: Iterable[str], rds: Rds, execution_name: str) -> FleetState:
    clusters = _selected(given, tuple(configured), rds)
    unknown_canary = sorted(set(given.plan.canary) - {c["DBClusterIdentifier"] for c in clusters})
    if unknown_canary:
        raise InvalidFleetInput(f"plan.canary names clusters that are not selected: {', '.join(unknown_canary)}")
    targets = _targets(given, clusters, rds)
    runs: list[ClusterRun] = []
    outcomes: list[Outcome] = []
    for cluster in clusters:
        cluster_id, source = cluster["DBClusterIdentifier"], str(cluster["EngineVersion"])
        target = targets[cluster_id]
        if target is None:
            line = f"{cluster_id}: skipped, already on {source}"
            outcomes.append(Outcome(cluster_id=cluster_id, wave="plan", status="skipped", line=line))
            continue
        runs.append(_run(given, cluster_id, source, target, execution_name))
    if not runs:
        raise InvalidFleetInput("every selected cluster is already on its target: there is nothing to upgrade")
    waves = _waves(given, runs, {c["DBClusterIdentifier"]: tags_of(c) for c in clusters})
    state = FleetState(
        name=given.name,
        mode=given.mode,
        strategy=given.strategy,
        attempt=given.attempt,
        waves=waves,
        max_concurrency=given.plan.max_concurrency,
        failure_threshold=given.plan.failure_threshold,
        outcomes=outcomes,
    )
    planned = len(state.model_dump_json().encode())
    if 2 * planned > STATE_QUOTA_BYTES:
        raise InvalidFleetInput(
            f"the plan of {len(runs)} clusters takes {planned} bytes; with each cluster's outcome the fleet's state "
            f"would pass Step Functions' {STATE_QUOTA_BYTES} bytes: split it into smaller fleets"
        )
    return state


def _selected(given: FleetInput, configured: tuple[str, ...], rds: Rds) -> list[dict[str, Any]]:
    """The clusters, described, in the order given (a list) or configured (a tag selection)."""
    if given.clusters:
        not_configured = [c for c in given.clusters if c not in configured]
        if not_configured:
            raise InvalidFleetInput(
                f"not in the deployment's configuration (add them to cdk.json and deploy first): "
                f"{', '.join(not_configured)}"
            )
        described = _described(given.clusters, rds)
        return [described[c] for c in given.clusters]
    assert given.select is not None, "the input model requires clusters or select"
    selection = given.select
    described = _described(configured, rds, missing_ok=True)
    chosen = [
        cluster
        for cluster in described.values()
        if selection.tag in tags_of(cluster)
        and (not selection.values or tags_of(cluster)[selection.tag] in selection.values)
    ]
    if not chosen:
        wanted = f"{selection.tag}={'|'.join(selection.values)}" if selection.values else selection.tag
        raise InvalidFleetInput(f"no configured cluster has the tag {wanted}")
    return chosen


def _described(cluster_ids: Iterable[str], rds: Rds, missing_ok: bool = False) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    other_engine: list[str] = []
    for cluster_id in cluster_ids:
        cluster = rds.find_cluster(cluster_id)
        if cluster is None:
            missing.append(cluster_id)
        elif cluster.get("Engine") != ENGINE:
            other_engine.append(f"{cluster_id} ({cluster.get('Engine')})")
        else:
            found[cluster_id] = cluster
    problems = []
    if missing and not missing_ok:
        problems.append(f"clusters not found: {', '.join(missing)}")
    if other_engine:
        problems.append(f"not {ENGINE}: {', '.join(other_engine)}")
    if problems:
        raise InvalidFleetInput("; ".join(problems))
    return found


def _targets(given: FleetInput, clusters: list[dict[str, Any]], rds: Rds) -> dict[str, str | None]:
    """cluster -> its target version, or None when it is already there."""
    if given.target is not None:
        return _latest_common_minor(given.target.major, clusters, rds)
    targets: dict[str, str | None] = {}
    without: dict[str, list[str]] = {}
    for cluster in clusters:
        cluster_id, source = cluster["DBClusterIdentifier"], str(cluster["EngineVersion"])
        major = str(parse_version(source).major)
        if major in given.targets:
            targets[cluster_id] = given.targets[major]
        elif source in given.targets.values():
            targets[cluster_id] = None
        else:
            without.setdefault(major, []).append(f"{cluster_id} ({source})")
    if without:
        listed = "; ".join(f"major {major}: {', '.join(ids)}" for major, ids in sorted(without.items()))
        raise InvalidFleetInput(f"targets has no entry for the major version of {listed}")
    return targets


def _latest_common_minor(major: int, clusters: list[dict[str, Any]], rds: Rds) -> dict[str, str | None]:
    """The highest MAJOR.MINOR of ``major`` that is a valid upgrade target of every cluster not already on it.

    DescribeDBEngineVersions with IncludeAll (API reference: by default only available versions are listed, and a
    cluster may run a deprecated minor) gives each source version's ``ValidUpgradeTarget`` list.
    """
    reachable: dict[str, set[str]] = {}
    targets: dict[str, str | None] = {}
    for cluster in clusters:
        cluster_id, source = cluster["DBClusterIdentifier"], str(cluster["EngineVersion"])
        if parse_version(source).major == major:
            targets[cluster_id] = None
            continue
        entry = rds.engine_version(source, include_unavailable=True) or {}
        reachable[cluster_id] = {
            str(t["EngineVersion"])
            for t in entry.get("ValidUpgradeTarget", [])
            if t.get("IsMajorVersionUpgrade") and parse_version(str(t["EngineVersion"])).major == major
        }
    common = set.intersection(*reachable.values()) if reachable else set()
    if reachable and not common:
        each = "; ".join(
            f"{cluster_id}: {', '.join(sorted(versions, key=parse_version)) or 'none'}"
            for cluster_id, versions in reachable.items()
        )
        raise InvalidFleetInput(f"no {major}.x version is a valid upgrade target of every cluster ({each})")
    latest = max(common, key=parse_version) if common else None
    return {**{cluster_id: latest for cluster_id in reachable}, **targets}


def _run(given: FleetInput, cluster_id: str, source: str, target: str, execution_name: str) -> ClusterRun:
    child_input = {
        "cluster_id": cluster_id,
        "target_engine_version": target,
        "strategy": given.strategy,
        "mode": given.mode,
        **given.upgrade,
    }
    try:
        parse_upgrade_input(child_input)
    except InvalidUpgradeInput as error:
        raise InvalidFleetInput(f"the upgrade of {cluster_id} would be refused: {error}") from None
    return ClusterRun(
        cluster_id=cluster_id,
        source_version=source,
        target_version=target,
        execution_name=child_execution_name(given, cluster_id, target, execution_name),
        input=child_input,
    )


def child_execution_name(given: FleetInput, cluster_id: str, target: str, fleet_execution: str) -> str:
    """The child's name, derived so that starting it twice cannot start a second upgrade.

    ``fleet-<cluster>-to-<target>`` (``-a<n>`` from the second attempt): StartExecution with a name already used
    returns the running execution when the input is the same, and fails with ExecutionAlreadyExists otherwise or
    once it has ended (StartExecution API reference, "name"); a retried task, or a second fleet naming the
    cluster and target, meets the first execution instead of starting another. A report-only run changes nothing
    and is never locked out: its name carries the fleet execution's, so each fleet preflight runs afresh.
    """
    version = target.replace(".", "-")
    if given.mode == "preflight":
        suffix = "-" + hashlib.sha256(fleet_execution.encode()).hexdigest()[:8]
        prefix = "fleet-preflight"
    else:
        suffix = f"-a{given.attempt}" if given.attempt > 1 else ""
        prefix = "fleet"
    name = f"{prefix}-{cluster_id}-to-{version}{suffix}"
    if len(name) <= EXECUTION_NAME_LIMIT:
        return name
    digest = hashlib.sha256(cluster_id.encode()).hexdigest()[:6]
    room = EXECUTION_NAME_LIMIT - len(f"{prefix}--{digest}-to-{version}{suffix}")
    return f"{prefix}-{cluster_id[:room].rstrip('-')}-{digest}-to-{version}{suffix}"


def _waves(given: FleetInput, runs: list[ClusterRun], tags: dict[str, dict[str, str]]) -> list[Wave]:
    plan = given.plan
    if given.mode == "preflight":  # report only: every cluster at once, nothing to bake
        return [Wave(name="preflight", clusters=runs)]
    canary = [run for run in runs if run.cluster_id in plan.canary]
    rest = [run for run in runs if run.cluster_id not in plan.canary]
    waves: list[Wave] = []
    if canary:
        bake = plan.bake_seconds if plan.canary_bake_seconds is None else plan.canary_bake_seconds
        waves.append(Wave(name="canary", clusters=canary, bake_seconds=bake))
    for label, members in _cut(rest, plan.wave_tag, plan.wave_size, tags):
        waves.append(Wave(name=label, clusters=members, bake_seconds=plan.bake_seconds))
    if waves:
        waves[-1] = waves[-1].model_copy(update={"bake_seconds": 0})  # nothing follows the last wave
    return waves


def _cut(
    runs: list[ClusterRun], wave_tag: str | None, wave_size: int | None, tags: dict[str, dict[str, str]]
) -> list[tuple[str, list[ClusterRun]]]:
    if not runs:
        return []
    if wave_tag is not None:
        untagged = [run.cluster_id for run in runs if wave_tag not in tags[run.cluster_id]]
        if untagged:
            raise InvalidFleetInput(f"plan.wave_tag: these clusters have no tag {wave_tag}: {', '.join(untagged)}")
        values = sorted({tags[run.cluster_id][wave_tag] for run in runs}, key=_natural)
        return [(f"wave {value}", [run for run in runs if tags[run.cluster_id][wave_tag] == value]) for value in values]
    size = wave_size or len(runs)
    chunks = [runs[start : start + size] for start in range(0, len(runs), size)]
    return [(f"wave {number}", chunk) for number, chunk in enumerate(chunks, start=1)]


def _natural(value: str) -> tuple[tuple[int, str], ...]:
    """Order tag values as a person would: wave 2 before wave 10."""
    return tuple((int(part), "") if part.isdigit() else (0, part) for part in re.findall(r"\d+|\D+", value))
