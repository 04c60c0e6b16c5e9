"""Restore from snapshot, instance creation and renames for moto's RDS (aurora-upgrade-facts.md §4.4, §6).

The rollback of a failed upgrade renames the broken cluster aside, restores the pre-upgrade
snapshot under the original name and recreates the instances. moto does each of these at once,
lets names collide, and restores settings from the snapshot's cluster that AWS takes from the
request (DeletionProtection, IAM authentication, Serverless v2 scaling). Real Aurora PostgreSQL:

* restores only the cluster (``creating`` for a while, no instances) and refuses a snapshot that is
  not ``available``, a name in use, or an engine version below the snapshot's;
* creates instances only in an ``available`` cluster, ``db.serverless`` ones only when the cluster
  has a Serverless v2 scaling configuration; the first instance created is the writer;
* renames clusters and instances over a few minutes (``renaming``) while the old name is free at
  once; a rename onto a name in use is refused;
* lets a name moved aside be reused at once. moto names automated snapshots after the resource and
  the minute, so recreating a name in the same minute collided with the old resource's snapshot.

The functions here are called by the handlers in ``rds_realism_clusters``; ``patches`` replaces
moto's automated backups.
"""

from __future__ import annotations

from typing import Any

from moto.core.utils import utcnow
from moto.rds.exceptions import (
    DBInstanceAlreadyExists,
    InvalidDBClusterSnapshotStateFault,
    InvalidDBClusterStateFault,
    InvalidParameterCombination,
    RDSClientError,
)
from moto.rds.models import DBCluster, DBInstanceClustered, RDSBackend

from simulator.catalogue import versions as catalogue
from simulator.rds.state import Patch, RealisticRds, record_cluster_event

BUSY = frozenset({"creating", "renaming", "upgrading"})
SERVERLESS_NEEDS_SCALING = (
    "Set the Serverless v2 scaling configuration on the parent DB cluster before creating a Serverless v2 DB instance."
)
DEFAULT_LIFECYCLE = "open-source-rds-extended-support"
AURORA_STORAGE = "aurora"


# --- names and states ------------------------------------------------------------------------------


def check_cluster_id_free(backend: RDSBackend, identifier: Any) -> None:
    """Cluster identifiers are unique per account and Region (moto silently replaces the old one)."""
    if identifier is not None and str(identifier) in backend.clusters:  # a case-insensitive dict
        raise RDSClientError("DBClusterAlreadyExistsFault", "DB Cluster already exists")


def cluster_not_available(cluster_id: str, status: str) -> InvalidDBClusterStateFault:
    return InvalidDBClusterStateFault(
        f"DbCluster {cluster_id} is in {status} state but expected it to be one of available."
    )


def check_cluster_modifiable(sim: RealisticRds, cluster: Any) -> None:
    """ModifyDBCluster is refused while the cluster is creating, renaming or upgrading."""
    status = sim.status_of(cluster)
    if status in BUSY:
        raise cluster_not_available(cluster.db_cluster_identifier, status)


def prepare_cluster_rename(backend: RDSBackend, cluster: Any, params: Any) -> str | None:
    """Validate NewDBClusterIdentifier; returns the new name (lower case, as RDS stores it)."""
    requested = params.get("NewDBClusterIdentifier")
    if not requested:
        return None
    new_id = str(requested).lower()
    if new_id != cluster.db_cluster_identifier:
        check_cluster_id_free(backend, new_id)
    return new_id


def after_cluster_rename(sim: RealisticRds, cluster: Any, old_id: str, before: str) -> None:
    """The new name answers at once, ``renaming`` for a few describes (RDS-EVENT-0172)."""
    sim.begin(cluster, "renaming", "rename", final=before)
    record_cluster_event(cluster, f"Renamed cluster from {old_id} to {cluster.db_cluster_identifier}", "notification")


def prepare_instance_modify(sim: RealisticRds, backend: RDSBackend, instance: Any, params: Any) -> str | None:
    """Refuse changes to a busy instance and renames onto a name in use; returns the new name."""
    status = sim.status_of(instance)
    if status in BUSY:
        raise RDSClientError(
            "InvalidDBInstanceState", f"DB instance {instance.db_instance_identifier} is not in available state."
        )
    requested = params.get("NewDBInstanceIdentifier")
    if not requested:
        return None
    new_id = str(requested).lower()
    taken = backend.databases.get(new_id)
    if taken is not None and taken is not instance:
        raise DBInstanceAlreadyExists()
    return new_id


# --- instances -------------------------------------------------------------------------------------


def check_create_instance(sim: RealisticRds, backend: RDSBackend, params: Any) -> Any:
    """Validate CreateDBInstance against its cluster; returns the cluster (None if not clustered)."""
    cluster_id = params.get("DBClusterIdentifier")
    cluster = backend.clusters.get(str(cluster_id)) if cluster_id else None
    if cluster is None:
        return None  # moto answers DBClusterNotFoundFault itself
    status = sim.status_of(cluster)
    if status != "available":
        raise cluster_not_available(cluster.db_cluster_identifier, status)
    serverless = params.get("DBInstanceClass") == "db.serverless"
    if serverless and cluster.engine == catalogue.ENGINE and not cluster.serverless_v2_scaling_configuration:
        raise InvalidDBClusterStateFault(SERVERLESS_NEEDS_SCALING)
    return cluster


def after_create_instance(sim: RealisticRds, cluster: Any, instance: Any) -> None:
    """Instances of a restored cluster take ``polls`` describes to create.

    Instances created in a cluster made with CreateDBCluster stay available at once: that is how
    tests and scenarios seed the world the workflow starts from, which must be steady.
    """
    if cluster is not None and cluster in sim.restored:
        sim.begin(instance, "creating", "restore")


# --- restore ---------------------------------------------------------------------------------------


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _check_restore_version(snapshot_id: str, source: str, requested: str) -> None:
    """A snapshot restores to its own version or a valid upgrade target, never to an older one."""
    if _version_key(requested) < _version_key(source):
        raise InvalidParameterCombination(
            f"Cannot restore DB cluster snapshot {snapshot_id} of engine version {source} to the earlier "
            f"engine version {requested}."
        )
    if not catalogue.is_valid_upgrade(source, requested):
        raise InvalidParameterCombination(
            f"Cannot find upgrade target from {source} with requested version {requested}."
        )


def _without_managed_password(snapshot: Any) -> None:
    """moto cannot restore a cluster whose password Secrets Manager managed (KeyError).

    AWS restores it with the snapshot-time password and no managed secret (facts §6.2), so the
    snapshot's private copy of the cluster is given a placeholder password.
    """
    source = snapshot.cluster
    if getattr(source, "manage_master_user_password", False):
        source.manage_master_user_password = False
        source.master_user_password = "restored-from-snapshot"


def check_restore(backend: RDSBackend, params: Any) -> Any:
    """Validate RestoreDBClusterFromSnapshot; returns the snapshot (None: moto answers not found)."""
    snapshot_id = str(params.get("SnapshotIdentifier")).split(":")[-1]
    snapshot = backend.cluster_snapshots.get(snapshot_id)
    if snapshot is None:
        return None
    if snapshot.status != "available":
        raise InvalidDBClusterSnapshotStateFault(
            f"Cannot restore from DB cluster snapshot {snapshot_id}: its status is {snapshot.status}, "
            "it must be available."
        )
    check_cluster_id_free(backend, params.get("DBClusterIdentifier"))
    requested = params.get("EngineVersion")
    if requested and requested != snapshot.engine_version:
        _check_restore_version(snapshot_id, snapshot.engine_version, str(requested))
    _without_managed_password(snapshot)
    return snapshot


def aurora_defaults(cluster: Any, params: Any) -> None:
    """What AWS reports for an Aurora PostgreSQL cluster and moto does not (moto says "gp2")."""
    cluster.storage_type = params.get("StorageType") or AURORA_STORAGE
    cluster.engine_lifecycle_support = params.get("EngineLifecycleSupport") or DEFAULT_LIFECYCLE


def after_restore(sim: RealisticRds, cluster: Any, params: Any) -> None:
    """``creating`` for ``polls`` describes; settings AWS takes from the request, not the snapshot."""
    sim.restored[cluster] = True
    sim.begin(cluster, "creating", "restore")
    cluster.deletion_protection = bool(params.get("DeletionProtection"))
    cluster.iam_auth = bool(params.get("EnableIAMDatabaseAuthentication"))
    cluster.copy_tags_to_snapshot = bool(params.get("CopyTagsToSnapshot"))
    cluster.serverless_v2_scaling_configuration = params.get("ServerlessV2ScalingConfiguration")
    if cluster.engine == catalogue.ENGINE:
        aurora_defaults(cluster, params)


# --- automated backups -----------------------------------------------------------------------------


def patches() -> list[Patch]:
    """Automated backups that do not block reusing a name (a restore under the original name)."""
    cluster_backup = DBCluster.save_automated_backup

    def save_cluster_backup(self: DBCluster) -> None:
        """AWS keys automated backups by resource; skip moto's when its name-and-minute id is taken."""
        taken = {s.db_cluster_snapshot_identifier for s in self.backend.cluster_snapshots.values()}
        if f"rds:{self.db_cluster_identifier}-{utcnow():%Y-%m-%d-%H-%M}" not in taken:
            cluster_backup(self)

    def save_instance_backup(self: DBInstanceClustered) -> None:
        """Aurora backs up the cluster volume; its instances have no automated DB snapshots."""

    return [
        Patch(DBCluster, "save_automated_backup", save_cluster_backup),
        Patch(DBInstanceClustered, "save_automated_backup", save_instance_backup),
    ]
