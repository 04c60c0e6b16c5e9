"""The shortcuts through moto's request path give the answers of the original path (simulator.engine.shortcuts)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import moto.core.responses
import pytest
import xmltodict
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import NoCredentialsError
from moto import mock_aws
from moto.core.serialize import AttributePicker, XFormedAttributePicker
from moto.core.utils import method_names_from_class
from moto.rds.responses import RDSResponse
from moto.sns.responses import SNSResponse
from moto.stepfunctions.responses import StepFunctionResponse

from simulator.engine.shortcuts import NOT_COMPUTED, take_shortcuts
from simulator.rds.realism import realistic_rds

REGION = "us-east-1"


def _originals(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto and xmltodict as they come."""
    monkeypatch.setattr(moto.core.responses, "method_names_from_class", method_names_from_class)
    monkeypatch.setattr(xmltodict, "_validate_name", xmltodict._validate_name.original)
    monkeypatch.setattr(SigV4Auth, "add_auth", SigV4Auth.add_auth.original)
    for picker in (AttributePicker, XFormedAttributePicker):
        monkeypatch.setattr(picker, "get_possible_keys", picker.__dict__["get_possible_keys"].original)


@pytest.fixture
def world() -> Iterator[None]:
    take_shortcuts()
    with mock_aws(), realistic_rds(polls=0):
        yield


@pytest.mark.parametrize("response_class", [RDSResponse, SNSResponse, StepFunctionResponse])
def test_the_implemented_actions_are_those_moto_lists(response_class: type, world: None) -> None:
    take_shortcuts()
    listed = set(method_names_from_class(response_class))  # realism's added actions included: its patches are on
    names = moto.core.responses.method_names_from_class(response_class)
    candidates = {*dir(response_class), "describe_nothing", "__init__", "uri_match", "dispatch"}
    assert {name for name in candidates if name in names} == listed
    assert "serialized" in names and "region" not in names and "describe_nothing" not in names
    if response_class is RDSResponse:  # an action realism adds (moto lacks it) and one moto has
        assert "describe_integrations" in names and "describe_db_clusters" in names


def test_a_name_xml_refuses_is_refused_every_time() -> None:
    take_shortcuts()
    xmltodict._validate_name("DBCluster", "element")
    xmltodict._validate_name("DBCluster", "element")
    for _ in range(2):
        with pytest.raises(ValueError, match="whitespace"):
            xmltodict._validate_name("DB Cluster", "element")
    with pytest.raises(ValueError, match="must be a string"):
        xmltodict._validate_name(7, "element")


def _calls() -> list[tuple[str, Callable[[], dict[str, Any]]]]:
    rds = boto3.client("rds", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    sfn = boto3.client("stepfunctions", region_name=REGION)
    kms = boto3.client("kms", region_name=REGION)
    rds.create_db_cluster(
        DBClusterIdentifier="prod-db",
        Engine="aurora-postgresql",
        EngineVersion="13.20",
        MasterUsername="postgres",
        MasterUserPassword="a-password-1",
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 8},
        Tags=[{"Key": "team", "Value": "data"}],
    )
    for n in (1, 2):
        rds.create_db_instance(
            DBInstanceIdentifier=f"prod-db-{n}",
            DBClusterIdentifier="prod-db",
            Engine="aurora-postgresql",
            DBInstanceClass="db.serverless",
        )
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="before", DBClusterIdentifier="prod-db")
    topic = sns.create_topic(Name="upgrades")["TopicArn"]
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    role = "arn:aws:iam::123456789012:role/sfn"
    machine = sfn.create_state_machine(
        name="m", roleArn=role, definition='{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}'
    )["stateMachineArn"]
    return [
        ("clusters", lambda: rds.describe_db_clusters()),
        ("instances", lambda: rds.describe_db_instances(DBInstanceIdentifier="prod-db-1")),
        ("snapshots", lambda: rds.describe_db_cluster_snapshots(DBClusterIdentifier="prod-db")),
        ("versions", lambda: rds.describe_db_engine_versions(Engine="aurora-postgresql", EngineVersion="13.20")),
        (
            "tags",
            lambda: rds.list_tags_for_resource(
                ResourceName=rds.describe_db_clusters()["DBClusters"][0]["DBClusterArn"]
            ),
        ),
        ("no such cluster", lambda: _error(lambda: rds.describe_db_clusters(DBClusterIdentifier="nope"))),
        ("topic", lambda: sns.get_topic_attributes(TopicArn=topic)),
        ("key", lambda: kms.describe_key(KeyId=key)),
        ("machine", lambda: sfn.describe_state_machine(stateMachineArn=machine)),
    ]


def _error(call: Callable[[], Any]) -> dict[str, Any]:
    try:
        call()
    except Exception as error:  # the parsed error response is the answer compared
        return dict(getattr(error, "response", {"error": repr(error)}))
    raise AssertionError("no error")


def _answer(response: Any) -> Any:
    """The response without what differs from one request to the next: its request id, and the time it was made
    (LatestRestorableTime is "now" in moto)."""
    if isinstance(response, dict):
        return {k: _answer(v) for k, v in response.items() if k not in ("ResponseMetadata", "LatestRestorableTime")}
    return [_answer(v) for v in response] if isinstance(response, list) else response


def test_every_answer_is_the_original_paths(world: None, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _calls()
    for _, call in calls:
        call()  # changes in progress complete (polls=0): both paths see the same state
    fast = {name: _answer(call()) for name, call in calls}
    with monkeypatch.context() as original:
        _originals(original)
        assert moto.core.responses.method_names_from_class is method_names_from_class
        slow = {name: _answer(call()) for name, call in calls}
    assert fast == slow
    assert fast["clusters"]["DBClusters"][0]["DBClusterMembers"], "the answers are not empty"


def test_a_request_carries_what_signing_adds_but_the_signature() -> None:
    take_shortcuts()
    request = AWSRequest(method="POST", url="https://rds.us-east-1.amazonaws.com/", data=b"Action=DescribeDBClusters")
    SigV4Auth(Credentials("AKIDSIMULATED", "secret", "token"), "rds", "us-east-1").add_auth(request)
    authorization = request.headers["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDSIMULATED/")  # moto's account comes from it
    assert "/us-east-1/rds/aws4_request, SignedHeaders=" in authorization
    assert authorization.endswith(f"Signature={NOT_COMPUTED}")
    assert request.headers["X-Amz-Security-Token"] == "token" and request.headers["X-Amz-Date"]
    with pytest.raises(NoCredentialsError):
        SigV4Auth(None, "rds", "us-east-1").add_auth(AWSRequest(method="POST", url="https://rds.amazonaws.com/"))
