"""Control-plane checks (boto3): what AWS would refuse or what would hurt, before anything changes.

Each check returns a CheckResult; a failed check blocks the upgrade in preflight, a warning is
carried to the final notification. Input errors (unknown cluster, downgrade, ...) are raised
earlier by preflight: there is no plan to report on without a valid request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws.rds import Rds
from upgrade.shared.preflight_report import CheckResult, Evidence, Status
from upgrade.shared.versions import Version, parse_version

Json = dict[str, Any]
_SERVERLESS = "db.serverless"

# Lowest source version per major that Aurora PostgreSQL blue/green deployments accept (Aurora User Guide,
# "Supported Regions and Aurora DB engines for Blue/Green Deployments"); CreateBlueGreenDeployment refuses older.
BLUE_GREEN_MINIMUM_SOURCE: dict[int, Version] = {
    11: Version(11, 21),
    12: Version(12, 16),
    13: Version(13, 12),
    14: Version(14, 9),
    15: Version(15, 4),
    16: Version(16, 1),
    17: Version(17, 4),
}


@dataclass(frozen=True)
class Context:
    rds: Rds
    cluster: Json
    instances: list[Json]
    strategy: str
    target_version: str
    target_description: Json
    our_blue_green_name: str


Check = Callable[[Context], CheckResult]


def _result(
    check_id: str,
    title: str,
    problems: list[Evidence],
    severity: Status,
    remediation: str,
    reason: str = "",
    finding: str = "",
) -> CheckResult:
    status: Status = severity if problems else "pass"
    return CheckResult(
        id=check_id,
        title=title,
        finding=finding if problems else "",
        scope="control-plane",
        status=status,
        evidence=problems,
        remediation=remediation if problems else "",
        reason=reason,
    )


def _cluster_evidence(ctx: Context, detail: str) -> Evidence:
    return Evidence(object_name=ctx.cluster["DBClusterIdentifier"], detail=detail)


def cluster_available(ctx: Context) -> CheckResult:
    problems = []
    if ctx.cluster.get("Status") != "available":
        problems.append(_cluster_evidence(ctx, f"cluster is '{ctx.cluster.get('Status')}'"))
    problems += [
        Evidence(object_name=i["DBInstanceIdentifier"], detail=f"instance is '{i.get('DBInstanceStatus')}'")
        for i in ctx.instances
        if i.get("DBInstanceStatus") != "available"
    ]
    if not ctx.instances:
        problems.append(_cluster_evidence(ctx, "the cluster has no instances"))
    pending = ctx.cluster.get("PendingModifiedValues") or {}
    if pending:
        problems.append(_cluster_evidence(ctx, f"pending modifications: {sorted(pending)}"))
    return _result(
        "CP-cluster-available",
        "Cluster and every instance available, nothing pending",
        problems,
        "fail",
        "Wait until the cluster and its instances are available and pending changes are applied.",
        finding="The cluster or an instance is not available, or has changes pending",
    )


def instance_classes_supported(ctx: Context) -> CheckResult:
    problems = []
    for instance_class in sorted({i.get("DBInstanceClass", "") for i in ctx.instances} - {_SERVERLESS, ""}):
        if not ctx.rds.orderable(ctx.target_version, instance_class):
            problems.append(
                Evidence(object_name=instance_class, detail=f"not offered for aurora-postgresql {ctx.target_version}")
            )
    return _result(
        "CP-instance-classes",
        "Every instance class is offered on the target version",
        problems,
        "fail",
        "Modify those instances to a class the target version supports (e.g. r6g/r7g) before upgrading.",
        finding="An instance class is not offered on the target version",
    )


def serverless_capacity(ctx: Context) -> CheckResult:
    scaling = ctx.cluster.get("ServerlessV2ScalingConfiguration")
    if not scaling:
        return _result(
            "CP-serverless-capacity",
            "Serverless v2 capacity fits the target",
            [],
            "fail",
            "",
            reason="provisioned cluster",
        )
    supported = ctx.target_description.get("ServerlessV2FeaturesSupport") or {}
    problems = []
    if "MinCapacity" in supported and float(scaling["MinCapacity"]) < float(supported["MinCapacity"]):
        problems.append(
            _cluster_evidence(
                ctx, f"minimum {scaling['MinCapacity']} ACU is below the target's minimum {supported['MinCapacity']}"
            )
        )
    if "MaxCapacity" in supported and float(scaling["MaxCapacity"]) > float(supported["MaxCapacity"]):
        problems.append(
            _cluster_evidence(
                ctx, f"maximum {scaling['MaxCapacity']} ACU is above the target's maximum {supported['MaxCapacity']}"
            )
        )
    return _result(
        "CP-serverless-capacity",
        "Serverless v2 capacity fits the target",
        problems,
        "fail",
        "Change the cluster's capacity range to one the target version supports.",
        reason="the workflow raises a minimum below 1.0 ACU to 1.0 for blue/green and restores it after",
        finding="Serverless v2 capacity does not fit the target",
    )


def parameter_groups(ctx: Context) -> CheckResult:
    """Blue/green: a default group or logical replication off is fixed by the workflow, with a writer reboot."""
    if ctx.strategy != "blue_green":
        return _result(
            "CP-logical-replication",
            "Custom cluster parameter group with logical replication",
            [],
            "warn",
            "",
            reason="in-place upgrades do not need logical replication",
        )
    group = ctx.cluster.get("DBClusterParameterGroup", "")
    problems = []
    if group.startswith("default."):
        problems.append(_cluster_evidence(ctx, f"uses the default group {group}: a custom copy will be attached"))
    elif ctx.rds.user_parameters(group, "cluster").get("rds.logical_replication") != "1":
        problems.append(_cluster_evidence(ctx, f"rds.logical_replication is not 1 in {group}: it will be set there"))
    out_of_sync = [
        m["DBInstanceIdentifier"]
        for m in ctx.cluster.get("DBClusterMembers", [])
        if m.get("DBClusterParameterGroupStatus") != "in-sync"
    ]
    if out_of_sync:
        problems.append(_cluster_evidence(ctx, f"members not in-sync with the cluster group: {out_of_sync}"))
    return _result(
        "CP-logical-replication",
        "Custom cluster parameter group with logical replication in effect",
        problems,
        "warn",
        finding="Logical replication is not yet in effect: the workflow turns it on, with a writer reboot",
        remediation="The workflow sets it and reboots the writer (a short outage): run it in a maintenance window, "
        "or set rds.logical_replication = 1 and reboot beforehand.",
    )


def secrets_manager_password(ctx: Context) -> CheckResult:
    problems = []
    if ctx.strategy == "blue_green" and ctx.cluster.get("MasterUserSecret"):
        problems.append(_cluster_evidence(ctx, "the master password is managed in Secrets Manager"))
    return _result(
        "CP-managed-master-password",
        "Master password not managed by Secrets Manager (blue/green)",
        problems,
        "fail",
        "Blue/green deployments do not support it: turn off ManageMasterUserPassword, or use in_place.",
        finding="The master password is managed by Secrets Manager (blue/green refuses it)",
    )


def _global_cluster(ctx: Context) -> str | None:
    identifier = ctx.cluster.get("GlobalClusterIdentifier")
    return str(identifier).rsplit(":", 1)[-1] if identifier else None


def global_database(ctx: Context) -> CheckResult:
    """Blue/green supports global database members; a major upgrade in place is done on the global cluster.

    Aurora User Guide, "Supported Regions and Aurora DB engines for Blue/Green Deployments" (Aurora PostgreSQL
    clusters configured as Aurora Global Database included) and "Upgrading an Amazon Aurora global database"
    (a major version upgrade upgrades the global database cluster, not the clusters it contains; not possible
    while the RPO feature, rds.global_db_rpo, is on).
    """
    global_id = _global_cluster(ctx)
    if ctx.strategy == "blue_green" or global_id is None:
        return _result(
            "CP-global-database",
            "Global database member upgraded through the global cluster (in place)",
            [],
            "fail",
            "",
            reason="blue/green deployments support global database members"
            if global_id
            else "not a global database member",
        )
    return _result(
        "CP-global-database",
        "Global database member upgraded through the global cluster (in place)",
        [_cluster_evidence(ctx, f"is a member of global database {global_id}")],
        "fail",
        f"Use strategy blue_green, or upgrade the global database itself: turn off rds.global_db_rpo, then "
        f"modify-global-cluster --global-cluster-identifier {global_id} --engine-version {ctx.target_version} "
        "--allow-major-version-upgrade.",
        finding="The cluster is a global database member: its major version is upgraded through the global cluster",
    )


def blue_green_source_version(ctx: Context) -> CheckResult:
    """CreateBlueGreenDeployment refuses a source below its major's minimum: found here, before any change."""
    version = parse_version(str(ctx.cluster["EngineVersion"]))
    minimum = BLUE_GREEN_MINIMUM_SOURCE.get(version.major)
    problems = []
    if ctx.strategy == "blue_green" and minimum is not None and version < minimum:
        problems.append(
            _cluster_evidence(
                ctx, f"runs {version}; blue/green needs {minimum} or higher on PostgreSQL {version.major}"
            )
        )
    return _result(
        "CP-blue-green-source-version",
        "Source version supported by blue/green deployments",
        problems,
        "fail",
        f"Apply a minor upgrade to {minimum} or later first (modify-db-cluster --engine-version), then run the "
        "upgrade again; or use strategy in_place.",
        reason="" if ctx.strategy == "blue_green" else "in-place upgrades have no minimum source version",
        finding="The source version is below blue/green's minimum",
    )


def zero_etl_integrations(ctx: Context) -> CheckResult:
    """Aurora User Guide, blue/green limitations: no zero-ETL integration may exist during the switchover."""
    if ctx.strategy != "blue_green":
        return _result("CP-zero-etl", "No zero-ETL integration (blue/green)", [], "fail", "", reason="in-place upgrade")
    problems = [
        Evidence(object_name=str(i.get("IntegrationName")), detail=f"zero-ETL integration to {i.get('TargetArn')}")
        for i in ctx.rds.zero_etl_integrations(ctx.cluster["DBClusterArn"])
    ]
    return _result(
        "CP-zero-etl",
        "No zero-ETL integration (blue/green)",
        problems,
        "fail",
        "A blue/green switchover is refused while the cluster has zero-ETL integrations: delete them, upgrade, "
        "then recreate them; or use strategy in_place.",
        finding="The cluster has zero-ETL integrations",
    )


def rds_proxies(ctx: Context) -> CheckResult:
    """Aurora User Guide, "Using RDS Proxy with Blue/Green Deployments".

    A proxy follows the switchover only if blue was its target before the deployment was created (blue
    cannot be added to a proxy afterwards); connections through it drop when green is promoted; RDS Proxy
    with blue/green is not supported for a global database.
    """
    if ctx.strategy != "blue_green":
        return _result("CP-rds-proxy", "RDS Proxy targets (blue/green)", [], "warn", "", reason="in-place upgrade")
    proxies = ctx.rds.proxies_targeting(ctx.cluster["DBClusterIdentifier"])
    global_id = _global_cluster(ctx)
    detail = (
        f"targets this cluster, a member of global database {global_id}: RDS Proxy is not supported with "
        "blue/green deployments of a global database"
        if global_id
        else "targets this cluster: it follows the switchover; its connections drop when green is promoted"
    )
    problems = [Evidence(object_name=name, detail=detail) for name in proxies]
    return _result(
        "CP-rds-proxy",
        "RDS Proxy targets (blue/green)",
        problems,
        "fail" if global_id else "warn",
        "Deregister the cluster from these proxies or use strategy in_place."
        if global_id
        else "Do not register this cluster with another proxy until the upgrade ends: a cluster added after "
        "the deployment is created is not supported. Applications must reconnect after the switchover.",
        reason="" if proxies else "no RDS Proxy targets the cluster",
        finding="RDS Proxy targets the cluster",
    )


def cross_region_replicas(ctx: Context) -> CheckResult:
    replicas = list(ctx.cluster.get("ReadReplicaIdentifiers", []))
    source = ctx.cluster.get("ReplicationSourceIdentifier")
    problems = [_cluster_evidence(ctx, f"has read replica cluster {r}") for r in replicas]
    if source:
        problems.append(_cluster_evidence(ctx, f"is itself a replica of {source}"))
    severity: Status = "fail" if ctx.strategy == "blue_green" else "warn"
    return _result(
        "CP-cross-region-replicas",
        "No cross-Region read replicas",
        problems,
        severity,
        "Blue/green does not support cross-Region replicas; in place, upgrade replicas first or recreate them after.",
        finding="The cluster has cross-Region read replicas",
    )


def pending_maintenance(ctx: Context) -> CheckResult:
    actions = ctx.rds.pending_maintenance(ctx.cluster["DBClusterArn"])
    problems = [
        Evidence(
            object_name=a.get("ResourceIdentifier", "").rsplit(":", 1)[-1],
            detail=f"{d.get('Action')}: {d.get('Description', '')}".strip(),
        )
        for a in actions
        for d in a.get("PendingMaintenanceActionDetails", [])
    ]
    return _result(
        "CP-pending-maintenance",
        "No pending maintenance actions",
        problems,
        "warn",
        "Apply or defer the pending maintenance first (apply-pending-maintenance-action), so it does "
        "not run in the middle of the upgrade.",
        finding="Maintenance actions are pending",
    )


# An earlier run's deployment in these statuses is adopted (the re-run goes on waiting for it, then switches over);
# in any other live status (SWITCHOVER_FAILED, INVALID_CONFIGURATION, ...) the workflow cannot go on from it.
ADOPTABLE_BLUE_GREEN = {"PROVISIONING", "AVAILABLE"}
_GONE_BLUE_GREEN = {"SWITCHOVER_COMPLETED", "DELETING"}


def existing_blue_green(ctx: Context) -> CheckResult:
    """Another deployment blocks a new one; our own from an earlier run is adopted only when it can go on."""
    blocking = [
        d
        for d in ctx.rds.blue_green_deployments(ctx.cluster["DBClusterArn"])
        if d.get("Status") not in _GONE_BLUE_GREEN and not _adopted(ctx, d)
    ]
    switching = _earlier_switchover(ctx)
    if switching is not None:
        # an earlier run of this upgrade switched over (or is switching): what it leaves is the upgraded cluster,
        # to be found as such, not a deployment to delete or a second one to create
        return _result(
            "CP-existing-blue-green",
            "No blue/green deployment in the way",
            [
                Evidence(
                    object_name=switching.get("BlueGreenDeploymentIdentifier"),
                    detail=f"{switching.get('BlueGreenDeploymentName')} is {switching.get('Status')}: the switchover "
                    "of an earlier run of this upgrade",
                )
            ],
            "fail",
            "Wait until aws rds describe-blue-green-deployments shows SWITCHOVER_COMPLETED, then start the same input "
            "again: it finds the cluster upgraded and changes nothing else.",
            finding="An earlier run of this upgrade is switching over",
        )
    problems = [
        Evidence(
            object_name=d.get("BlueGreenDeploymentIdentifier"),
            detail=f"{d.get('BlueGreenDeploymentName')} is {d.get('Status')}; its green cluster "
            f"{green_cluster_id(d) or '(none)'} still runs and is billed",
        )
        for d in blocking
    ]
    commands = "; ".join(delete_blue_green_command(str(d.get("BlueGreenDeploymentIdentifier"))) for d in blocking)
    return _result(
        "CP-existing-blue-green",
        "Another blue/green deployment on the cluster" if problems else "No blue/green deployment in the way",
        problems,
        "fail",
        "A cluster takes one blue/green deployment at a time, and this one cannot be continued. If its green "
        f"environment is not needed, delete the deployment with it: {commands}; then start the upgrade again.",
    )


def _earlier_switchover(ctx: Context) -> Json | None:
    """Our own deployment switching or switched while the cluster read as not yet upgraded: after a switchover the
    deployment's source is the renamed old cluster, so it is found by its name, not by the cluster."""
    ours = ctx.rds.find_blue_green_by_name(ctx.our_blue_green_name)
    if ours is None or ours.get("Status") not in ("SWITCHOVER_IN_PROGRESS", "SWITCHOVER_COMPLETED"):
        return None
    return ours


def _adopted(ctx: Context, deployment: Json) -> bool:
    ours = deployment.get("BlueGreenDeploymentName") == ctx.our_blue_green_name
    return ours and deployment.get("Status") in ADOPTABLE_BLUE_GREEN


def green_cluster_id(deployment: Json) -> str | None:
    target = deployment.get("Target")
    return str(target).rsplit(":", 1)[-1] if target else None


def delete_blue_green_command(deployment_id: str) -> str:
    """DeleteTarget deletes green with the deployment; AWS refuses it after a completed switchover (API reference,
    DeleteBlueGreenDeployment), so this is only advised for deployments that did not switch over."""
    return f"aws rds delete-blue-green-deployment --blue-green-deployment-identifier {deployment_id} --delete-target"


def deletion_protection(ctx: Context) -> CheckResult:
    problems = []
    if not ctx.cluster.get("DeletionProtection"):
        problems.append(_cluster_evidence(ctx, "deletion protection is off"))
    return _result(
        "CP-deletion-protection",
        "Deletion protection on",
        problems,
        "warn",
        finding="Deletion protection is off",
        remediation="Turn it on for production clusters; the workflow turns it off only to delete a cluster the "
        "input asks it to delete.",
    )


def backtrack(ctx: Context) -> CheckResult:
    problems = []
    if int(ctx.cluster.get("BacktrackWindow") or 0) > 0:
        problems.append(_cluster_evidence(ctx, f"backtrack window {ctx.cluster.get('BacktrackWindow')} s"))
    return _result(
        "CP-backtrack",
        "No backtrack configured",
        problems,
        "fail",
        "Blue/green deployments do not support backtrack; turn it off first.",
        finding="Backtrack is configured",
    )


CHECKS: tuple[Check, ...] = (
    cluster_available,
    instance_classes_supported,
    serverless_capacity,
    parameter_groups,
    secrets_manager_password,
    blue_green_source_version,
    global_database,
    zero_etl_integrations,
    rds_proxies,
    cross_region_replicas,
    pending_maintenance,
    existing_blue_green,
    deletion_protection,
    backtrack,
)


def run_control_plane_checks(ctx: Context) -> list[CheckResult]:
    return [check(ctx) for check in CHECKS]
