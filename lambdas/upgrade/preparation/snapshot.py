"""The pre-upgrade manual cluster snapshot: taken once per execution, never deleted by us."""

from __future__ import annotations

from aws.rds import Rds
from upgrade.shared.errors import SnapshotFailed
from upgrade.shared.models import SnapshotProgress, WorkflowState
from upgrade.waiting import polling

_FAILED = {"failed", "error", "incompatible-restore", "deleting"}


def start_snapshot(state: WorkflowState, rds: Rds) -> SnapshotProgress:
    plan = state.require_plan()
    snapshot_id = plan.names.snapshot_id
    existing = rds.find_cluster_snapshot(snapshot_id)
    if existing is not None and existing.get("DBClusterIdentifier") != plan.cluster.cluster_id:
        raise SnapshotFailed(
            f"snapshot '{snapshot_id}' exists but belongs to cluster '{existing.get('DBClusterIdentifier')}'"
        )
    snapshot = existing or rds.create_cluster_snapshot(
        snapshot_id,
        plan.cluster.cluster_id,
        {"managed-by": "aurora-upgrade", "upgrade": f"{plan.source_version} to {plan.target_version}"},
    )
    status = str(snapshot.get("Status"))
    _require_not_failed(snapshot_id, status)
    return SnapshotProgress(
        snapshot_id=snapshot_id,
        status=status,
        adopted=existing is not None,
        ready=status == "available",
        poll=polling.start(polling.SNAPSHOT, state.request.deadlines.snapshot_minutes),
    )


def check_snapshot(state: WorkflowState, rds: Rds) -> SnapshotProgress:
    progress = state.snapshot
    if progress is None:
        raise SnapshotFailed("no snapshot was started")
    snapshot = rds.find_cluster_snapshot(progress.snapshot_id)
    if snapshot is None:
        raise SnapshotFailed(f"snapshot '{progress.snapshot_id}' disappeared while it was being created")
    status = str(snapshot.get("Status"))
    _require_not_failed(progress.snapshot_id, status)
    if status == "available":
        return progress.model_copy(update={"status": status, "ready": True, "poll": polling.checked(progress.poll)})
    poll = polling.advance(progress.poll, polling.SNAPSHOT, f"snapshot '{progress.snapshot_id}' to be available")
    return progress.model_copy(update={"status": status, "poll": poll})


def _require_not_failed(snapshot_id: str, status: str) -> None:
    if status in _FAILED:
        raise SnapshotFailed(f"snapshot '{snapshot_id}' is '{status}'")
