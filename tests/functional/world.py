"""Helpers for handler tests: build clusters, states, and compare the simulated world."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from simulator.scenario.model import ClusterSpec, create_cluster

SEED_CLUSTER = {
    "id": "prod-db",
    "engine_version": "13.20",
    "serverless_v2": {"min_capacity": 0.5, "max_capacity": 8},
    "instances": [{"id": "prod-db-writer", "writer": True}, {"id": "prod-db-reader"}],
}


REPORT_BUCKET = "aurora-upgrade-reports-test"


def create_report_bucket(monkeypatch: pytest.MonkeyPatch, region: str = "us-east-1") -> str:
    """The stack's report bucket, which the preflight function writes whole reports to (inside mock_aws)."""
    where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    boto3.client("s3", region_name=region).create_bucket(Bucket=REPORT_BUCKET, **where)
    monkeypatch.setenv("REPORT_BUCKET", REPORT_BUCKET)
    return REPORT_BUCKET


class FakeContext:
    function_name = "test"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test"
    aws_request_id = "test-request"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


def make_cluster(rds_client: Any, **overrides: Any) -> None:
    create_cluster(rds_client, ClusterSpec.model_validate({**SEED_CLUSTER, **overrides}))


def initial_state(**input_overrides: Any) -> dict[str, Any]:
    request = {"cluster_id": "prod-db", "target_engine_version": "14.18", "strategy": "blue_green", **input_overrides}
    return {"input": request, "execution": {"name": "test-run"}}


def call(handler: Any, state: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = handler(state, FakeContext())
    return result


def world_snapshot(rds_client: Any) -> dict[str, Any]:
    """What a step may create or change, in a comparable form (statuses that tick are left out)."""
    clusters = {
        c["DBClusterIdentifier"]: (
            c["EngineVersion"],
            c["DBClusterParameterGroup"],
            str(c.get("ServerlessV2ScalingConfiguration")),
        )
        for c in rds_client.describe_db_clusters()["DBClusters"]
    }
    cluster_groups = {
        g["DBClusterParameterGroupName"]: rds_client.describe_db_cluster_parameters(
            DBClusterParameterGroupName=g["DBClusterParameterGroupName"], Source="user"
        )["Parameters"]
        for g in rds_client.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]
    }
    instance_groups = sorted(
        g["DBParameterGroupName"] for g in rds_client.describe_db_parameter_groups()["DBParameterGroups"]
    )
    snapshots = sorted(
        s["DBClusterSnapshotIdentifier"]
        for s in rds_client.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    )
    deployments = sorted(
        d["BlueGreenDeploymentName"] for d in rds_client.describe_blue_green_deployments()["BlueGreenDeployments"]
    )
    return {
        "clusters": clusters,
        "cluster_groups": {
            k: sorted((p["ParameterName"], p.get("ParameterValue")) for p in v) for k, v in cluster_groups.items()
        },
        "instance_groups": instance_groups,
        "snapshots": snapshots,
        "deployments": deployments,
    }


MAX_PASSES = 20


def until(step: Any, state: dict[str, Any], key: str, done: str) -> dict[str, Any]:
    """Drive a wait loop's step until ``state[key][done]``, as the state machine would (bounded)."""
    for _ in range(MAX_PASSES):
        if state[key][done]:
            return state
        state[key] = call(step, state)
    pytest.fail(f"{key} never reached {done}")


def twice(snapshot: Any, handler: Any, state: dict[str, Any]) -> dict[str, Any]:
    """A one-shot step: the second call (a retry with the same input) must change nothing ``snapshot`` sees."""
    first = call(handler, state)
    after_first = snapshot()
    second = call(handler, state)
    assert snapshot() == after_first, f"{handler} changed the world on its second run"
    return second if second else first


def create_token_table(name: str, region: str = "us-east-1") -> Any:
    """The workflow's task-token table as the stack defines it (pk/sk strings, on demand); returns the client."""
    client = boto3.client("dynamodb", region_name=region)
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return client
