"""The notify function against moto: one SNS message per notification, a form per protocol, and the
EventBridge events it reports or leaves alone."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends
from notify.handler import handler
from pydantic import ValidationError

from tests.functional.world import call, initial_state, make_cluster

REGION = "us-east-1"
MACHINE = f"arn:aws:states:{REGION}:{DEFAULT_ACCOUNT_ID}:stateMachine:aurora-upgrade"


@pytest.fixture
def topic(world: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    arn = str(boto3.client("sns", region_name=REGION).create_topic(Name="aurora-upgrade")["TopicArn"])
    monkeypatch.setenv("TOPIC_ARN", arn)
    monkeypatch.setenv("CLUSTERS", "prod-db, dev-db")
    return arn


def _sent(topic_arn: str) -> list[dict[str, Any]]:
    """What moto kept: (message id, message, subject, attributes, group id) per publish."""
    notifications = sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics[topic_arn].sent_notifications
    return [
        {"message": message, "subject": subject, "attributes": attributes}
        for _id, message, subject, attributes, _group in notifications
    ]


def _execution(name: str = "prod-db-14-18-run1") -> dict[str, Any]:
    return {
        "name": name,
        "id": f"arn:aws:states:{REGION}:{DEFAULT_ACCOUNT_ID}:execution:aurora-upgrade:{name}",
        "state_machine": MACHINE,
        "start_time": "2025-03-01T02:00:00Z",
    }


def _failed_at_preflight() -> dict[str, Any]:
    cause = {
        "errorMessage": "14.18 is not a valid major upgrade target of prod-db",
        "errorType": "UpgradeTargetInvalid",
    }
    return initial_state() | {
        "execution": _execution(),
        "failure": {"Preflight": {"Error": "UpgradeTargetInvalid", "Cause": json.dumps(cause)}},
    }


def test_an_outcome_is_one_sns_message_with_a_form_per_protocol(topic: str) -> None:
    queue = boto3.client("sqs", region_name=REGION)
    queue_url = queue.create_queue(QueueName="listener")["QueueUrl"]
    queue_arn = queue.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("sns", region_name=REGION).subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    result = call(handler, _failed_at_preflight())

    [sent] = _sent(topic)
    assert sent["subject"] == "[aurora-upgrade] prod-db upgrade to 14.18 FAILED at Preflight" == result["subject"]
    assert sent["attributes"] == {  # as moto keeps them
        "event": {"Type": "String", "Value": "failed"},
        "cluster_id": {"Type": "String", "Value": "prod-db"},
    }
    variants = json.loads(sent["message"])
    assert set(variants) == {"default", "email", "lambda"}
    assert variants["email"] == result["message"]
    assert "FAILED at step: Preflight" in variants["email"]
    assert "14.18 is not a valid major upgrade target of prod-db" in variants["email"]
    chatbot = json.loads(variants["default"])
    assert (chatbot["version"], chatbot["source"], chatbot["content"]["textType"]) == (
        "1.0",
        "custom",
        "client-markdown",
    )
    assert chatbot["metadata"]["threadId"] == "prod-db-14-18-run1"
    slack = json.loads(variants["lambda"])
    assert (slack["subject"], slack["event"], slack["cluster_id"]) == (result["subject"], "failed", "prod-db")
    assert slack["text"] == result["message"]
    assert slack["blocks"][0]["type"] == "header" and slack["blocks"][-1]["type"] == "context"
    # MessageStructure=json was honoured: a subscriber without its own variant gets ``default``, not the envelope
    delivered = json.loads(queue.receive_message(QueueUrl=queue_url)["Messages"][0]["Body"])
    assert json.loads(delivered["Message"]) == chatbot


def test_a_milestone_payload_publishes_a_progress_message(world: Any, rds_client: Any, topic: str) -> None:
    make_cluster(rds_client)
    state = initial_state() | {"execution": _execution()}
    result = call(handler, {"milestone": "started", "state": state})
    assert result["event"] == "started"
    [sent] = _sent(topic)
    assert sent["subject"] == "[aurora-upgrade] prod-db upgrade to 14.18 started (blue/green)"
    assert sent["attributes"]["event"]["Value"] == "started"
    assert "Step: Started" in json.loads(sent["message"])["email"]


def test_an_unknown_milestone_is_refused_by_name(topic: str) -> None:
    with pytest.raises(ValidationError, match="milestone"):
        call(handler, {"milestone": "halfway", "state": initial_state()})
    assert _sent(topic) == []


def _status_change(status: str, error: str | None, cause: str | None = None) -> dict[str, Any]:
    name = "prod-db-14-18-run1"
    return {
        "version": "0",
        "id": "9b1c1d0a-0000-4000-8000-000000000001",
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": DEFAULT_ACCOUNT_ID,
        "time": "2025-03-01T03:00:00Z",
        "region": REGION,
        "resources": [f"arn:aws:states:{REGION}:{DEFAULT_ACCOUNT_ID}:execution:aurora-upgrade:{name}"],
        "detail": {
            "executionArn": f"arn:aws:states:{REGION}:{DEFAULT_ACCOUNT_ID}:execution:aurora-upgrade:{name}",
            "stateMachineArn": MACHINE,
            "name": name,
            "status": status,
            "startDate": 1740794400000,
            "stopDate": 1740798000000,
            "input": json.dumps(initial_state()["input"]),
            "error": error,
            "cause": cause,
        },
    }


def test_an_execution_that_failed_on_its_own_is_notified_by_the_safety_net(topic: str) -> None:
    event = _status_change("FAILED", "States.Runtime", "An error occurred while executing the state 'Preflight'")
    result = call(handler, event)
    assert result["published"] is True
    [sent] = _sent(topic)
    assert sent["subject"] == "[aurora-upgrade] prod-db: execution prod-db-14-18-run1 ended FAILED"
    text = json.loads(sent["message"])["email"]
    assert "ended FAILED: States.Runtime: An error occurred while executing the state 'Preflight'" in text
    assert "Elapsed: 1h 00m" in text
    assert f"#/v2/executions/details/arn:aws:states:{REGION}:{DEFAULT_ACCOUNT_ID}:execution:" in text
    assert "never deletes the pre-upgrade snapshot" in text


def test_an_aborted_execution_is_notified_even_without_an_error(topic: str) -> None:
    assert call(handler, _status_change("ABORTED", None))["published"] is True
    assert "ended ABORTED" in _sent(topic)[0]["subject"]


@pytest.mark.parametrize("error", ["UpgradeFailed", "UpgradeRolledBack", "UpgradeAbandoned"])
def test_an_execution_ending_in_the_workflows_own_fail_state_was_already_notified(topic: str, error: str) -> None:
    result = call(handler, _status_change("FAILED", error, "The upgrade failed; the notification names the step."))
    assert result == {"published": False, "reason": result["reason"], "notification": None}
    assert "already notified" in result["reason"]
    assert _sent(topic) == []


def _rds_event(detail_type: str, source: str, event_id: str, message: str, source_arn: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "9b1c1d0a-0000-4000-8000-000000000002",
        "detail-type": detail_type,
        "source": "aws.rds",
        "account": DEFAULT_ACCOUNT_ID,
        "time": "2025-03-01T03:00:00Z",
        "region": REGION,
        "resources": [source_arn],
        "detail": {
            "EventCategories": ["notification"],
            "SourceType": "CLUSTER",
            "SourceArn": source_arn,
            "Date": "2025-03-01T03:00:00.000Z",
            "Message": message,
            "SourceIdentifier": source,
            "EventID": event_id,
        },
    }


def _cluster_event(cluster_id: str) -> dict[str, Any]:
    arn = f"arn:aws:rds:{REGION}:{DEFAULT_ACCOUNT_ID}:cluster:{cluster_id}"
    return _rds_event("RDS DB Cluster Event", cluster_id, "RDS-EVENT-0177", "Database cluster upgrade in progress", arn)


def test_an_rds_event_of_a_configured_cluster_is_a_short_message(topic: str) -> None:
    result = call(handler, _cluster_event("prod-db-old1"))
    assert result["published"] is True
    [sent] = _sent(topic)
    assert (
        sent["subject"] == "[aurora-upgrade] RDS: prod-db-old1: Database cluster upgrade in progress (RDS-EVENT-0177)"
    )
    assert sent["attributes"]["cluster_id"]["Value"] == "prod-db"


def test_an_rds_event_of_another_cluster_publishes_nothing(topic: str) -> None:
    result = call(handler, _cluster_event("prod-db-2"))
    assert result["published"] is False and "not one of the configured clusters" in result["reason"]
    assert _sent(topic) == []


def _deployment_of(rds_client: Any, cluster_id: str) -> str:
    group = {
        "name": f"{cluster_id}-pg",
        "family": "aurora-postgresql13",
        "parameters": {"rds.logical_replication": "1"},
    }
    make_cluster(
        rds_client,
        id=cluster_id,
        cluster_parameter_group=group,
        instances=[{"id": f"{cluster_id}-writer", "writer": True}],
    )
    arn = rds_client.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]["DBClusterArn"]
    deployment = rds_client.create_blue_green_deployment(
        BlueGreenDeploymentName=f"{cluster_id}-upgrade-13-20-to-14-18", Source=arn, TargetEngineVersion="14.18"
    )["BlueGreenDeployment"]
    return str(deployment["BlueGreenDeploymentIdentifier"])


def _blue_green_event(deployment_id: str) -> dict[str, Any]:
    arn = f"arn:aws:rds:{REGION}:{DEFAULT_ACCOUNT_ID}:deployment:{deployment_id}"
    return _rds_event(
        "RDS Blue Green Deployment Event",
        deployment_id,
        "RDS-EVENT-0244",
        "Blue/green deployment tasks completed.",
        arn,
    )


def test_a_blue_green_event_is_kept_when_its_source_is_a_configured_cluster(rds_client: Any, topic: str) -> None:
    ours, theirs = _deployment_of(rds_client, "prod-db"), _deployment_of(rds_client, "billing-db")
    assert call(handler, _blue_green_event(theirs))["published"] is False
    assert call(handler, _blue_green_event(ours))["published"] is True
    [sent] = _sent(topic)
    assert sent["subject"].startswith(f"[aurora-upgrade] RDS: {ours}: Blue/green deployment tasks completed.")
    assert sent["attributes"]["cluster_id"]["Value"] == "prod-db"


def test_a_blue_green_event_of_a_deployment_gone_since_publishes_nothing(topic: str) -> None:
    assert call(handler, _blue_green_event("bgd-0000000000000000"))["published"] is False
    assert _sent(topic) == []


def test_without_configured_clusters_every_rds_event_is_reported(topic: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLUSTERS")
    assert call(handler, _cluster_event("staging-db"))["published"] is True
    assert _sent(topic)[0]["attributes"]["cluster_id"]["Value"] == "staging-db"


def test_a_failed_sequence_synchronization_is_delivered_as_a_failure(rds_client: Any, topic: str) -> None:
    deployment_id = _deployment_of(rds_client, "prod-db")
    event = _rds_event(
        "RDS Blue Green Deployment Event",
        deployment_id,
        "RDS-EVENT-0314",
        "Sequence synchronization for the switchover of blue/green deployment failed.",
        f"arn:aws:rds:{REGION}:{DEFAULT_ACCOUNT_ID}:deployment:{deployment_id}",
    )
    assert call(handler, event)["published"] is True
    [sent] = _sent(topic)
    assert "RDS-EVENT-0314" in sent["message"]
    assert sent["attributes"]["cluster_id"]["Value"] == "prod-db"
