"""Restore the snapshot under the original identifier and recreate its instances, writer first."""

from __future__ import annotations

from typing import Any

from aws.rds import Rds, tag_list
from upgrade.recovery.rollback import require_restore_config
from upgrade.shared.errors import RestoreFailed
from upgrade.shared.models import InstanceConfig, Plan, RestoreConfig, RestoreProgress, Verification, WorkflowState
from upgrade.strategies.verify import promotion_tier_changes
from upgrade.waiting import polling

_FAILED = {"failed", "incompatible-restore", "incompatible-parameters", "incompatible-network"}


def restore_cluster(state: WorkflowState, rds: Rds) -> RestoreProgress:
    """One pass: start the restore if the name is free, report when the cluster is available."""
    plan = state.require_plan()
    config = require_restore_config(state)
    snapshot_id = _snapshot_id(state, plan)
    first_pass = state.restore is None
    progress = state.restore or RestoreProgress(
        cluster_id=plan.cluster.cluster_id,
        snapshot_id=snapshot_id,
        status="absent",
        ready=False,
        poll=polling.start(polling.RESTORE, state.deadlines.restore_minutes),
    )
    snapshot = rds.find_cluster_snapshot(snapshot_id)
    if snapshot is None or snapshot.get("Status") != "available":
        raise RestoreFailed(f"snapshot '{snapshot_id}' is not available to restore from")
    progress = progress.model_copy(update={"snapshot_time": str(snapshot.get("SnapshotCreateTime"))})
    cluster = rds.find_cluster(plan.cluster.cluster_id)
    if cluster is None:
        rds.restore_cluster_from_snapshot(**_restore_call(plan.cluster.cluster_id, snapshot_id, config))
        return _not_yet(progress.model_copy(update={"status": "creating"}), first_pass, "the restore")
    if cluster.get("DbClusterResourceId") == plan.cluster.resource_id:
        raise RestoreFailed(f"'{plan.cluster.cluster_id}' still names the cluster being replaced")
    status = str(cluster.get("Status"))
    if status in _FAILED:
        raise RestoreFailed(f"the restored cluster '{plan.cluster.cluster_id}' is '{status}'")
    if status != "available":
        return _not_yet(progress.model_copy(update={"status": status}), first_pass, "the restored cluster")
    return progress.model_copy(update={"status": status, "ready": True})


def create_instances(state: WorkflowState, rds: Rds) -> RestoreProgress:
    """One pass: create what is missing (readers only once the writer is up), report when all are available."""
    plan = state.require_plan()
    config = require_restore_config(state)
    progress = state.restore
    if progress is None:
        raise RestoreFailed("the cluster was not restored")
    statuses: dict[str, str] = {}
    for instance in config.instances:
        found = rds.find_instance(instance.instance_id)
        if found is not None and found.get("DBClusterIdentifier") != plan.cluster.cluster_id:
            raise RestoreFailed(
                f"instance name '{instance.instance_id}' is taken by {found.get('DBClusterIdentifier')}"
            )
        if found is None and _may_create(instance, config, statuses):
            rds.create_instance(**_instance_call(plan.cluster.cluster_id, instance))
            found = {"DBInstanceStatus": "creating"}
        statuses[instance.instance_id] = str(found.get("DBInstanceStatus")) if found else "waiting for the writer"
    failed = {name: status for name, status in statuses.items() if status in _FAILED}
    if failed:
        raise RestoreFailed(f"restored instances failed: {failed}")
    progress = progress.model_copy(update={"instances": statuses})
    if all(status == "available" for status in statuses.values()):
        return progress.model_copy(update={"ready": True})
    poll = polling.advance(progress.poll, polling.RESTORE, "the restored instances")
    return progress.model_copy(update={"ready": False, "poll": poll})


def verify_restore(state: WorkflowState, rds: Rds) -> Verification:
    plan = state.require_plan()
    config = require_restore_config(state)
    cluster = rds.describe_cluster(plan.cluster.cluster_id)
    instances = {i["DBInstanceIdentifier"]: i for i in rds.cluster_instances(plan.cluster.cluster_id)}
    problems = []
    if cluster["EngineVersion"] != config.engine_version:
        problems.append(f"cluster runs {cluster['EngineVersion']}, the snapshot holds {config.engine_version}")
    writers = [m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", []) if m.get("IsClusterWriter")]
    expected_writer = [i.instance_id for i in config.instances if i.is_writer]
    if expected_writer and writers != expected_writer:
        problems.append(f"writer is {writers}, expected {expected_writer}")
    missing = sorted({i.instance_id for i in config.instances} - set(instances))
    if missing:
        problems.append(f"instances missing: {missing}")
    problems += promotion_tier_changes(plan.cluster.members, list(instances.values()))
    if problems:
        raise RestoreFailed(f"{plan.cluster.cluster_id} after the restore: " + "; ".join(problems))
    return Verification(
        cluster_id=plan.cluster.cluster_id,
        engine_version=str(cluster["EngineVersion"]),
        instances={name: str(i.get("EngineVersion")) for name, i in sorted(instances.items())},
        old_cluster_id=state.aside.aside_cluster_id if state.aside else None,
    )


def _snapshot_id(state: WorkflowState, plan: Plan) -> str:
    snapshot_id = plan.restore_snapshot_id or (state.snapshot.snapshot_id if state.snapshot else None)
    if snapshot_id is None:
        raise RestoreFailed("there is no snapshot to restore from")
    return snapshot_id


def _may_create(instance: InstanceConfig, config: RestoreConfig, statuses: dict[str, str]) -> bool:
    """The first instance created becomes the writer: readers wait until the writer is available."""
    if instance.is_writer:
        return True
    writers = [i.instance_id for i in config.instances if i.is_writer]
    return not writers or statuses.get(writers[0]) == "available"


def _restore_call(cluster_id: str, snapshot_id: str, config: RestoreConfig) -> dict[str, Any]:
    return {
        "DBClusterIdentifier": cluster_id,
        "SnapshotIdentifier": snapshot_id,
        "Engine": "aurora-postgresql",
        "EngineVersion": config.engine_version,  # omitted, AWS would pick the Region's default version
        "DBClusterParameterGroupName": config.cluster_parameter_group,
        "DBSubnetGroupName": config.subnet_group,
        "VpcSecurityGroupIds": config.security_group_ids or None,
        "Port": config.port,
        "KmsKeyId": config.kms_key_id,
        "EnableIAMDatabaseAuthentication": config.iam_database_authentication,
        "DeletionProtection": config.deletion_protection,
        "BackupRetentionPeriod": config.backup_retention_period,
        "PreferredBackupWindow": config.preferred_backup_window,
        "CopyTagsToSnapshot": config.copy_tags_to_snapshot,
        "EnableCloudwatchLogsExports": config.cloudwatch_logs_exports or None,
        "StorageType": config.storage_type,
        "NetworkType": config.network_type,
        "EngineLifecycleSupport": config.engine_lifecycle_support,
        "ServerlessV2ScalingConfiguration": config.serverless_v2,
        "Tags": tag_list(config.tags) or None,
    }


def _instance_call(cluster_id: str, instance: InstanceConfig) -> dict[str, Any]:
    return {
        "DBInstanceIdentifier": instance.instance_id,
        "DBClusterIdentifier": cluster_id,
        "Engine": "aurora-postgresql",
        "DBInstanceClass": instance.instance_class,
        "DBParameterGroupName": instance.parameter_group,
        "PromotionTier": instance.promotion_tier,
        "AvailabilityZone": instance.availability_zone,
        "PubliclyAccessible": instance.publicly_accessible,
        "AutoMinorVersionUpgrade": instance.auto_minor_version_upgrade,
        "CACertificateIdentifier": instance.ca_certificate_identifier,
        "MonitoringInterval": instance.monitoring_interval,
        "MonitoringRoleArn": instance.monitoring_role_arn,
        "EnablePerformanceInsights": instance.performance_insights_enabled,
        "Tags": tag_list(instance.tags) or None,
    }


def _not_yet(progress: RestoreProgress, first_pass: bool, what: str) -> RestoreProgress:
    return progress.model_copy(
        update={"ready": False, "poll": polling.after_pass(progress.poll, first_pass, polling.RESTORE, what)}
    )
