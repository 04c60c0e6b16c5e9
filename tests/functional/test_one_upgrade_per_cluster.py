"""A second execution for a cluster that has one running is refused before it changes anything."""

from __future__ import annotations

import json

import boto3
import pytest
from preflight.handler import handler as preflight

from tests.functional.world import call, initial_state, make_cluster, world_snapshot
from upgrade.shared.errors import UpgradeAlreadyRunning


@pytest.fixture
def machine(world):
    """moto's default Step Functions does not run executions: started ones stay RUNNING, as a long upgrade would."""
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    arn = sfn.create_state_machine(
        name="prod-upgrade",
        definition=json.dumps({"StartAt": "x", "States": {"x": {"Type": "Succeed"}}}),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]

    def start(name: str, **request):
        given = {"cluster_id": "prod-db", "target_engine_version": "14.18", "strategy": "blue_green", **request}
        execution = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(given))["executionArn"]
        state = initial_state(**request)
        state["execution"] = {"name": name, "id": execution, "state_machine": arn}
        return state

    return start


def test_the_later_execution_for_the_same_cluster_is_refused(rds_client, machine):
    make_cluster(rds_client)
    first, second = machine("a-first"), machine("b-second")
    before = world_snapshot(rds_client)
    with pytest.raises(UpgradeAlreadyRunning, match=r"'a-first'.*already working on cluster 'prod-db'"):
        call(preflight, second)
    assert world_snapshot(rds_client) == before
    assert call(preflight, first)["blocked"] is False, "the earliest execution keeps the cluster"


def test_other_clusters_and_report_only_runs_are_not_locked_out(rds_client, machine):
    make_cluster(rds_client)
    make_cluster(rds_client, id="orders-db", instances=[{"id": "orders-1", "writer": True}])
    machine("a-first")
    other = machine("b-orders", cluster_id="orders-db")
    assert call(preflight, other)["cluster"]["cluster_id"] == "orders-db"
    report_only = machine("c-report", mode="preflight")
    assert call(preflight, report_only)["mode"] == "preflight"
