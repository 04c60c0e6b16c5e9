"""The post-upgrade and consistency handlers against simulated RDS (and real PostgreSQL where the database matters)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from blue_green import handler as blue_green
from consistency.handler import handler as consistency
from post_upgrade.handler import handler as post_upgrade
from preflight.handler import handler as preflight
from source_parameters import handler as source_parameters
from target_parameters import handler as target_parameters

from tests.functional.world import REPORT_BUCKET, call, initial_state, make_cluster, until
from upgrade.database.access import cluster_sql
from upgrade.post_upgrade.run import verify_engine
from upgrade.shared.errors import ConsistencyMismatch, DatabaseAccessFailed, PostUpgradeVerificationFailed
from upgrade.shared.models import DatabaseAccess

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod-db-admin-AbCdEf"


def green_ready(rds_client: Any, **input_overrides: Any) -> dict[str, Any]:
    """The workflow's state once green is available: the moment both steps run in a blue/green upgrade."""
    make_cluster(rds_client)
    state = initial_state(**input_overrides)
    state["plan"] = call(preflight, {**state, "input": {**state["input"], "database": None}})
    state["source_parameter_group"] = call(source_parameters.prepare, state)
    state = until(source_parameters.check_sync, state, "source_parameter_group", "in_sync")
    state["target_parameter_groups"] = call(target_parameters.handler, state)
    state["blue_green"] = call(blue_green.create, state)
    return until(blue_green.check, state, "blue_green", "ready")


def secret(values: dict[str, Any]) -> str:
    created = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="prod-db-admin", SecretString=json.dumps(values)
    )
    return str(created["ARN"])


def test_post_upgrade_on_green_checks_every_green_instance(rds_client) -> None:
    state = green_ready(rds_client)
    result = call(post_upgrade, state)

    green = state["blue_green"]["green_cluster_arn"].split(":cluster:")[1]
    assert result["role"] == "green" and result["cluster_id"] == green != "prod-db"
    assert len(result["instance_versions"]) == 2 and set(result["instance_versions"].values()) == {"14.18"}
    assert result["sql_skipped"] == "the execution input gives no database access (input.database)"
    endpoint = rds_client.describe_db_clusters(DBClusterIdentifier=green)["DBClusters"][0]["Endpoint"]
    assert result["endpoint"] == endpoint
    assert f"vacuumdb -h {endpoint} -p 5432 -U '<user>' --all --analyze-in-stages" in [
        item["command"] for item in result["leftover"]
    ]


def test_post_upgrade_keeps_its_whole_result_under_the_upgraded_cluster_and_execution(rds_client) -> None:
    state = green_ready(rds_client)
    result = call(post_upgrade, state)
    call(post_upgrade, state)  # retried: the same object again
    key = "reports/prod-db/test-run/post-upgrade.json"
    assert result["location"] == {"bucket": REPORT_BUCKET, "key": key, "region": "us-east-1"}
    s3 = boto3.client("s3", region_name="us-east-1")
    assert [
        o["Key"] for o in s3.list_objects_v2(Bucket=REPORT_BUCKET, Prefix="reports/prod-db/test-run/post")["Contents"]
    ] == [key]
    whole = json.loads(s3.get_object(Bucket=REPORT_BUCKET, Key=key)["Body"].read())
    assert whole["leftover"] == result["leftover"] and whole["cluster_id"] == result["cluster_id"]


def test_post_upgrade_fails_when_an_instance_is_not_on_the_target(rds_client) -> None:
    make_cluster(rds_client)
    state = initial_state(strategy="in_place")
    state["plan"] = call(preflight, state)  # the cluster stays at 13.20: the upgrade "did not happen"
    with pytest.raises(PostUpgradeVerificationFailed) as raised:
        call(post_upgrade, state)
    message = str(raised.value)
    assert "prod-db should run 14.18" in message
    assert "instance prod-db-writer runs 13.20" in message and "instance prod-db-reader runs 13.20" in message


def test_verification_names_the_one_instance_left_behind() -> None:
    cluster = {"DBClusterIdentifier": "prod-db-green-x", "EngineVersion": "14.18"}
    instances = [
        {"DBInstanceIdentifier": "w", "EngineVersion": "14.18"},
        {"DBInstanceIdentifier": "r", "EngineVersion": "13.20"},
    ]
    with pytest.raises(PostUpgradeVerificationFailed, match=r"instance r runs 13\.20$"):
        verify_engine(cluster, instances, "14.18")
    with pytest.raises(PostUpgradeVerificationFailed, match="no instances"):
        verify_engine(cluster, [], "14.18")
    assert verify_engine(cluster, instances[:1], "14.18") == {"w": "14.18"}


def test_post_upgrade_in_place_does_the_work_in_a_real_database(rds_client, pg_server, scratch_database) -> None:
    scratch_database("pu_shop", ["CREATE EXTENSION hstore VERSION '1.4'", "CREATE TABLE t (id int)"])
    major_minor = f"{pg_server.bin_dir.parent.name}.13"  # the simulated cluster runs the real server's major
    make_cluster(rds_client, engine_version=major_minor)
    arn = secret({"username": pg_server.user, "host": pg_server.host, "port": pg_server.port})
    state = initial_state(strategy="in_place", target_engine_version=major_minor)
    state["plan"] = call(preflight, state)
    state["input"]["database"] = {"secret_arn": arn, "ssl": False}

    result = call(post_upgrade, state)

    assert result["role"] == "cluster" and result["sql_skipped"] is None and result["unreachable"] == []
    assert {(c["database"], c["name"], c["to_version"]) for c in result["extensions_updated"]} == {
        ("pu_shop", "hstore", "1.8")
    }
    assert {a["database"] for a in result["analyze"]} >= {"postgres", "pu_shop"}
    assert result["leftover"] == [] and result["server_version"].startswith(pg_server.bin_dir.parent.name)


def test_consistency_is_skipped_where_it_cannot_or_should_not_run(rds_client) -> None:
    state = green_ready(rds_client)
    assert call(consistency, state)["skipped"] == "the execution input gives no database access (input.database)"

    state["input"]["database"] = {"secret_arn": SECRET_ARN}
    state["input"]["consistency_check"] = {"enabled": False}
    assert "consistency_check.enabled = false" in call(consistency, state)["skipped"]

    state["input"].update(strategy="in_place", consistency_check={"enabled": True})
    state["plan"]["strategy"] = "in_place"
    assert call(consistency, state)["skipped"] == "an in-place upgrade has no green cluster to compare"


def test_consistency_that_cannot_read_the_secret_holds_the_switchover(rds_client) -> None:
    state = green_ready(rds_client)
    state["input"]["database"] = {"secret_arn": SECRET_ARN}  # never created
    with pytest.raises(ConsistencyMismatch, match="cannot compare blue and green: cannot use secret"):
        call(consistency, state)


class FakeSecrets:
    def json(self, secret_id: str) -> dict[str, Any]:
        return {
            "username": "app_admin",
            "password": "pw",
            "host": "prod-db.cluster-abc.rds.amazonaws.com",
            "port": 6432,
        }


GREEN = {
    "DBClusterIdentifier": "prod-db-green-x",
    "DBClusterArn": "arn:aws:rds:us-east-1:123456789012:cluster:prod-db-green-x",
    "Endpoint": "prod-db-green-x.cluster-abc.rds.amazonaws.com",
    "Port": 5432,
}


def test_green_is_reached_on_its_own_endpoint_never_the_secrets_host() -> None:
    access = DatabaseAccess(secret_arn=SECRET_ARN, host="blue-proxy.internal", port=6543)
    green = cluster_sql(access, GREEN, FakeSecrets(), None, own_endpoint=True)
    assert (green.host, green.port, green.user, green.via) == (GREEN["Endpoint"], 5432, "app_admin", "direct")
    blue = cluster_sql(access, {**GREEN, "Endpoint": "x"}, FakeSecrets(), None, own_endpoint=False)
    assert (blue.host, blue.port) == ("blue-proxy.internal", 6543)  # as preflight: the input's host first
    by_secret = cluster_sql(DatabaseAccess(secret_arn=SECRET_ARN), GREEN, FakeSecrets(), None, own_endpoint=False)
    assert (by_secret.host, by_secret.port) == ("prod-db.cluster-abc.rds.amazonaws.com", 6432)


def test_the_data_api_must_be_enabled_on_the_cluster_it_targets() -> None:
    access = DatabaseAccess(secret_arn=SECRET_ARN, connect_via="data_api")
    with pytest.raises(DatabaseAccessFailed, match="Data API is not enabled on prod-db-green-x"):
        cluster_sql(access, GREEN, FakeSecrets(), None, own_endpoint=True)
    enabled = cluster_sql(access, {**GREEN, "HttpEndpointEnabled": True}, FakeSecrets(), None, own_endpoint=True)
    assert enabled.via == "data_api" and not enabled.sessions
