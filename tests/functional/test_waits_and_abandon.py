"""Event-woken waits (register a task token, wake it from an RDS event) and backing out of a blue/green."""

from __future__ import annotations

import boto3
import pytest
from blue_green import handler as blue_green
from capacity import handler as capacity
from moto import mock_aws
from preflight.handler import handler as preflight
from snapshot import handler as snapshot
from source_parameters import handler as source_parameters
from target_parameters import handler as target_parameters
from waits import handler as waits_handler

from aws.dynamodb import TokenTable
from aws.stepfunctions import StepFunctions
from tests.functional.world import call, create_token_table, initial_state, make_cluster, twice, until, world_snapshot
from upgrade.waiting import task_tokens as waits

TABLE = "tokens"


@pytest.fixture
def token_table(world, monkeypatch):
    client = create_token_table(TABLE)
    monkeypatch.setenv("TOKEN_TABLE", TABLE)
    return TokenTable(client, TABLE)


def _green_state(rds_client):
    make_cluster(rds_client)
    state = initial_state()
    state["execution"]["id"] = "arn:aws:states:us-east-1:123456789012:execution:AuroraUpgrade:test-run"
    state["plan"] = call(preflight, state)
    state["capacity"] = call(capacity.raise_capacity, state)
    state["source_parameter_group"] = call(source_parameters.prepare, state)
    state = until(source_parameters.check_sync, state, "source_parameter_group", "in_sync")
    state["target_parameter_groups"] = call(target_parameters.handler, state)
    state["snapshot"] = call(snapshot.start, state)
    state = until(snapshot.check, state, "snapshot", "ready")
    state["blue_green"] = call(blue_green.create, state)
    return state


def _event(source_id, arn, event_id="RDS-EVENT-0244"):
    return {
        "detail-type": "RDS Blue Green Deployment Event",
        "source": "aws.rds",
        "resources": [arn],
        "detail": {"SourceIdentifier": source_id, "SourceArn": arn, "EventID": event_id, "Message": "tasks completed"},
    }


def test_register_stores_the_token_under_every_resource_once_even_when_retried(rds_client, token_table):
    state = _green_state(rds_client)
    state["blue_green"]["status"] = "PROVISIONING"
    request = {"token": "token-1", "watch": "green", "state": state}
    first = call(waits_handler.register, request)
    second = call(waits_handler.register, request)
    deployment = state["blue_green"]["deployment_id"]
    green = state["blue_green"]["green_cluster_arn"].rsplit(":", 1)[-1]
    assert first["resources"] == [deployment, "prod-db", green] == second["resources"]
    for resource in first["resources"]:
        items = token_table.items(f"wait#{resource}")
        assert [item["task_token"] for item in items] == ["token-1"], resource
        assert items[0]["expires_at"] > 0


def test_register_wakes_itself_when_the_status_changed_since_the_last_check(rds_client, token_table):
    state = _green_state(rds_client)
    state["blue_green"]["status"] = "SOMETHING-ELSE"  # what the last check saw differs from now
    result = call(waits_handler.register, {"token": "never-issued", "watch": "green", "state": state})
    assert result["woke_at_once"] is True
    assert result["observed"] in {"PROVISIONING", "AVAILABLE"}


def test_wake_uses_each_token_once_and_ignores_other_resources(rds_client, token_table):
    token_table.put("wait#bgd-123", "exec#green", {"task_token": "t", "expires_at": 1})
    unrelated = call(waits_handler.wake, _event("bgd-999", "arn:aws:rds:us-east-1:123456789012:deployment:bgd-999"))
    assert unrelated == {"resources": ["bgd-999"], "woken": 0}
    assert token_table.items("wait#bgd-123"), "an event for another resource must not take the token"

    event = _event("bgd-123", "arn:aws:rds:us-east-1:123456789012:deployment:bgd-123")
    assert call(waits_handler.wake, event)["woken"] == 1
    assert token_table.items("wait#bgd-123") == []
    assert call(waits_handler.wake, event)["woken"] == 0, "a duplicate event finds nothing to wake"


def test_a_spent_token_is_reported_not_raised():
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = StepFunctions(boto3.client("stepfunctions", region_name="us-east-1"))
        assert sfn.send_task_success("a-token-nobody-waits-for", {"woken_by": "test"}) is False


def test_wake_completes_a_waiting_task(monkeypatch, token_table):
    sent = []
    monkeypatch.setattr(StepFunctions, "send_task_success", lambda self, token, output: sent.append(token) or True)
    token_table.put("wait#prod-db", "exec#in_place", {"task_token": "live", "expires_at": 1})
    event = {"detail": {"SourceIdentifier": "rds:prod-db", "EventID": "RDS-EVENT-0176"}, "resources": []}
    assert call(waits_handler.wake, event) == {"resources": ["prod-db"], "woken": 1}
    assert sent == ["live"]


def test_event_resources_reads_identifier_arn_and_resources():
    event = _event("bgd-1", "arn:aws:rds:eu-west-2:123456789012:deployment:bgd-1")
    event["resources"].append("arn:aws:rds:eu-west-2:123456789012:cluster:prod-db")
    assert waits.event_resources(event) == ["bgd-1", "prod-db"]


def test_abandon_deletes_deployment_and_green_and_leaves_blue(rds_client, world):
    state = _green_state(rds_client)
    state = until(blue_green.check, state, "blue_green", "ready")
    green = state["blue_green"]["green_cluster_arn"].rsplit(":", 1)[-1]
    before = world_snapshot(rds_client)
    assert green in before["clusters"]

    state["abandoned"] = twice(lambda: world_snapshot(rds_client), blue_green.abandon, state)
    after = world_snapshot(rds_client)
    assert state["abandoned"]["green_cluster_id"] == green
    assert rds_client.describe_blue_green_deployments()["BlueGreenDeployments"] == []
    remaining = {c["DBClusterIdentifier"] for c in rds_client.describe_db_clusters()["DBClusters"]}
    assert green not in remaining and "prod-db" in remaining
    assert after["clusters"]["prod-db"] == before["clusters"]["prod-db"], "blue is left as it was"
