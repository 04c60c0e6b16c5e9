"""After the switchover: the original name must now answer with the target version."""

from __future__ import annotations

from aws.rds import Rds
from upgrade.errors import UpgradeVerificationFailed
from upgrade.models import Verification, WorkflowState


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
    instances = {
        i["DBInstanceIdentifier"]: str(i.get("EngineVersion")) for i in rds.cluster_instances(plan.cluster.cluster_id)
    }
    if not instances:
        problems.append("the cluster has no instances")
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
