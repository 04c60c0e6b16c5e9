"""Bad execution inputs and bad deployment configurations are refused before anything changes.

One table: each row is a request the preflight handler must refuse (or a cdk.json context that
``parse_config`` must refuse), the error class, and a fragment of the message that names the
problem. The simulated world is compared before and after each row: nothing may have changed.
The IAM test at the end covers "a cluster not in the configuration": the deployed policies only
name the configured clusters, apart from the wildcards RDS itself requires (listed explicitly).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from preflight.handler import handler as preflight

from infra.config import ConfigError, parse_config
from infra.permissions import grants as reasons
from infra.permissions import registry as permissions
from simulator.scenario.model import ClusterSpec, create_cluster
from tests.functional.world import SEED_CLUSTER, call, initial_state, make_cluster, world_snapshot
from upgrade.shared.errors import (
    ClusterNotFound,
    InvalidUpgradeInput,
    RestoreSourceInvalid,
    UnsupportedCluster,
    UpgradeTargetInvalid,
)

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod-db-preflight-AbCdEf"
GOOD_CONFIG: dict[str, Any] = {"clusters": ["prod-db"], "notification_emails": ["dba@example.com"]}
_REMOVE = object()  # a request value that means "leave this field out"
_NOT_A_CONFIG = object()  # the row is an execution input, not a deployment configuration


def _postgres_instance(rds_client: Any) -> None:
    """RDS for PostgreSQL: a DB instance, not an Aurora cluster."""
    rds_client.create_db_instance(
        DBInstanceIdentifier="pg-db",
        Engine="postgres",
        EngineVersion="14.18",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="postgres",
        MasterUserPassword="simulated-password",
    )


@dataclass(frozen=True)
class Row:
    """A request for the preflight handler (``cluster`` built first), or a deployment configuration."""

    error: type[Exception]
    fragment: str
    request: dict[str, Any] = field(default_factory=dict)
    cluster: dict[str, Any] | None = field(default_factory=dict)
    setup: Callable[[Any], None] | None = None
    config: Any = _NOT_A_CONFIG


def _ledger_snapshot(rds_client: Any) -> None:
    """Another cluster of the account (ledger-db) and an available snapshot of it."""
    create_cluster(rds_client, ClusterSpec.model_validate({**SEED_CLUSTER, "id": "ledger-db", "instances": []}))
    rds_client.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="ledger-snap", DBClusterIdentifier="ledger-db")
    rds_client.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier="ledger-snap")  # settles after one describe


def _request(row: Row) -> dict[str, Any]:
    base = initial_state()["input"]
    merged = {**base, **row.request}
    return {key: value for key, value in merged.items() if value is not _REMOVE}


def _restore(**fields: Any) -> dict[str, Any]:
    """A restore input: only action, cluster_id and snapshot_id (plus the row's fields) remain."""
    return {"action": "restore", "target_engine_version": _REMOVE, "strategy": _REMOVE, **fields}


def _config(**changes: Any) -> dict[str, Any]:
    return {**GOOD_CONFIG, **changes}


_MYSQL = {"engine": "aurora-mysql", "engine_version": "8.0.mysql_aurora.3.05.2", "serverless_v2": None}
_PATTERN = "String should match pattern"

ROWS: dict[str, Row] = {
    # --- the cluster -------------------------------------------------------------------------------
    "unknown cluster": Row(ClusterNotFound, "no DB cluster named 'nope-db'", {"cluster_id": "nope-db"}),
    "aurora-mysql cluster": Row(UnsupportedCluster, "runs engine 'aurora-mysql'", cluster=_MYSQL),
    "RDS for PostgreSQL instance (engine postgres)": Row(
        ClusterNotFound, "no DB cluster named 'pg-db'", {"cluster_id": "pg-db"}, cluster=None, setup=_postgres_instance
    ),
    # --- the target version ------------------------------------------------------------------------
    "downgrade": Row(
        UpgradeTargetInvalid,
        "13.20 is a downgrade from 14.18",
        {"target_engine_version": "13.20"},
        {"engine_version": "14.18"},
    ),
    "same major, minor-only target": Row(
        UpgradeTargetInvalid,
        "13.20 is the same major version as 13.12",
        {"target_engine_version": "13.20"},
        {"engine_version": "13.12"},
    ),
    "same major, lower minor": Row(
        UpgradeTargetInvalid, "13.12 is a downgrade from 13.20", {"target_engine_version": "13.12"}
    ),
    "version without minor": Row(
        InvalidUpgradeInput, "target_engine_version: Value error, '14' is not", {"target_engine_version": "14"}
    ),
    "version with x": Row(
        InvalidUpgradeInput, "target_engine_version: Value error, '14.x' is not", {"target_engine_version": "14.x"}
    ),
    "version with v prefix": Row(
        InvalidUpgradeInput,
        "target_engine_version: Value error, 'v14.18' is not",
        {"target_engine_version": "v14.18"},
    ),
    "version with patch": Row(
        InvalidUpgradeInput,
        "target_engine_version: Value error, '14.18.1' is not",
        {"target_engine_version": "14.18.1"},
    ),
    "version as a number": Row(
        InvalidUpgradeInput, "target_engine_version: Input should be a valid string", {"target_engine_version": 14.18}
    ),
    "empty version": Row(
        InvalidUpgradeInput, "target_engine_version: Value error, '' is not", {"target_engine_version": ""}
    ),
    "target not in the catalogue": Row(
        UpgradeTargetInvalid, "14.99 is not a valid major upgrade target", {"target_engine_version": "14.99"}
    ),
    "major not reachable from the source minor": Row(
        UpgradeTargetInvalid,
        "17.5 is not a valid major upgrade target of aurora-postgresql 13.12",
        {"target_engine_version": "17.5"},
        {"engine_version": "13.12"},
    ),
    # --- the other fields --------------------------------------------------------------------------
    "unknown strategy": Row(
        InvalidUpgradeInput, "strategy: Input should be 'blue_green' or 'in_place'", {"strategy": "yolo"}
    ),
    "switchover timeout below 30": Row(
        InvalidUpgradeInput,
        "switchover_timeout_seconds: Input should be greater than or equal to 30",
        {"switchover_timeout_seconds": 29},
    ),
    "switchover timeout above 3600": Row(
        InvalidUpgradeInput,
        "switchover_timeout_seconds: Input should be less than or equal to 3600",
        {"switchover_timeout_seconds": 3601},
    ),
    "switchover timeout as a string": Row(
        InvalidUpgradeInput,
        "switchover_timeout_seconds: Input should be a valid integer",
        {"switchover_timeout_seconds": "300"},
    ),
    "missing cluster_id": Row(InvalidUpgradeInput, "cluster_id: Field required", {"cluster_id": _REMOVE}),
    "missing target_engine_version": Row(
        InvalidUpgradeInput, "target_engine_version: Field required", {"target_engine_version": _REMOVE}
    ),
    "missing strategy": Row(InvalidUpgradeInput, "strategy: Field required", {"strategy": _REMOVE}),
    "extra field": Row(
        InvalidUpgradeInput,
        "notify_webhook: Extra inputs are not permitted",
        {"notify_webhook": "https://hooks.example.com/services/T0/B0/x"},
    ),
    "delete_old_cluster as a word": Row(
        InvalidUpgradeInput, "delete_old_cluster: Input should be a valid boolean", {"delete_old_cluster": "yes"}
    ),
    "deadlines as a list": Row(
        InvalidUpgradeInput, "deadlines: Input should be a valid dictionary", {"deadlines": [60, 240]}
    ),
    "deadline below its minimum": Row(
        InvalidUpgradeInput,
        "deadlines.upgrade_minutes: Input should be greater than or equal to 15",
        {"deadlines": {"upgrade_minutes": 14}},
    ),
    "mode dry-run": Row(InvalidUpgradeInput, "mode: Input should be 'upgrade' or 'preflight'", {"mode": "dry-run"}),
    "database secret that is not an ARN": Row(
        InvalidUpgradeInput, f"database.secret_arn: {_PATTERN}", {"database": {"secret_arn": "prod-db-preflight"}}
    ),
    # --- cluster identifiers (RDS rules) -----------------------------------------------------------
    "cluster id with an underscore": Row(InvalidUpgradeInput, f"cluster_id: {_PATTERN}", {"cluster_id": "prod_db"}),
    "cluster id starting with a digit": Row(InvalidUpgradeInput, f"cluster_id: {_PATTERN}", {"cluster_id": "1db"}),
    "cluster id with a trailing hyphen": Row(InvalidUpgradeInput, f"cluster_id: {_PATTERN}", {"cluster_id": "db-"}),
    "cluster id with two hyphens": Row(InvalidUpgradeInput, f"cluster_id: {_PATTERN}", {"cluster_id": "a--b"}),
    "cluster id of 64 characters": Row(
        InvalidUpgradeInput, "cluster_id: String should have at most 63 characters", {"cluster_id": "a" * 64}
    ),
    # --- restore inputs ----------------------------------------------------------------------------
    "restore without snapshot_id": Row(InvalidUpgradeInput, "snapshot_id: Field required", _restore()),
    "restore of an unknown snapshot": Row(
        RestoreSourceInvalid, "no DB cluster snapshot named 'ghost-snapshot'", _restore(snapshot_id="ghost-snapshot")
    ),
    "restore with a bad snapshot id": Row(
        InvalidUpgradeInput, f"snapshot_id: {_PATTERN}", _restore(snapshot_id="pre_upgrade")
    ),
    "restore with an upgrade field": Row(
        InvalidUpgradeInput,
        "strategy: Extra inputs are not permitted",
        _restore(snapshot_id="pre-upgrade", strategy="in_place"),
    ),
    "restore of another cluster's snapshot": Row(
        RestoreSourceInvalid,
        "snapshot 'ledger-snap' was taken from cluster 'ledger-db', not 'prod-db': restoring it would serve "
        "ledger-db's data under prod-db's name. If that is what you want, add \"snapshot_source_cluster_id\": "
        '"ledger-db" to the input.',
        _restore(snapshot_id="ledger-snap"),
        setup=_ledger_snapshot,
    ),
    "restore naming the wrong source of the snapshot": Row(
        RestoreSourceInvalid,
        "snapshot 'ledger-snap' was taken from cluster 'ledger-db', not from 'orders-db' as "
        "snapshot_source_cluster_id says",
        _restore(snapshot_id="ledger-snap", snapshot_source_cluster_id="orders-db"),
        setup=_ledger_snapshot,
    ),
    # --- deployment configurations (cdk.json context "aurora-upgrade") ------------------------------
    "config missing": Row(ConfigError, "context 'aurora-upgrade' is missing", config=None),
    "config with no clusters": Row(
        ConfigError,
        "clusters: Value error, at least one DB cluster identifier is required",
        config=_config(clusters=[]),
    ),
    "config cluster id with an underscore": Row(
        ConfigError, f"clusters[1]: {_PATTERN}", config=_config(clusters=["prod-db", "orders_db"])
    ),
    "config with an unknown key": Row(
        ConfigError, "regions: Extra inputs are not permitted", config=_config(regions=["eu-west-1"])
    ),
    "config with a bad email": Row(
        ConfigError, f"notification_emails[0]: {_PATTERN}", config=_config(notification_emails=["dba-at-example.com"])
    ),
    "config with a duplicate cluster": Row(
        ConfigError,
        "clusters: Value error, duplicate entries: prod-db",
        config=_config(clusters=["prod-db", "Prod-DB"]),
    ),
    "config with a bad subnet id": Row(
        ConfigError,
        f"database_access.subnet_ids[0]: {_PATTERN}",
        config=_config(database_access={"subnet_ids": ["subnet-XYZ"]}),
    ),
    "config with a secret that is not an ARN": Row(
        ConfigError,
        f"database_access.secret_arns[0]: {_PATTERN}",
        config=_config(database_access={"secret_arns": [SECRET_ARN.split(":secret:")[1]]}),
    ),
}

assert len(ROWS) >= 25, f"the table must hold at least 25 bad inputs and configurations, not {len(ROWS)}"


def _everything(rds_client: Any) -> dict[str, Any]:
    """world_snapshot plus every DB instance and every cluster snapshot (automated ones too)."""
    return {
        **world_snapshot(rds_client),
        "instances": sorted(i["DBInstanceIdentifier"] for i in rds_client.describe_db_instances()["DBInstances"]),
        "all_snapshots": sorted(
            s["DBClusterSnapshotIdentifier"] for s in rds_client.describe_db_cluster_snapshots()["DBClusterSnapshots"]
        ),
    }


@pytest.mark.parametrize("row", list(ROWS.values()), ids=list(ROWS))
def test_bad_input_is_refused_before_any_change(rds_client, row):
    if row.cluster is not None:
        make_cluster(rds_client, **row.cluster)
    if row.setup is not None:
        row.setup(rds_client)
    before = _everything(rds_client)
    if row.config is not _NOT_A_CONFIG:
        with pytest.raises(row.error) as refused:
            parse_config(row.config)
    else:
        with pytest.raises(row.error) as refused:
            call(preflight, {"input": _request(row), "execution": {"name": "test-run"}})
        assert any(entry.name == "run_preflight" for entry in refused.traceback), "refused by preflight itself"
    assert row.fragment in str(refused.value)
    assert _everything(rds_client) == before


# --- a cluster not in the configuration: the IAM policies cannot reach it ---------------------------

_CONFIGURED = "prod-db"
_READ_ONLY = ("Describe", "List")

# Mutating grants whose resources are not under the configured cluster id; each one's reason says why
# RDS requires the wildcard. A new wildcard on a mutating action fails the test until it is added here.
WILDCARD_EXCEPTIONS: dict[tuple[str, str, str, str], str] = {
    (
        "PrepareSourceParameterGroupFunction",
        "EnableLogicalReplication",
        "cluster-pg",
        "*",
    ): "SOURCE_CLUSTER_GROUP_MODIFY",
    ("CheckParameterSyncFunction", "RebootPendingMembers", "db", "*"): "REBOOT_MEMBERS",
    ("CreateBlueGreenFunction", "CreateBlueGreen", "deployment", "*"): "DEPLOYMENT_IDS",
    ("CreateBlueGreenFunction", "ProvisionGreen", "cluster", "*"): "GREEN_STAGING",
    ("CreateBlueGreenFunction", "ProvisionGreen", "db", "*"): "GREEN_STAGING",
    ("CreateBlueGreenFunction", "ProvisionGreen", "cluster-endpoint", "*"): "GREEN_STAGING",
    ("CreateBlueGreenFunction", "ProvisionGreen", "subgrp", "*"): "GREEN_STAGING",
    ("CreateBlueGreenFunction", "TagGreen", "cluster", "*"): "GREEN_STAGING",
    ("CreateBlueGreenFunction", "TagGreen", "db", "*"): "GREEN_STAGING",
    ("CreateBlueGreenFunction", "TagGreen", "cluster-endpoint", "*"): "GREEN_STAGING",
    ("StartSwitchoverFunction", "SwitchOver", "deployment", "*"): "DEPLOYMENT_IDS",
    ("StartSwitchoverFunction", "RenameClusters", "cluster", "*"): "SWITCHOVER_RENAMES",
    ("CleanUpFunction", "DeleteBlueGreenObject", "deployment", "*"): "DEPLOYMENT_IDS",
    ("AbandonBlueGreenFunction", "DeleteBlueGreen", "deployment", "*"): "DEPLOYMENT_IDS",
    ("AbandonBlueGreenFunction", "DeleteStagingEnvironment", "cluster", "*"): "GREEN_STAGING_DELETE",
    ("AbandonBlueGreenFunction", "DeleteStagingEnvironment", "db", "*"): "GREEN_STAGING_DELETE",
    ("AbandonBlueGreenFunction", "DeleteStagingEnvironment", "cluster-endpoint", "*"): "GREEN_STAGING_DELETE",
    ("CleanUpFunction", "DeleteOldInstances", "db", "*-old*"): "OLD_INSTANCES",
    ("SettleInstancesFunction", "RebootPendingMembers", "db", "*"): "REBOOT_MEMBERS",
    ("MoveAsideFunction", "RenameInstancesAside", "db", "*"): "RENAME_MEMBERS",
    ("RestoreClusterFunction", "RestoreFromSnapshot", "cluster-snapshot", "*"): "RESTORE_INPUTS",
    ("RestoreClusterFunction", "RestoreFromSnapshot", "subgrp", "*"): "RESTORE_INPUTS",
    ("RestoreClusterFunction", "RestoreFromSnapshot", "cluster-pg", "*"): "RESTORE_INPUTS",
    ("CreateInstancesFunction", "CreateMembers", "db", "*"): "RECREATE_MEMBERS",
    ("CreateInstancesFunction", "CreateMembers", "pg", "*"): "RECREATE_MEMBERS",
    ("DeleteFailedClusterFunction", "DeleteAsideInstances", "db", "*-aside-*"): "ASIDE_INSTANCES",
    # a global database member: RDS manages the global cluster topology on the caller's behalf
    ("CreateBlueGreenFunction", "GlobalDatabaseCreate", "global-cluster", "*"): "GLOBAL_BLUE_GREEN",
    ("CreateBlueGreenFunction", "GlobalDatabaseCreate", "cluster", "*"): "GLOBAL_BLUE_GREEN",
    ("StartSwitchoverFunction", "GlobalDatabaseModify", "global-cluster", "*"): "GLOBAL_BLUE_GREEN",
    ("AbandonBlueGreenFunction", "GlobalDatabaseDelete", "global-cluster", "*"): "GLOBAL_BLUE_GREEN",
}
# an exception that needs RDS's own wildcard is only acceptable where that same action is also
# authorized on the configured cluster (IAM requires every resource of the call to be allowed)
_ALSO_ON_THE_CLUSTER = {
    ("RestoreClusterFunction", "RestoreDBClusterFromSnapshot"),
    ("CreateInstancesFunction", "CreateDBInstance"),
}


def _scoped(name: str) -> bool:
    return name == _CONFIGURED or name.startswith(f"{_CONFIGURED}-")


def test_mutating_grants_name_only_the_configured_cluster_or_a_listed_exception():
    found: dict[tuple[str, str, str, str], str | None] = {}
    for function_id in permissions.RDS_POLICIES:
        grants = permissions.grants_for(function_id, [_CONFIGURED])
        for grant in grants:
            mutating = [action for action in grant.actions if not action.startswith(_READ_ONLY)]
            if not mutating:
                continue
            for resource in grant.resources:
                assert resource.kind, f"{function_id}/{grant.sid} allows {mutating} on every resource ('*')"
                if not _scoped(resource.name):
                    found[(function_id, grant.sid, resource.kind, resource.name)] = grant.reason
        for function, action in _ALSO_ON_THE_CLUSTER:
            if function == function_id:
                on_cluster = [g for g in grants if action in g.actions and {r.kind for r in g.resources} == {"cluster"}]
                assert on_cluster and all(_scoped(r.name) for g in on_cluster for r in g.resources)
    assert set(found) == set(WILDCARD_EXCEPTIONS), "a mutating grant reaches beyond the configured cluster"
    for key, reason_name in WILDCARD_EXCEPTIONS.items():
        assert found[key] == getattr(reasons, reason_name), f"{key} must carry the {reason_name} reason"
    # no ModifyDBCluster/DeleteDBCluster on cluster:* apart from the switchover renames RDS requires
    broad_cluster_changes = {key for key in found if key[2] == "cluster" and key[3] == "*"}
    assert broad_cluster_changes == {
        ("CreateBlueGreenFunction", "ProvisionGreen", "cluster", "*"),
        ("CreateBlueGreenFunction", "TagGreen", "cluster", "*"),
        ("CreateBlueGreenFunction", "GlobalDatabaseCreate", "cluster", "*"),
        ("StartSwitchoverFunction", "RenameClusters", "cluster", "*"),
        ("AbandonBlueGreenFunction", "DeleteStagingEnvironment", "cluster", "*"),
    }
