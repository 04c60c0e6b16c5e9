"""After the switchover: the original name must now answer with the target version."""

from __future__ import annotations

from typing import Any

from aws.rds import Rds
from upgrade.shared.errors import UpgradeVerificationFailed
from upgrade.shared.models import Member, Verification, WorkflowState


def promotion_tier_changes(members: list[Member], instances: list[dict[str, Any]]) -> list[str]:
    """Failover order is part of the cluster: each instance must keep the promotion tier it had before.

    Green copies blue's configuration ("RDS copies the complete topology and configuration", Aurora User Guide,
    Overview of Amazon Aurora Blue/Green Deployments) and a restore passes each tier (CreateDBInstance
    PromotionTier); this checks that it held, instance by instance, under the original names.
    """
    before = {m.instance_id: m.promotion_tier for m in members if m.promotion_tier is not None}
    return [
        f"instance {i['DBInstanceIdentifier']} has promotion tier {i.get('PromotionTier')}, it had "
        f"{before[i['DBInstanceIdentifier']]} (aws rds modify-db-instance --db-instance-identifier "
        f"{i['DBInstanceIdentifier']} --promotion-tier {before[i['DBInstanceIdentifier']]} --apply-immediately)"
        for i in sorted(instances, key=lambda i: str(i["DBInstanceIdentifier"]))
        if i["DBInstanceIdentifier"] in before and i.get("PromotionTier") != before[i["DBInstanceIdentifier"]]
    ]


def verify_upgrade(state: WorkflowState, rds: Rds) -> Verification:
    plan = state.require_plan()
    cluster = rds.describe_cluster(plan.cluster.cluster_id)
    problems: list[str] = []
    if cluster.get("EngineVersion") != plan.target_version:
        problems.append(f"cluster runs {cluster.get('EngineVersion')}, expected {plan.target_version}")
    if cluster.get("Status") != "available":
        problems.append(f"cluster is '{cluster.get('Status')}'")
    if cluster.get("DbClusterResourceId") == plan.cluster.resource_id:
        problems.append("the original name still points at the blue cluster (same resource id)")
    described = rds.cluster_instances(plan.cluster.cluster_id)
    instances = {i["DBInstanceIdentifier"]: str(i.get("EngineVersion")) for i in described}
    if not instances:
        problems.append("the cluster has no instances")
    problems += promotion_tier_changes(plan.cluster.members, described)
    problems.extend(
        f"instance {name} runs {version}"
        for name, version in sorted(instances.items())
        if version != plan.target_version
    )
    if problems:
        raise UpgradeVerificationFailed(f"{plan.cluster.cluster_id} after switchover: " + "; ".join(problems))
    old = rds.find_cluster_by_resource_id(plan.cluster.resource_id)
    return Verification(
        cluster_id=plan.cluster.cluster_id,
        engine_version=str(cluster["EngineVersion"]),
        instances=instances,
        old_cluster_id=old["DBClusterIdentifier"] if old else None,
    )
