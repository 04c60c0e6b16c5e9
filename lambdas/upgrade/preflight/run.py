"""Preflight: refuse anything that cannot be upgraded before a single thing changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws.rds import Rds
from aws.stepfunctions import StepFunctions
from upgrade.preflight import control_plane as control_plane_checks
from upgrade.recovery import restore_config
from upgrade.shared import lock, naming
from upgrade.shared.errors import RestoreSourceInvalid, UnsupportedCluster, UpgradeTargetInvalid
from upgrade.shared.models import ClusterFacts, Member, Plan, RestoreInput, UpgradeInput, WorkflowState, parse_request
from upgrade.shared.preflight_report import CheckResult, PreflightReport
from upgrade.shared.report_store import ReportStore
from upgrade.shared.versions import Version, parse_version

ENGINE = "aurora-postgresql"


DatabaseChecks = Callable[[UpgradeInput, dict[str, Any]], list[CheckResult]]
DatabaseCheck = Callable[[UpgradeInput, dict[str, Any]], CheckResult]


def run_preflight(
    state: WorkflowState,
    rds: Rds,
    database_checks: DatabaseChecks | None = None,
    sfn: StepFunctions | None = None,
    reports: ReportStore | None = None,
    make_heartbeat: DatabaseCheck | None = None,
) -> Plan:
    """Refuse bad input at once; report every blocker of a valid request, changing nothing.

    With ``reports`` (the workflow) the whole report goes to S3 and the plan carries its bounded summary;
    without (the CLI) the plan carries the whole report.
    """
    request = parse_request(state.input)
    if sfn is not None and (isinstance(request, RestoreInput) or request.mode == "upgrade"):
        lock.require_sole_run(sfn, state.execution, request.cluster_id)
    if isinstance(request, RestoreInput):
        return _restore_plan(request, rds, state.execution.name)
    cluster = rds.describe_cluster(request.cluster_id)
    _require_supported(cluster)
    source = parse_version(cluster["EngineVersion"])
    target = request.target_version
    source_family = _family(rds, str(source))
    if source == target:
        return _plan(request, cluster, rds, source_family, source_family, state.execution.name, already=True)
    require_upgrade_direction(source, target)
    _require_valid_target(rds, source, target)
    target_description = _available_target(rds, target)
    target_family = str(target_description["DBParameterGroupFamily"])
    plan = _plan(request, cluster, rds, source_family, target_family, state.execution.name, already=False)
    context = control_plane_checks.Context(
        rds=rds,
        cluster=cluster,
        instances=rds.cluster_instances(request.cluster_id),
        strategy=request.strategy,
        target_version=str(target),
        target_description=target_description,
        our_blue_green_name=plan.names.blue_green_name,
    )
    checks = control_plane_checks.run_control_plane_checks(context)
    if database_checks is not None and request.database is not None:
        checks += database_checks(request, cluster)
    else:
        checks.append(_database_checks_skipped(request))
    deployment_id = None
    if request.strategy == "blue_green":
        deployment_id = _deployment_of_ours(rds, cluster["DBClusterArn"], plan.names.blue_green_name)
    # the one write of the preflight, when nothing failed; never once green exists (a re-run): DDL on blue then
    # would not reach green and would degrade its replication
    heartbeat_due = _probe_will_write(request) and deployment_id is None
    if make_heartbeat is not None and heartbeat_due and not any(c.status == "fail" for c in checks):
        checks.append(make_heartbeat(request, cluster))
    report = PreflightReport(
        cluster_id=request.cluster_id,
        source_version=str(source),
        target_version=str(target),
        strategy=request.strategy,
        checks=checks,
    )
    if reports is not None:
        report = reports.keep(report, state.execution.name)
    return plan.model_copy(
        update={"report": report, "blocked": bool(report.failures), "blue_green_deployment_id": deployment_id}
    )


def _probe_will_write(request: UpgradeInput) -> bool:
    """A blue/green upgrade whose switchover probe can write (direct sessions with the input's secret)."""
    return (
        request.mode == "upgrade"
        and request.strategy == "blue_green"
        and request.database is not None
        and request.database.connect_via == "direct"
    )


def _database_checks_skipped(request: UpgradeInput) -> CheckResult:
    return CheckResult(
        id="DB-in-database-checks",
        title="In-database checks (prepared transactions, reg* columns, extensions, replication, ...)",
        scope="database",
        status="skipped",
        reason='no database access in the input: add "database": {"secret_arn": ...} to run them',
    )


def _restore_plan(request: RestoreInput, rds: Rds, execution_name: str) -> Plan:
    """A standalone restore: the snapshot must be usable and of this cluster (or named as another's on purpose),
    and some cluster must show the settings to recreate: the one under the name, else the one a rollback moved
    aside from it (an interrupted rollback is finished this way), else the snapshot's own cluster."""
    snapshot = rds.find_cluster_snapshot(request.snapshot_id)
    if snapshot is None:
        raise RestoreSourceInvalid(f"no DB cluster snapshot named '{request.snapshot_id}'")
    if snapshot.get("Engine") != ENGINE:
        raise UnsupportedCluster(f"snapshot '{request.snapshot_id}' is of engine '{snapshot.get('Engine')}'")
    if snapshot.get("Status") != "available":
        raise RestoreSourceInvalid(f"snapshot '{request.snapshot_id}' is '{snapshot.get('Status')}', not available")
    current = rds.find_cluster(request.cluster_id)
    _require_snapshot_of_this_cluster(request, snapshot, current)
    # a cluster without instances under the name is one a stopped restore left half-made: its settings are not
    # the ones to recreate, the cluster moved aside before it still has them
    complete = current if current and current.get("DBClusterMembers") else None
    moved_aside = None if complete else _moved_aside_from(rds, request.cluster_id, snapshot)
    template = complete or moved_aside or current or rds.find_cluster(str(snapshot.get("DBClusterIdentifier")))
    if template is None:
        raise RestoreSourceInvalid(
            f"neither '{request.cluster_id}' (under its name or moved aside) nor the snapshot's cluster "
            f"'{snapshot.get('DBClusterIdentifier')}' exists to copy network, security, parameter and instance "
            "settings from"
        )
    _require_supported(template)
    version = str(snapshot["EngineVersion"])
    family = _family(rds, version)
    config = restore_config.for_family(rds, restore_config.capture(rds, template), version, family, request.cluster_id)
    # the cluster to move out of the way: the one under the name, or the one a rollback left half moved aside
    replaced = current or moved_aside
    facts = _facts(template, rds, family).model_copy(
        update={"cluster_id": request.cluster_id, "resource_id": replaced["DbClusterResourceId"] if replaced else ""}
    )
    return Plan(
        action="restore",
        cluster=facts,
        source_version=str(replaced["EngineVersion"]) if replaced else version,
        target_version=version,
        target_family=family,
        names=naming.names_for(request.cluster_id, family, family, version, version, execution_name),
        restore_config=config,
        restore_snapshot_id=request.snapshot_id,
        restore_snapshot_source=request.snapshot_source_cluster_id,
        delete_failed_cluster=request.delete_failed_cluster,
    )


def _require_snapshot_of_this_cluster(
    request: RestoreInput, snapshot: dict[str, Any], current: dict[str, Any] | None
) -> None:
    """Restoring another cluster's snapshot serves that cluster's data under this name: only when asked by name.

    DBClusterSnapshot carries DBClusterIdentifier and DbClusterResourceId, "the resource ID of the DB cluster
    that this DB cluster snapshot was created from" (RDS API Reference, DBClusterSnapshot); the resource id
    survives renames, so a snapshot of this very cluster taken under an earlier name is its own.
    """
    source = str(snapshot.get("DBClusterIdentifier"))
    same_name = source.lower() == request.cluster_id.lower()
    same_cluster = current is not None and current.get("DbClusterResourceId") == snapshot.get("DbClusterResourceId")
    if same_name or same_cluster:
        return
    if request.snapshot_source_cluster_id is None:
        raise RestoreSourceInvalid(
            f"snapshot '{request.snapshot_id}' was taken from cluster '{source}', not '{request.cluster_id}': "
            f"restoring it would serve {source}'s data under {request.cluster_id}'s name. If that is what you "
            f'want, add "snapshot_source_cluster_id": "{source}" to the input.'
        )
    if request.snapshot_source_cluster_id.lower() != source.lower():
        raise RestoreSourceInvalid(
            f"snapshot '{request.snapshot_id}' was taken from cluster '{source}', not from "
            f"'{request.snapshot_source_cluster_id}' as snapshot_source_cluster_id says"
        )


def _moved_aside_from(rds: Rds, cluster_id: str, snapshot: dict[str, Any]) -> dict[str, Any] | None:
    """The cluster that last held the name before a rollback or restore renamed it aside.

    Found by the tag the rename step puts on it first; of several, the newest held the name last. Without the
    tag (renamed by hand), the snapshot's own cluster found by its resource id, if it was taken under this name.
    """
    tagged = rds.clusters_tagged(naming.MOVED_ASIDE_FROM_TAG, cluster_id)
    if tagged:
        return max(tagged, key=lambda cluster: str(cluster.get("ClusterCreateTime")))
    if str(snapshot.get("DBClusterIdentifier")).lower() != cluster_id.lower() or not snapshot.get(
        "DbClusterResourceId"
    ):
        return None
    return rds.find_cluster_by_resource_id(str(snapshot["DbClusterResourceId"]))


def _require_supported(cluster: dict[str, Any]) -> None:
    engine = cluster.get("Engine")
    if engine != ENGINE:
        raise UnsupportedCluster(
            f"cluster '{cluster['DBClusterIdentifier']}' runs engine '{engine}'; this workflow upgrades {ENGINE} only"
        )
    mode = cluster.get("EngineMode", "provisioned")
    if mode != "provisioned":
        raise UnsupportedCluster(
            f"cluster '{cluster['DBClusterIdentifier']}' uses engine mode '{mode}'; only provisioned clusters "
            "(including Serverless v2) can be upgraded this way"
        )


def require_upgrade_direction(source: Version, target: Version) -> None:
    """A major version upgrade only: refuse a downgrade or a target of the same major (also for --dsn)."""
    if target.major < source.major or (target.major == source.major and target.minor < source.minor):
        raise UpgradeTargetInvalid(f"{target} is a downgrade from {source}; Aurora cannot downgrade a cluster")
    if target.major == source.major:
        raise UpgradeTargetInvalid(
            f"{target} is the same major version as {source}; this workflow performs major version upgrades "
            "(apply minor versions with a normal modify or auto minor version upgrade)"
        )


def _require_valid_target(rds: Rds, source: Version, target: Version) -> None:
    # the cluster may run a deprecated minor: those are listed only with IncludeAll, and need the upgrade most
    description = rds.engine_version(str(source), include_unavailable=True)
    if description is None:
        raise UpgradeTargetInvalid(f"the engine catalogue does not know {ENGINE} {source}")
    majors = [t["EngineVersion"] for t in description.get("ValidUpgradeTarget", []) if t.get("IsMajorVersionUpgrade")]
    if str(target) not in majors:
        listed = ", ".join(majors) if majors else "none"
        raise UpgradeTargetInvalid(
            f"{target} is not a valid major upgrade target of {ENGINE} {source}; valid major targets: {listed}. "
            "A minor upgrade of the source may be needed first."
        )


def _available_target(rds: Rds, target: Version) -> dict[str, Any]:
    """The target's catalogue entry; a version AWS no longer offers (deprecated) cannot be upgraded to."""
    description = rds.engine_version(str(target))
    if description is None:
        known = rds.engine_version(str(target), include_unavailable=True) is not None
        reason = "is no longer available (deprecated)" if known else "is not in the engine catalogue"
        raise UpgradeTargetInvalid(f"{ENGINE} {target} {reason}; choose an available version of that major")
    return description


def _deployment_of_ours(rds: Rds, cluster_arn: str, our_name: str) -> str | None:
    """A deployment an earlier attempt of this upgrade created, still provisioning or ready (adopted: the re-run
    goes on from it); in any other status it fails the CP-existing-blue-green check instead."""
    for deployment in rds.blue_green_deployments(cluster_arn):
        adoptable = deployment.get("Status") in control_plane_checks.ADOPTABLE_BLUE_GREEN
        if adoptable and deployment.get("BlueGreenDeploymentName") == our_name:
            return str(deployment["BlueGreenDeploymentIdentifier"])
    return None


def _family(rds: Rds, version: str) -> str:
    """Parameter group family of a version the cluster (or a snapshot) runs, deprecated ones included."""
    description = rds.engine_version(version, include_unavailable=True)
    if description is None:
        raise UpgradeTargetInvalid(f"the engine catalogue does not know {ENGINE} {version}")
    return str(description["DBParameterGroupFamily"])


def _facts(cluster: dict[str, Any], rds: Rds, family: str) -> ClusterFacts:
    instances = {i["DBInstanceIdentifier"]: i for i in rds.cluster_instances(cluster["DBClusterIdentifier"])}
    members = [_member(m, instances.get(m["DBInstanceIdentifier"], {})) for m in cluster.get("DBClusterMembers", [])]
    scaling = cluster.get("ServerlessV2ScalingConfiguration") or {}
    return ClusterFacts(
        cluster_id=cluster["DBClusterIdentifier"],
        cluster_arn=cluster["DBClusterArn"],
        resource_id=cluster["DbClusterResourceId"],
        engine_version=cluster["EngineVersion"],
        family=family,
        cluster_parameter_group=cluster["DBClusterParameterGroup"],
        serverless_v2=bool(scaling),
        min_capacity=scaling.get("MinCapacity"),
        max_capacity=scaling.get("MaxCapacity"),
        members=members,
    )


def _plan(
    request: UpgradeInput,
    cluster: dict[str, Any],
    rds: Rds,
    source_family: str,
    target_family: str,
    execution_name: str,
    already: bool,
) -> Plan:
    return Plan(
        mode=request.mode,
        strategy=request.strategy,
        approval_required=request.approval_required,
        approval_timeout_seconds=request.approval_timeout_seconds,
        rollback_on_failure=request.rollback_on_failure,
        force_rollback=request.force_rollback,
        delete_failed_cluster=request.delete_failed_cluster,
        restore_config=None if already else restore_config.capture(rds, cluster),
        cluster=_facts(cluster, rds, source_family),
        source_version=cluster["EngineVersion"],
        target_version=request.target_engine_version,
        target_family=target_family,
        already_at_target=already,
        names=naming.names_for(
            request.cluster_id,
            source_family,
            target_family,
            cluster["EngineVersion"],
            request.target_engine_version,
            execution_name,
        ),
    )


def _member(member: dict[str, Any], instance: dict[str, Any]) -> Member:
    groups = instance.get("DBParameterGroups") or [{}]
    return Member(
        instance_id=restore_config.original_instance_id(instance) if instance else member["DBInstanceIdentifier"],
        is_writer=bool(member.get("IsClusterWriter")),
        instance_class=str(instance.get("DBInstanceClass", "unknown")),
        parameter_group=groups[0].get("DBParameterGroupName"),
        promotion_tier=member.get("PromotionTier"),
    )
