"""The realism layer for the in-place path and its rollback: upgrade, rename, restore, recreate, delete.

Every test talks to moto through real boto3 clients, so it checks what a Lambda would see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from moto.rds import models as rds_models
from pydantic import ValidationError

from simulator.rds.faults import DEFAULT_PRECHECK_FAILURE, FaultPlan
from tests.simulator.realism_helpers import PASSWORD, POLLS, Start, error_of

ENGINE = "aurora-postgresql"


# --- helpers -------------------------------------------------------------------------------------------


def create_cluster(rds: Any, cluster_id: str = "prod-db", readers: int = 1, **extra: Any) -> None:
    rds.create_db_cluster(
        DBClusterIdentifier=cluster_id,
        Engine=ENGINE,
        EngineVersion="13.20",
        MasterUsername="postgres",
        MasterUserPassword=PASSWORD,
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 8},
        **extra,
    )
    for index in range(1 + readers):
        rds.create_db_instance(
            DBInstanceIdentifier=f"{cluster_id}-{index + 1}",
            DBClusterIdentifier=cluster_id,
            Engine=ENGINE,
            DBInstanceClass="db.serverless",
        )


def cluster(rds: Any, cluster_id: str = "prod-db") -> dict[str, Any]:
    return dict(rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0])


def instance(rds: Any, instance_id: str) -> dict[str, Any]:
    return dict(rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0])


def instances(rds: Any, cluster_id: str = "prod-db") -> list[dict[str, Any]]:
    filters = [{"Name": "db-cluster-id", "Values": [cluster_id]}]
    return list(rds.describe_db_instances(Filters=filters)["DBInstances"])


def create_groups(rds: Any, family: str = "aurora-postgresql14") -> None:
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="target-cluster", DBParameterGroupFamily=family, Description="t"
    )
    rds.create_db_parameter_group(
        DBParameterGroupName="target-instance", DBParameterGroupFamily=family, Description="t"
    )


def upgrade(rds: Any, with_groups: bool = True, **overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "DBClusterIdentifier": "prod-db",
        "EngineVersion": "14.18",
        "AllowMajorVersionUpgrade": True,
        "ApplyImmediately": True,
    }
    if with_groups:
        request |= {"DBClusterParameterGroupName": "target-cluster", "DBInstanceParameterGroupName": "target-instance"}
    return dict(rds.modify_db_cluster(**(request | overrides))["DBCluster"])


def polls_until(rds: Any, done: Callable[[dict[str, Any]], bool], limit: int = 10) -> list[dict[str, Any]]:
    """Describe the cluster until ``done``; every describe is returned (and counted as a poll)."""
    seen = [cluster(rds)]
    while not done(seen[-1]):
        seen.append(cluster(rds))
        assert len(seen) <= limit, [c["Status"] for c in seen]
    return seen


def events(rds: Any, cluster_id: str = "prod-db") -> list[str]:
    found = rds.describe_events(SourceIdentifier=cluster_id, SourceType="db-cluster")["Events"]
    return [e["Message"] for e in found]


def snapshot(rds: Any, snapshot_id: str = "pre-upgrade", cluster_id: str = "prod-db") -> None:
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier=snapshot_id, DBClusterIdentifier=cluster_id)
    for _ in range(POLLS + 1):
        rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=snapshot_id)


def restore(rds: Any, cluster_id: str = "restored", **overrides: Any) -> dict[str, Any]:
    request = {"DBClusterIdentifier": cluster_id, "SnapshotIdentifier": "pre-upgrade", "Engine": ENGINE}
    return dict(rds.restore_db_cluster_from_snapshot(**(request | overrides))["DBCluster"])


def available_restore(rds: Any, **overrides: Any) -> None:
    create_cluster(rds)
    snapshot(rds)
    restore(rds, ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4}, **overrides)
    for _ in range(POLLS + 1):
        cluster(rds, "restored")


def add_instance(rds: Any, instance_id: str, cluster_id: str = "restored", **extra: Any) -> dict[str, Any]:
    request = {
        "DBInstanceIdentifier": instance_id,
        "DBClusterIdentifier": cluster_id,
        "Engine": ENGINE,
        "DBInstanceClass": "db.serverless",
    }
    return dict(rds.create_db_instance(**(request | extra))["DBInstance"])


# --- in-place major upgrade ----------------------------------------------------------------------------


def test_the_upgrade_answers_pending_on_the_old_version(rds: Any) -> None:
    create_cluster(rds)
    create_groups(rds)
    answered = upgrade(rds)
    assert (answered["Status"], answered["EngineVersion"]) == ("available", "13.20")
    assert answered["PendingModifiedValues"]["EngineVersion"] == "14.18"
    assert answered["DBClusterParameterGroup"] == "default.aurora-postgresql13"


def test_the_upgrade_starts_a_describe_later_and_upgrades_for_polls(rds: Any) -> None:
    create_cluster(rds)
    create_groups(rds)
    upgrade(rds)
    seen = polls_until(rds, lambda c: c["EngineVersion"] == "14.18")
    assert [c["Status"] for c in seen] == ["available"] + ["upgrading"] * POLLS + ["available"]
    assert [c["EngineVersion"] for c in seen[:-1]] == ["13.20"] * (POLLS + 1)
    assert seen[1]["PendingModifiedValues"]["EngineVersion"] == "14.18"
    assert not seen[-1].get("PendingModifiedValues")


def test_instances_upgrade_with_the_cluster(rds: Any) -> None:
    create_cluster(rds)
    create_groups(rds)
    upgrade(rds)
    cluster(rds)  # still available
    cluster(rds)  # upgrading
    assert {i["DBInstanceStatus"] for i in instances(rds)} == {"upgrading"}
    assert {i["EngineVersion"] for i in instances(rds)} == {"13.20"}
    polls_until(rds, lambda c: c["Status"] == "available")
    assert {(i["DBInstanceStatus"], i["EngineVersion"]) for i in instances(rds)} == {("available", "14.18")}


def test_after_the_upgrade_the_new_groups_are_attached(rds: Any) -> None:
    create_cluster(rds)
    create_groups(rds)
    upgrade(rds)
    done = polls_until(rds, lambda c: c["EngineVersion"] == "14.18")[-1]
    assert done["DBClusterParameterGroup"] == "target-cluster"
    assert {m["DBClusterParameterGroupStatus"] for m in done["DBClusterMembers"]} == {"in-sync"}
    groups = {i["DBInstanceIdentifier"]: i["DBParameterGroups"] for i in instances(rds)}
    assert groups == {
        name: [{"DBParameterGroupName": "target-instance", "ParameterApplyStatus": "pending-reboot"}]
        for name in ("prod-db-1", "prod-db-2")
    }


def test_a_reboot_brings_the_new_instance_group_in_sync(rds: Any) -> None:
    create_cluster(rds, readers=0)
    create_groups(rds)
    upgrade(rds)
    polls_until(rds, lambda c: c["EngineVersion"] == "14.18")
    rds.reboot_db_instance(DBInstanceIdentifier="prod-db-1")
    for _ in range(POLLS + 1):
        status = instance(rds, "prod-db-1")
    assert status["DBInstanceStatus"] == "available"
    assert status["DBParameterGroups"][0]["ParameterApplyStatus"] == "in-sync"


def test_without_groups_the_defaults_of_the_new_family_are_used(rds: Any) -> None:
    create_cluster(rds, readers=0)
    upgrade(rds, with_groups=False)
    done = polls_until(rds, lambda c: c["EngineVersion"] == "14.18")[-1]
    assert done["DBClusterParameterGroup"] == "default.aurora-postgresql14"
    assert instance(rds, "prod-db-1")["DBParameterGroups"] == [
        {"DBParameterGroupName": "default.aurora-postgresql14", "ParameterApplyStatus": "in-sync"}
    ]


def test_the_upgrade_is_told_in_rds_events(rds: Any) -> None:
    create_cluster(rds)
    create_groups(rds)
    upgrade(rds)
    cluster(rds)
    assert events(rds) == []  # not started yet
    cluster(rds)
    assert events(rds) == ["Upgrade in progress: Performing online pre-upgrade checks."]
    polls_until(rds, lambda c: c["Status"] == "available")
    paginator = rds.get_paginator("describe_events")
    pages = paginator.paginate(SourceIdentifier="prod-db", SourceType="db-cluster", Duration=1440)
    found = [event for page in pages for event in page["Events"]]
    assert [e["Message"] for e in found][-1] == "Database cluster major version has been upgraded"
    last = found[-1]
    assert (last["SourceIdentifier"], last["SourceType"], last["EventCategories"]) == (
        "prod-db",
        "db-cluster",
        ["maintenance"],
    )
    assert last["Date"] >= found[0]["Date"] and last["SourceArn"].endswith(":cluster:prod-db")


def test_without_apply_immediately_the_upgrade_waits_for_the_maintenance_window(rds: Any) -> None:
    create_cluster(rds, readers=0)
    upgrade(rds, with_groups=False, ApplyImmediately=False)
    seen = [cluster(rds) for _ in range(POLLS + 3)]
    assert {(c["Status"], c["EngineVersion"]) for c in seen} == {("available", "13.20")}
    assert seen[-1]["PendingModifiedValues"] == {"EngineVersion": "14.18"}


def test_an_upgrading_cluster_refuses_changes_and_reboots(rds: Any) -> None:
    create_cluster(rds, readers=0)
    upgrade(rds, with_groups=False)
    cluster(rds)
    cluster(rds)
    code, message = error_of(lambda: rds.modify_db_cluster(DBClusterIdentifier="prod-db", DeletionProtection=True))
    assert code == "InvalidDBClusterStateFault" and "upgrading" in message
    assert error_of(lambda: rds.reboot_db_instance(DBInstanceIdentifier="prod-db-1"))[0] == "InvalidDBInstanceState"


def test_minor_upgrades_are_still_applied_at_once(rds: Any) -> None:
    create_cluster(rds, readers=0)
    rds.modify_db_cluster(DBClusterIdentifier="prod-db", EngineVersion="13.21", ApplyImmediately=True)
    assert cluster(rds)["EngineVersion"] == "13.21"


# --- in-place faults -------------------------------------------------------------------------------------


def test_failed_prechecks_leave_the_cluster_unchanged(start: Start) -> None:
    sim = start([{"kind": "in_place_prechecks_failed"}])
    rds = boto3.client("rds", region_name="us-east-1")
    create_cluster(rds)
    create_groups(rds)
    upgrade(rds)
    seen = [cluster(rds) for _ in range(POLLS + 2)]
    assert [c["Status"] for c in seen] == ["available"] + ["upgrading"] * POLLS + ["available"]
    final = seen[-1]
    assert (final["EngineVersion"], final["DBClusterParameterGroup"]) == ("13.20", "default.aurora-postgresql13")
    assert not final.get("PendingModifiedValues")
    assert {(i["DBInstanceStatus"], i["DBParameterGroups"][0]["DBParameterGroupName"]) for i in instances(rds)} == {
        ("available", "default.aurora-postgresql13")
    }
    assert events(rds)[-1] == (
        f"Database cluster is in a state that cannot be upgraded: PreUpgrade checks failed: {DEFAULT_PRECHECK_FAILURE}"
    )
    assert "reg*" in DEFAULT_PRECHECK_FAILURE
    assert [(f.kind, f.operation, f.resource) for f in sim.fault_log] == [
        ("in_place_prechecks_failed", "DescribeDBClusters", "prod-db")
    ]


def test_precheck_faults_fire_once_so_the_next_upgrade_succeeds(start: Start) -> None:
    sim = start([{"kind": "in_place_prechecks_failed", "message": "column public.jobs.fn has type regproc"}])
    rds = boto3.client("rds", region_name="us-east-1")
    create_cluster(rds, readers=0)
    upgrade(rds, with_groups=False)
    polls_until(rds, lambda c: "PendingModifiedValues" not in c)
    assert events(rds)[-1].endswith("PreUpgrade checks failed: column public.jobs.fn has type regproc")
    upgrade(rds, with_groups=False)
    assert polls_until(rds, lambda c: c["EngineVersion"] == "14.18")[-1]["Status"] == "available"
    assert len(sim.fault_log) == 1


def test_a_failed_upgrade_leaves_everything_failed_on_the_old_version(start: Start) -> None:
    sim = start([{"kind": "in_place_upgrade_failed"}])
    rds = boto3.client("rds", region_name="us-east-1")
    create_cluster(rds)
    create_groups(rds)
    upgrade(rds)
    seen = [cluster(rds) for _ in range(POLLS + 4)]
    assert [c["Status"] for c in seen] == ["available"] + ["upgrading"] * POLLS + ["failed"] * 3
    assert (seen[-1]["EngineVersion"], seen[-1]["DBClusterParameterGroup"]) == ("13.20", "default.aurora-postgresql13")
    assert {(i["DBInstanceStatus"], i["EngineVersion"]) for i in instances(rds)} == {("failed", "13.20")}
    assert events(rds) == [
        "Upgrade in progress: Performing online pre-upgrade checks.",
        "Database cluster engine major version upgrade failed",
    ]
    assert [f.kind for f in sim.fault_log] == ["in_place_upgrade_failed"]


def test_in_place_fault_plans_are_validated() -> None:
    plan = FaultPlan.from_json('[{"kind": "in_place_prechecks_failed"}, {"kind": "in_place_upgrade_failed"}]')
    assert [f.kind for f in plan.faults] == ["in_place_prechecks_failed", "in_place_upgrade_failed"]
    with pytest.raises(ValidationError):
        FaultPlan.from_json([{"kind": "in_place_upgrade_failed", "message": "not a field of this fault"}])


# --- renames ---------------------------------------------------------------------------------------------


def test_a_cluster_rename_keeps_id_and_members_and_is_renaming_for_polls(rds: Any) -> None:
    create_cluster(rds)
    resource_id = cluster(rds)["DbClusterResourceId"]
    answered = rds.modify_db_cluster(
        DBClusterIdentifier="prod-db", NewDBClusterIdentifier="prod-db-aside", ApplyImmediately=True
    )
    assert answered["DBCluster"]["Status"] == "renaming"
    assert error_of(lambda: cluster(rds))[0] == "DBClusterNotFoundFault"
    seen = [cluster(rds, "prod-db-aside") for _ in range(POLLS + 1)]
    assert [c["Status"] for c in seen] == ["renaming"] * POLLS + ["available"]
    assert seen[-1]["DbClusterResourceId"] == resource_id
    assert {m["DBInstanceIdentifier"] for m in seen[-1]["DBClusterMembers"]} == {"prod-db-1", "prod-db-2"}
    assert events(rds, "prod-db-aside") == ["Renamed cluster from prod-db to prod-db-aside"]


def test_renamed_clusters_are_stored_in_lower_case_like_rds(rds: Any) -> None:
    create_cluster(rds, readers=0)
    rds.modify_db_cluster(DBClusterIdentifier="prod-db", NewDBClusterIdentifier="Prod-DB-Aside", ApplyImmediately=True)
    assert cluster(rds, "prod-db-aside")["DBClusterIdentifier"] == "prod-db-aside"
    code, _ = error_of(lambda: create_cluster(rds, "prod-db-aside", readers=0))
    assert code == "DBClusterAlreadyExistsFault"


def test_an_instance_rename_frees_the_old_name_at_once(rds: Any) -> None:
    create_cluster(rds)
    rds.modify_db_instance(
        DBInstanceIdentifier="prod-db-1", NewDBInstanceIdentifier="prod-db-1-aside", ApplyImmediately=True
    )
    assert error_of(lambda: instance(rds, "prod-db-1"))[0] == "DBInstanceNotFound"
    seen = [instance(rds, "prod-db-1-aside")["DBInstanceStatus"] for _ in range(POLLS + 1)]
    assert seen == ["renaming"] * POLLS + ["available"]
    members = {m["DBInstanceIdentifier"]: m["IsClusterWriter"] for m in cluster(rds)["DBClusterMembers"]}
    assert members == {"prod-db-1-aside": True, "prod-db-2": False}
    add_instance(rds, "prod-db-1", cluster_id="prod-db")
    assert instance(rds, "prod-db-1")["DBClusterIdentifier"] == "prod-db"


def test_a_renaming_instance_refuses_further_changes(rds: Any) -> None:
    create_cluster(rds, readers=0)
    rds.modify_db_instance(DBInstanceIdentifier="prod-db-1", NewDBInstanceIdentifier="aside", ApplyImmediately=True)
    code, _ = error_of(lambda: rds.modify_db_instance(DBInstanceIdentifier="aside", NewDBInstanceIdentifier="again"))
    assert code == "InvalidDBInstanceState"


def test_renames_onto_names_in_use_are_refused(rds: Any) -> None:
    create_cluster(rds)
    create_cluster(rds, "other", readers=0)
    code, _ = error_of(lambda: rds.modify_db_cluster(DBClusterIdentifier="prod-db", NewDBClusterIdentifier="other"))
    assert code == "DBClusterAlreadyExistsFault"
    code, _ = error_of(
        lambda: rds.modify_db_instance(DBInstanceIdentifier="prod-db-1", NewDBInstanceIdentifier="other-1")
    )
    assert code == "DBInstanceAlreadyExists"
    assert instance(rds, "other-1")["DBClusterIdentifier"] == "other"


def test_a_failed_cluster_can_be_renamed_aside_and_stays_failed(start: Start) -> None:
    start([{"kind": "in_place_upgrade_failed"}])
    rds = boto3.client("rds", region_name="us-east-1")
    create_cluster(rds, readers=0)
    upgrade(rds, with_groups=False)
    polls_until(rds, lambda c: c["Status"] == "failed")
    rds.modify_db_cluster(DBClusterIdentifier="prod-db", NewDBClusterIdentifier="prod-db-aside", ApplyImmediately=True)
    seen = [cluster(rds, "prod-db-aside")["Status"] for _ in range(POLLS + 1)]
    assert seen == ["renaming"] * POLLS + ["failed"]
    rds.modify_db_instance(DBInstanceIdentifier="prod-db-1", NewDBInstanceIdentifier="prod-db-1-aside")
    assert [instance(rds, "prod-db-1-aside")["DBInstanceStatus"] for _ in range(POLLS + 1)][-1] == "failed"


def test_other_changes_leave_a_failed_cluster_failed(start: Start) -> None:
    start([{"kind": "in_place_upgrade_failed"}])
    rds = boto3.client("rds", region_name="us-east-1")
    create_cluster(rds, readers=0, DeletionProtection=True)
    upgrade(rds, with_groups=False)
    polls_until(rds, lambda c: c["Status"] == "failed")
    answered = rds.modify_db_cluster(DBClusterIdentifier="prod-db", DeletionProtection=False, ApplyImmediately=True)
    assert answered["DBCluster"]["DeletionProtection"] is False
    assert cluster(rds)["Status"] == "failed"


def test_the_original_name_can_be_restored_right_after_moving_aside(rds: Any) -> None:
    create_cluster(rds)
    snapshot(rds)
    rds.modify_db_cluster(DBClusterIdentifier="prod-db", NewDBClusterIdentifier="prod-db-aside", ApplyImmediately=True)
    for name in ("prod-db-1", "prod-db-2"):
        rds.modify_db_instance(DBInstanceIdentifier=name, NewDBInstanceIdentifier=f"{name}-aside")
    restore(rds, "prod-db", ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4})
    for _ in range(POLLS + 1):
        cluster(rds)
    add_instance(rds, "prod-db-1", cluster_id="prod-db")
    assert [m["DBInstanceIdentifier"] for m in cluster(rds)["DBClusterMembers"]] == ["prod-db-1"]
    aside = {m["DBInstanceIdentifier"] for m in cluster(rds, "prod-db-aside")["DBClusterMembers"]}
    assert aside == {"prod-db-1-aside", "prod-db-2-aside"}


# --- restore from snapshot -------------------------------------------------------------------------------


def test_a_restored_cluster_is_creating_for_polls_and_has_no_instances(rds: Any) -> None:
    create_cluster(rds)
    snapshot(rds)
    answered = restore(rds, EngineVersion="13.20")
    assert answered["Status"] == "creating"
    seen = [cluster(rds, "restored") for _ in range(POLLS + 1)]
    assert [c["Status"] for c in seen] == ["creating"] * POLLS + ["available"]
    assert seen[-1]["DBClusterMembers"] == [] and instances(rds, "restored") == []


def test_a_restored_cluster_reports_what_was_passed(rds: Any) -> None:
    create_cluster(rds, DeletionProtection=True)
    snapshot(rds)
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="old-family", DBParameterGroupFamily="aurora-postgresql13", Description="t"
    )
    restore(
        rds,
        EngineVersion="13.20",
        DBClusterParameterGroupName="old-family",
        ServerlessV2ScalingConfiguration={"MinCapacity": 1, "MaxCapacity": 16},
        DeletionProtection=False,
        EnableIAMDatabaseAuthentication=True,
        BackupRetentionPeriod=7,
        Port=5433,
        VpcSecurityGroupIds=["sg-12345678"],
        DBSubnetGroupName="private",
        Tags=[{"Key": "team", "Value": "platform"}],
        EngineLifecycleSupport="open-source-rds-extended-support-disabled",
        StorageType="aurora-iopt1",
        KmsKeyId="arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555",
    )
    got = cluster(rds, "restored")
    assert {k: got[k] for k in ("EngineVersion", "DBClusterParameterGroup", "ServerlessV2ScalingConfiguration")} == {
        "EngineVersion": "13.20",
        "DBClusterParameterGroup": "old-family",
        "ServerlessV2ScalingConfiguration": {"MinCapacity": 1.0, "MaxCapacity": 16.0},
    }
    assert (got["DeletionProtection"], got["IAMDatabaseAuthenticationEnabled"]) == (False, True)
    assert (got["BackupRetentionPeriod"], got["Port"], got["DBSubnetGroup"]) == (7, 5433, "private")
    assert [g["VpcSecurityGroupId"] for g in got["VpcSecurityGroups"]] == ["sg-12345678"]
    assert got["TagList"] == [{"Key": "team", "Value": "platform"}]
    assert (got["EngineLifecycleSupport"], got["StorageType"]) == (
        "open-source-rds-extended-support-disabled",
        "aurora-iopt1",
    )
    assert got["KmsKeyId"].endswith("key/11111111-2222-3333-4444-555555555555")


def test_a_restore_takes_defaults_from_aws_not_from_the_snapshot(rds: Any) -> None:
    create_cluster(rds, DeletionProtection=True, EnableIAMDatabaseAuthentication=True)
    snapshot(rds)
    got = restore(rds)
    assert "ServerlessV2ScalingConfiguration" not in got  # must be passed again
    assert (got["DeletionProtection"], got["IAMDatabaseAuthenticationEnabled"]) == (False, False)
    assert (got["EngineVersion"], got["DBClusterParameterGroup"]) == ("13.20", "default.aurora-postgresql13")
    assert (got["StorageType"], got["EngineLifecycleSupport"]) == ("aurora", "open-source-rds-extended-support")


@pytest.mark.parametrize(
    ("overrides", "code", "text"),
    [
        ({"DBClusterIdentifier": "prod-db"}, "DBClusterAlreadyExistsFault", "already exists"),
        ({"DBClusterParameterGroupName": "new-family"}, "InvalidParameterCombination", "aurora-postgresql14"),
        ({"EngineVersion": "12.22"}, "InvalidParameterCombination", "earlier engine version 12.22"),
        ({"EngineVersion": "13.12"}, "InvalidParameterCombination", "earlier engine version 13.12"),
        ({"EngineVersion": "14.15"}, "InvalidParameterCombination", "Cannot find upgrade target"),
    ],
)
def test_restores_are_validated(rds: Any, overrides: dict[str, str], code: str, text: str) -> None:
    create_cluster(rds, readers=0)
    snapshot(rds)
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="new-family", DBParameterGroupFamily="aurora-postgresql14", Description="t"
    )
    found_code, message = error_of(lambda: restore(rds, **({"EngineVersion": "13.20"} | overrides)))
    assert found_code == code and text in message


def test_a_snapshot_can_be_restored_to_a_valid_newer_version(rds: Any) -> None:
    create_cluster(rds, readers=0)
    snapshot(rds)
    assert restore(rds, EngineVersion="14.18")["DBClusterParameterGroup"] == "default.aurora-postgresql14"


def test_a_snapshot_of_a_managed_password_cluster_restores(rds: Any) -> None:
    rds.create_db_cluster(
        DBClusterIdentifier="prod-db",
        Engine=ENGINE,
        EngineVersion="13.20",
        MasterUsername="postgres",
        ManageMasterUserPassword=True,
    )
    snapshot(rds)
    assert "MasterUserSecret" not in restore(rds)
    assert "MasterUserSecret" in cluster(rds)


def test_cluster_identifiers_are_unique(rds: Any) -> None:
    create_cluster(rds, readers=0)
    code, _ = error_of(lambda: create_cluster(rds, readers=0))
    assert code == "DBClusterAlreadyExistsFault"


# --- instances of a restored cluster ---------------------------------------------------------------------


def test_instances_wait_until_the_restored_cluster_is_available(rds: Any) -> None:
    create_cluster(rds)
    snapshot(rds)
    restore(rds, ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4})
    code, message = error_of(lambda: add_instance(rds, "restored-1"))
    assert code == "InvalidDBClusterStateFault" and "creating" in message


def test_serverless_instances_need_a_scaling_configuration(rds: Any) -> None:
    create_cluster(rds)
    snapshot(rds)
    restore(rds)
    for _ in range(POLLS + 1):
        cluster(rds, "restored")
    code, message = error_of(lambda: add_instance(rds, "restored-1"))
    assert code == "InvalidDBClusterStateFault"
    assert message == (
        "Set the Serverless v2 scaling configuration on the parent DB cluster "
        "before creating a Serverless v2 DB instance."
    )
    assert add_instance(rds, "restored-1", DBInstanceClass="db.r6g.large")["DBInstanceStatus"] == "creating"


def test_new_instances_are_creating_for_polls_and_the_first_is_the_writer(rds: Any) -> None:
    available_restore(rds)
    rds.create_db_parameter_group(
        DBParameterGroupName="inst13", DBParameterGroupFamily="aurora-postgresql13", Description="t"
    )
    assert add_instance(rds, "writer", PromotionTier=0, DBParameterGroupName="inst13")["DBInstanceStatus"] == "creating"
    add_instance(rds, "reader", PromotionTier=2)
    assert [instance(rds, "writer")["DBInstanceStatus"] for _ in range(POLLS + 1)] == ["creating"] * POLLS + [
        "available"
    ]
    members = {
        m["DBInstanceIdentifier"]: (m["IsClusterWriter"], m["PromotionTier"])
        for m in cluster(rds, "restored")["DBClusterMembers"]
    }
    assert members == {"writer": (True, 0), "reader": (False, 2)}
    assert instance(rds, "writer")["DBParameterGroups"][0]["DBParameterGroupName"] == "inst13"
    assert instance(rds, "writer")["EngineVersion"] == "13.20"


def test_an_instance_group_must_match_the_cluster_family(rds: Any) -> None:
    available_restore(rds)
    rds.create_db_parameter_group(
        DBParameterGroupName="inst14", DBParameterGroupFamily="aurora-postgresql14", Description="t"
    )
    code, message = error_of(lambda: add_instance(rds, "writer", DBParameterGroupName="inst14"))
    assert code == "InvalidParameterCombination" and "aurora-postgresql13" in message


def test_instances_of_a_seeded_cluster_are_available_at_once(rds: Any) -> None:
    create_cluster(rds)
    assert {i["DBInstanceStatus"] for i in instances(rds)} == {"available"}


def test_a_cluster_moto_made_itself_takes_instances(rds: Any) -> None:
    """moto creates green clusters internally, "creating" until first read; that is not a real state."""
    backend = rds_models.rds_backends["123456789012"]["us-east-1"]
    backend.create_db_cluster(
        {
            "db_cluster_identifier": "internal",
            "engine": ENGINE,
            "engine_version": "13.20",
            "master_username": "u",
            "master_user_password": PASSWORD,
        }
    )
    assert add_instance(rds, "internal-1", cluster_id="internal", DBInstanceClass="db.r6g.large")["DBInstanceStatus"]


# --- deletion ----------------------------------------------------------------------------------------------


def test_a_cluster_with_instances_cannot_be_deleted(rds: Any) -> None:
    create_cluster(rds)
    code, message = error_of(
        lambda: rds.delete_db_cluster(DBClusterIdentifier="prod-db", FinalDBSnapshotIdentifier="final")
    )
    assert (code, message) == (
        "InvalidDBClusterStateFault",
        "Cluster cannot be deleted, it still contains DB instances in non-deleting state.",
    )


def test_deleting_instances_then_the_cluster_leaves_a_final_snapshot(rds: Any) -> None:
    create_cluster(rds)
    for name in ("prod-db-1", "prod-db-2"):
        rds.delete_db_instance(DBInstanceIdentifier=name)
    rds.delete_db_cluster(DBClusterIdentifier="prod-db", FinalDBSnapshotIdentifier="final")
    assert rds.describe_db_clusters()["DBClusters"] == []
    manual = rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    assert [(s["DBClusterSnapshotIdentifier"], s["DBClusterIdentifier"]) for s in manual] == [("final", "prod-db")]


# --- moto internals this part relies on -------------------------------------------------------------------------


def test_canary_model_attributes_for_upgrade_and_restore(rds: Any) -> None:
    create_cluster(rds, readers=0)
    snapshot(rds)
    backend = rds_models.rds_backends["123456789012"]["us-east-1"]
    model, member = backend.clusters["prod-db"], backend.databases["prod-db-1"]
    for obj, names in (
        (backend, ("events", "clusters", "databases", "cluster_snapshots")),
        (model, ("backend", "engine_version", "parameter_group", "iam_auth", "deletion_protection", "storage_type")),
        (model, ("copy_tags_to_snapshot", "serverless_v2_scaling_configuration", "manage_master_user_password")),
        (member, ("status", "db_parameter_group_name", "is_cluster_writer")),
        (backend.cluster_snapshots["pre-upgrade"], ("cluster", "engine_version", "status")),
    ):
        for name in names:
            assert hasattr(obj, name), f"{type(obj).__name__}.{name}"
    assert isinstance(rds_models.DBCluster.__dict__["status"], property)
    assert rds_models.DBCluster.__dict__["master_user_password"].fset is not None
