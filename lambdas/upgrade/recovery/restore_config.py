"""Capture what a restore must recreate, before anything changes.

restore_db_cluster_from_snapshot restores the storage and little else: network, security,
parameter groups, scaling, tags, deletion protection and every instance must be passed
again. They are read from the cluster as it is now (or from the cluster a standalone
restore replaces, wherever a rollback moved it), and parameter groups are matched to the
snapshot's engine family. Instances renamed aside are recreated under their original names.
"""

from __future__ import annotations

from typing import Any

from aws.rds import Rds, tags_of
from upgrade.shared.models import InstanceConfig, RestoreConfig
from upgrade.shared.naming import ORIGINAL_ID_TAG


def capture(rds: Rds, cluster: dict[str, Any]) -> RestoreConfig:
    instances = {i["DBInstanceIdentifier"]: i for i in rds.cluster_instances(cluster["DBClusterIdentifier"])}
    members = sorted(cluster.get("DBClusterMembers", []), key=lambda m: not m.get("IsClusterWriter"))
    scaling = cluster.get("ServerlessV2ScalingConfiguration")
    return RestoreConfig(
        engine_version=cluster["EngineVersion"],
        cluster_parameter_group=cluster["DBClusterParameterGroup"],
        subnet_group=cluster.get("DBSubnetGroup"),
        security_group_ids=[g["VpcSecurityGroupId"] for g in cluster.get("VpcSecurityGroups", [])],
        port=cluster.get("Port"),
        kms_key_id=cluster.get("KmsKeyId"),
        iam_database_authentication=bool(cluster.get("IAMDatabaseAuthenticationEnabled")),
        deletion_protection=bool(cluster.get("DeletionProtection")),
        backup_retention_period=cluster.get("BackupRetentionPeriod"),
        preferred_backup_window=cluster.get("PreferredBackupWindow"),
        copy_tags_to_snapshot=cluster.get("CopyTagsToSnapshot"),
        cloudwatch_logs_exports=list(cluster.get("EnabledCloudwatchLogsExports", [])),
        storage_type=cluster.get("StorageType"),
        network_type=cluster.get("NetworkType"),
        engine_lifecycle_support=cluster.get("EngineLifecycleSupport"),
        serverless_v2=(
            {"MinCapacity": float(scaling["MinCapacity"]), "MaxCapacity": float(scaling["MaxCapacity"])}
            if scaling
            else None
        ),
        tags=_without_ours(rds.tags(cluster["DBClusterArn"])),
        instances=[
            _instance(rds, member, instances.get(member["DBInstanceIdentifier"], {}))
            for member in members
            if member["DBInstanceIdentifier"] in instances
        ],
    )


def for_family(rds: Rds, config: RestoreConfig, engine_version: str, family: str, cluster_id: str) -> RestoreConfig:
    """The same configuration on another version: parameter groups of that version's family."""
    cluster_group = _group_of_family(rds, config.cluster_parameter_group, "cluster", family)
    if cluster_group is None:
        ours = f"{cluster_id.lower()}-{family}-cluster"
        cluster_group = ours if _family(rds, ours, "cluster") == family else f"default.{family}"
    instances = [
        instance.model_copy(
            update={
                "parameter_group": _group_of_family(rds, instance.parameter_group, "instance", family)
                or f"default.{family}"
            }
        )
        for instance in config.instances
    ]
    return config.model_copy(
        update={"engine_version": engine_version, "cluster_parameter_group": cluster_group, "instances": instances}
    )


def original_instance_id(instance: dict[str, Any]) -> str:
    """The name an instance had before a rollback renamed it aside (its own name if it never was)."""
    return tags_of(instance).get(ORIGINAL_ID_TAG, str(instance["DBInstanceIdentifier"]))


def _instance(rds: Rds, member: dict[str, Any], instance: dict[str, Any]) -> InstanceConfig:
    groups = instance.get("DBParameterGroups") or [{}]
    return InstanceConfig(
        instance_id=original_instance_id(instance) if instance else member["DBInstanceIdentifier"],
        instance_class=instance.get("DBInstanceClass", "db.serverless"),
        is_writer=bool(member.get("IsClusterWriter")),
        promotion_tier=member.get("PromotionTier", instance.get("PromotionTier")),
        parameter_group=groups[0].get("DBParameterGroupName"),
        availability_zone=instance.get("AvailabilityZone"),
        publicly_accessible=instance.get("PubliclyAccessible"),
        auto_minor_version_upgrade=instance.get("AutoMinorVersionUpgrade"),
        ca_certificate_identifier=instance.get("CACertificateIdentifier"),
        monitoring_interval=instance.get("MonitoringInterval"),
        monitoring_role_arn=instance.get("MonitoringRoleArn"),
        performance_insights_enabled=instance.get("PerformanceInsightsEnabled"),
        tags=_without_ours(rds.tags(instance["DBInstanceArn"])) if instance.get("DBInstanceArn") else {},
    )


def _group_of_family(rds: Rds, name: str | None, scope: str, family: str) -> str | None:
    if name and _family(rds, name, scope) == family:
        return name
    return None


def _family(rds: Rds, name: str, scope: str) -> str | None:
    if name.startswith("default."):
        return name.removeprefix("default.")
    group = rds.find_parameter_group(name, scope)
    return str(group["DBParameterGroupFamily"]) if group else None


def _without_ours(tags: dict[str, str]) -> dict[str, str]:
    """Our bookkeeping tags (capacity) must not come back with a restore."""
    return {key: value for key, value in tags.items() if not key.startswith("aurora-upgrade:")}
