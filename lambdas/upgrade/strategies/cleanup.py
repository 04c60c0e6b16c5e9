"""After a verified switchover: delete the deployment object; the old cluster only on request."""

from __future__ import annotations

from typing import Any

from aws.rds import Rds
from upgrade.shared import naming
from upgrade.shared.models import CleanUp, WorkflowState

_GONE = {"deleting", "deleted"}


def clean_up(state: WorkflowState, rds: Rds) -> CleanUp:
    plan = state.require_plan()
    deployment_deleted = state.switchover is not None
    if state.switchover is not None:
        rds.delete_blue_green(state.switchover.deployment_id)
    old = rds.find_cluster_by_resource_id(plan.cluster.resource_id)
    if old is not None and old["DBClusterIdentifier"] == plan.cluster.cluster_id:
        old = None  # no switchover happened: blue still serves under its name, never delete it here
    old_id = old["DBClusterIdentifier"] if old else (state.verification.old_cluster_id if state.verification else None)
    if old_id is None:
        return CleanUp(blue_green_deleted=deployment_deleted)
    if not state.request.delete_old_cluster:
        return CleanUp(blue_green_deleted=deployment_deleted, old_cluster_id=old_id)
    final_snapshot = naming.final_snapshot_id(old_id, state.execution.name)
    if old is not None:
        # a final snapshot keeps the writes blue took between our snapshot and the switchover
        delete_with_final_snapshot(rds, old, final_snapshot)
    return CleanUp(
        blue_green_deleted=deployment_deleted,
        old_cluster_id=old_id,
        old_cluster_deleted=True,
        old_cluster_final_snapshot=final_snapshot,
    )


def delete_with_final_snapshot(rds: Rds, cluster: dict[str, Any], final_snapshot_id: str) -> None:
    """Delete a cluster we were told to delete: instances first (Aurora requires it), data kept in a snapshot."""
    if cluster.get("Status") in _GONE:
        return
    cluster_id = cluster["DBClusterIdentifier"]
    if cluster.get("DeletionProtection"):
        rds.modify_cluster(cluster_id, DeletionProtection=False)
    for member in cluster.get("DBClusterMembers", []):
        rds.delete_instance(member["DBInstanceIdentifier"])
    rds.delete_cluster(cluster_id, final_snapshot_id=final_snapshot_id)
