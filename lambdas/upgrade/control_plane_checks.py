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
from upgrade.report import CheckResult, Evidence, Status

Json = dict[str, Any]
_SERVERLESS = "db.serverless"


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


def global_database(ctx: Context) -> CheckResult:
    problems = []
    if ctx.cluster.get("GlobalClusterIdentifier") or ctx.cluster.get("GlobalWriteForwardingStatus"):
        problems.append(_cluster_evidence(ctx, "the cluster belongs to a global database"))
    return _result(
        "CP-global-database",
        "Not a global database member",
        problems,
        "fail",
        "Upgrade the global cluster (modify-global-cluster) with its own runbook; reset rds.global_db_rpo.",
        finding="The cluster is a global database member",
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
    global_database,
    cross_region_replicas,
    pending_maintenance,
    existing_blue_green,
    deletion_protection,
    backtrack,
)


def run_control_plane_checks(ctx: Context) -> list[CheckResult]:
    return [check(ctx) for check in CHECKS]
