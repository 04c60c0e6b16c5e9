"""``capture``: a scenario file of a real cluster as it is, from read-only describe calls.

Every call here is a Describe/List call with the caller's own credentials; nothing changes. Nothing secret is
written: no endpoint, user name, password, secret or key ARN, only what the simulator needs to rebuild the
cluster's shape (the scenario format, docs/scenarios.md) and, under ``captured``, when, from which account and
Region, plus the engine catalogue entries the upgrade will consult (the plan compares them with the
simulator's own catalogue).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws.rds import Rds

# keys of a DescribeDBEngineVersions entry the workflow reads (preflight, target groups, capacity)
_CATALOGUE_KEYS = ("EngineVersion", "DBParameterGroupFamily", "Status", "ServerlessV2FeaturesSupport")


class CaptureError(ValueError):
    """The cluster cannot be captured as a scenario; the message says why."""


def capture(session: Any, cluster_id: str) -> dict[str, Any]:
    """The scenario of ``cluster_id`` (a dict ready for JSON), with an input that upgrades nothing yet."""
    rds = Rds(session.client("rds"))
    cluster = rds.find_cluster(cluster_id)
    if cluster is None:
        raise CaptureError(f"no DB cluster {cluster_id} in {session.region_name}")
    if cluster.get("Engine") != "aurora-postgresql":
        raise CaptureError(f"{cluster_id} runs {cluster.get('Engine')}, not aurora-postgresql")
    # arn:aws:rds:<region>:<account>:cluster:<id>: the account without a call to STS
    _, partition, _, region, account, *_ = str(cluster["DBClusterArn"]).split(":")
    spec = _cluster_spec(rds, cluster, session)
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    return {
        "name": f"captured-{cluster_id}",
        "description": f"{cluster_id} as captured from account {account} in {region} at {now}",
        "region": region,
        "cluster": spec,
        # the plan fills in the target and strategy (python -m upgrade_cli plan --target ... --strategy ...)
        "input": {"cluster_id": cluster_id},
        "captured": {
            "at": now,
            "account": account,
            "region": region,
            "partition": partition,
            "by": "python -m upgrade_cli capture",
            "backtrack_window_seconds": int(cluster.get("BacktrackWindow") or 0),
            "engine_versions": _catalogue(rds, str(cluster["EngineVersion"])),
        },
    }


def _cluster_spec(rds: Rds, cluster: dict[str, Any], session: Any) -> dict[str, Any]:
    cluster_id = str(cluster["DBClusterIdentifier"])
    writers = {m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", []) if m.get("IsClusterWriter")}
    spec: dict[str, Any] = {
        "id": cluster_id,
        "engine": "aurora-postgresql",
        "engine_version": cluster["EngineVersion"],
        "instances": [
            _instance_spec(rds, instance, writer=instance["DBInstanceIdentifier"] in writers)
            for instance in sorted(rds.cluster_instances(cluster_id), key=lambda i: str(i["DBInstanceIdentifier"]))
        ],
        "deletion_protection": bool(cluster.get("DeletionProtection")),
        # a MasterUserSecret means Secrets Manager manages the password (its ARN is not written)
        "manage_master_user_password": bool(cluster.get("MasterUserSecret")),
        "tags": {tag["Key"]: tag["Value"] for tag in cluster.get("TagList", [])},
    }
    scaling = cluster.get("ServerlessV2ScalingConfiguration")
    if scaling:
        spec["serverless_v2"] = {
            "min_capacity": float(scaling["MinCapacity"]),
            "max_capacity": float(scaling["MaxCapacity"]),
        }
    group = _parameter_group(rds, str(cluster.get("DBClusterParameterGroup") or ""), "cluster")
    if group:
        spec["cluster_parameter_group"] = group
    if cluster.get("StorageEncrypted"):
        spec["encryption"] = _key_manager(session, str(cluster.get("KmsKeyId") or ""))
    global_id = _global_cluster(cluster)
    if global_id:
        spec["global_cluster"] = global_id
    integrations = [str(i.get("IntegrationName")) for i in rds.zero_etl_integrations(str(cluster["DBClusterArn"]))]
    if integrations:
        spec["zero_etl_integrations"] = integrations
    proxies = rds.proxies_targeting(cluster_id)
    if proxies:
        spec["rds_proxies"] = proxies
    return spec


def _instance_spec(rds: Rds, instance: dict[str, Any], writer: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "id": instance["DBInstanceIdentifier"],
        "instance_class": instance["DBInstanceClass"],
        "writer": writer,
        "promotion_tier": int(instance.get("PromotionTier", 1)),
    }
    groups = instance.get("DBParameterGroups") or [{}]
    group = _parameter_group(rds, str(groups[0].get("DBParameterGroupName") or ""), "instance")
    if group:
        spec["parameter_group"] = group
    return spec


def _parameter_group(rds: Rds, name: str, scope: str) -> dict[str, Any] | None:
    """A custom group with the parameters someone set (Source=user); None for a default group."""
    if not name or name.startswith("default."):
        return None
    found = rds.find_parameter_group(name, scope)
    if found is None:
        raise CaptureError(f"the {scope} parameter group {name} is attached but cannot be described")
    return {"name": name, "family": found["DBParameterGroupFamily"], "parameters": rds.user_parameters(name, scope)}


def _key_manager(session: Any, key_id: str) -> str:
    """``aws`` for the AWS managed key aws/rds, ``customer`` for a customer managed key.

    KMS API reference, KeyMetadata.KeyManager ("AWS" or "CUSTOMER"); AWS managed keys are the ones with an
    ``alias/aws/<service>`` alias (KMS Developer Guide, "AWS managed keys"), which moto's KeyManager misses.
    """
    kms = session.client("kms")
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    aliases = kms.list_aliases(KeyId=metadata["KeyId"]).get("Aliases", [])
    aws_managed = metadata.get("KeyManager") == "AWS" or any(
        str(alias.get("AliasName", "")).startswith("alias/aws/") for alias in aliases
    )
    return "aws" if aws_managed else "customer"


def _global_cluster(cluster: dict[str, Any]) -> str | None:
    """The global database the cluster belongs to: DescribeDBClusters names it by identifier or ARN."""
    named = cluster.get("GlobalClusterIdentifier")
    return str(named).rsplit(":", 1)[-1] if named else None


def _catalogue(rds: Rds, version: str) -> list[dict[str, Any]]:
    """The source version's entry (listed even when deprecated) and every major target's own entry."""
    source = rds.engine_version(version, include_unavailable=True)
    if source is None:
        raise CaptureError(f"aurora-postgresql {version} is not in this Region's engine catalogue")
    entries = [_catalogue_entry(source, with_targets=True)]
    for target in source.get("ValidUpgradeTarget", []):
        if target.get("IsMajorVersionUpgrade"):
            entry = rds.engine_version(str(target["EngineVersion"]))
            if entry is not None:
                entries.append(_catalogue_entry(entry, with_targets=False))
    return entries


def _catalogue_entry(entry: dict[str, Any], with_targets: bool) -> dict[str, Any]:
    kept = {key: entry[key] for key in _CATALOGUE_KEYS if key in entry}
    if with_targets:  # a target's own targets are not consulted by this upgrade
        kept["ValidUpgradeTarget"] = [
            {"EngineVersion": t["EngineVersion"], "IsMajorVersionUpgrade": bool(t.get("IsMajorVersionUpgrade"))}
            for t in entry.get("ValidUpgradeTarget", [])
        ]
    return kept
