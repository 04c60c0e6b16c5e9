"""Preflight refuses bad requests with a named error before anything changes."""

import json

import boto3
import pytest
from preflight.handler import handler as preflight

from tests.functional.world import REPORT_BUCKET, call, initial_state, make_cluster, world_snapshot
from upgrade.shared.errors import (
    ClusterNotFound,
    InvalidUpgradeInput,
    UnsupportedCluster,
    UpgradeTargetInvalid,
)


def test_valid_request_yields_a_plan(rds_client):
    make_cluster(rds_client)
    plan = call(preflight, initial_state())
    assert plan["source_version"] == "13.20" and plan["target_version"] == "14.18"
    assert plan["cluster"]["family"] == "aurora-postgresql13"
    assert plan["target_family"] == "aurora-postgresql14"
    assert plan["cluster"]["serverless_v2"] is True and plan["cluster"]["min_capacity"] == 0.5
    assert [m["is_writer"] for m in plan["cluster"]["members"]] == [True, False]
    assert plan["names"]["snapshot_id"] == "prod-db-pre-upgrade-13-20-to-14-18-test-run"
    assert plan["already_at_target"] is False


def test_cluster_already_on_target_is_a_no_op_plan(rds_client):
    make_cluster(rds_client, engine_version="14.18")
    assert call(preflight, initial_state())["already_at_target"] is True


@pytest.mark.parametrize(
    ("cluster", "request_changes", "error", "text"),
    [
        ({}, {"cluster_id": "nope-db"}, ClusterNotFound, "nope-db"),
        (
            {"engine": "aurora-mysql", "engine_version": "8.0.mysql_aurora.3.05.2", "serverless_v2": None},
            {},
            UnsupportedCluster,
            "aurora-mysql",
        ),
        ({"engine_version": "14.18"}, {"target_engine_version": "13.20"}, UpgradeTargetInvalid, "downgrade"),
        ({"engine_version": "13.12"}, {"target_engine_version": "13.20"}, UpgradeTargetInvalid, "same major"),
        ({}, {"target_engine_version": "14.99"}, UpgradeTargetInvalid, "not a valid major upgrade target"),
        ({}, {"target_engine_version": "14.x"}, InvalidUpgradeInput, "target_engine_version"),
        ({}, {"strategy": "yolo"}, InvalidUpgradeInput, "strategy"),
    ],
)
def test_bad_requests_fail_before_any_change(rds_client, cluster, request_changes, error, text):
    make_cluster(rds_client, **cluster)
    before = world_snapshot(rds_client)
    with pytest.raises(error, match=text):
        call(preflight, initial_state(**request_changes))
    assert world_snapshot(rds_client) == before


def test_blockers_are_reported_together_and_block_the_plan(rds_client):
    make_cluster(
        rds_client,
        manage_master_user_password=True,
        instances=[
            {"id": "prod-db-writer", "writer": True, "instance_class": "db.r4.large"},
        ],
        serverless_v2=None,
    )
    before = world_snapshot(rds_client)
    plan = call(preflight, initial_state())
    assert plan["blocked"] is True
    failed = {c["id"]: c for c in plan["report"]["checks"] if c["status"] == "fail"}
    assert set(failed) == {"CP-managed-master-password", "CP-instance-classes"}
    assert failed["CP-instance-classes"]["evidence"][0]["object_name"] == "db.r4.large"
    assert world_snapshot(rds_client) == before


def test_in_place_accepts_a_managed_master_password(rds_client):
    make_cluster(rds_client, manage_master_user_password=True)
    plan = call(preflight, initial_state(strategy="in_place"))
    assert plan["blocked"] is False
    assert {c["id"]: c["status"] for c in plan["report"]["checks"]}["DB-in-database-checks"] == "skipped"


def test_an_unreadable_secret_is_a_connectivity_finding_not_a_crash(rds_client):
    make_cluster(rds_client)
    missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:nobody-made-this"
    plan = call(preflight, initial_state(database={"secret_arn": missing, "ssl": False}))
    connectivity = next(c for c in plan["report"]["checks"] if c["id"] == "DB-connectivity")
    assert connectivity["status"] == "fail" and "nobody-made-this" in connectivity["evidence"][0]["detail"]
    assert plan["blocked"] is True


def _snapshot(rds_client, cluster_id: str, snapshot_id: str) -> None:
    rds_client.create_db_cluster_snapshot(DBClusterSnapshotIdentifier=snapshot_id, DBClusterIdentifier=cluster_id)
    rds_client.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=snapshot_id)  # settles after one describe


def _restore_request(**fields):
    return {"input": {"action": "restore", "cluster_id": "prod-db", **fields}, "execution": {"name": "test-run"}}


def test_another_clusters_snapshot_is_restored_when_the_input_names_its_source(rds_client):
    make_cluster(rds_client)
    make_cluster(rds_client, id="ledger-db", instances=[])
    _snapshot(rds_client, "ledger-db", "ledger-snap")
    plan = call(preflight, _restore_request(snapshot_id="ledger-snap", snapshot_source_cluster_id="ledger-db"))
    assert plan["restore_snapshot_id"] == "ledger-snap" and plan["restore_snapshot_source"] == "ledger-db"
    assert plan["cluster"]["cluster_id"] == "prod-db"


def test_a_restore_finds_the_cluster_a_rollback_moved_aside_and_its_original_instance_names(rds_client):
    """An interrupted rollback: the cluster and one instance renamed aside (tagged first), one instance not."""
    make_cluster(rds_client)
    _snapshot(rds_client, "prod-db", "prod-db-pre")
    cluster = rds_client.describe_db_clusters(DBClusterIdentifier="prod-db")["DBClusters"][0]
    tag = [{"Key": "aurora-upgrade:moved-aside-from", "Value": "prod-db"}]
    rds_client.add_tags_to_resource(ResourceName=cluster["DBClusterArn"], Tags=tag)
    rds_client.modify_db_cluster(DBClusterIdentifier="prod-db", NewDBClusterIdentifier="prod-db-aside-1")
    writer = rds_client.describe_db_instances(DBInstanceIdentifier="prod-db-writer")["DBInstances"][0]
    tag = [{"Key": "aurora-upgrade:original-id", "Value": "prod-db-writer"}]
    rds_client.add_tags_to_resource(ResourceName=writer["DBInstanceArn"], Tags=tag)
    rds_client.modify_db_instance(DBInstanceIdentifier="prod-db-writer", NewDBInstanceIdentifier="prod-db-writer-a")
    plan = call(preflight, _restore_request(snapshot_id="prod-db-pre"))
    assert plan["cluster"]["resource_id"] == cluster["DbClusterResourceId"], "the cluster moved aside is replaced"
    assert [i["instance_id"] for i in plan["restore_config"]["instances"]] == ["prod-db-writer", "prod-db-reader"]
    assert {m["instance_id"] for m in plan["cluster"]["members"]} == {"prod-db-writer", "prod-db-reader"}


def test_a_restore_finds_a_cluster_renamed_by_hand_by_the_snapshots_resource_id(rds_client):
    make_cluster(rds_client)
    _snapshot(rds_client, "prod-db", "prod-db-pre")
    resource_id = rds_client.describe_db_clusters(DBClusterIdentifier="prod-db")["DBClusters"][0]["DbClusterResourceId"]
    rds_client.modify_db_cluster(DBClusterIdentifier="prod-db", NewDBClusterIdentifier="prod-db-by-hand")
    plan = call(preflight, _restore_request(snapshot_id="prod-db-pre"))
    assert plan["cluster"]["resource_id"] == resource_id


def test_the_whole_report_is_written_once_per_execution_even_when_retried(rds_client):
    make_cluster(rds_client)
    s3 = boto3.client("s3", region_name="us-east-1")
    first = call(preflight, initial_state())
    again = call(preflight, initial_state())  # Step Functions retried the step, or the task ran twice
    objects = s3.list_objects_v2(Bucket=REPORT_BUCKET)["Contents"]
    assert [o["Key"] for o in objects] == ["reports/prod-db/test-run/preflight.json"]
    assert first["report"]["location"] == again["report"]["location"]
    assert first["report"]["location"] == {
        "bucket": REPORT_BUCKET,
        "key": "reports/prod-db/test-run/preflight.json",
        "region": "us-east-1",
    }
    whole = json.loads(s3.get_object(Bucket=REPORT_BUCKET, Key=objects[0]["Key"])["Body"].read())
    assert sorted(c["id"] for c in whole["checks"]) == sorted(c["id"] for c in first["report"]["checks"])
    assert whole["location"] is None, "the object is the whole report, not a summary"


def test_without_the_report_bucket_setting_preflight_names_what_is_missing(rds_client, monkeypatch):
    make_cluster(rds_client)
    monkeypatch.delenv("REPORT_BUCKET")
    with pytest.raises(RuntimeError, match="REPORT_BUCKET"):
        call(preflight, initial_state())
