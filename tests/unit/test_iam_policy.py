"""The simulator's IAM: requests derived from API calls, and policies evaluated as AWS evaluates them."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from simulator.enforcement.iam import (
    Decision,
    Request,
    RolePolicy,
    Statement,
    access_denied,
    requests_for,
)

REGION = "us-east-1"
CLUSTERS = "arn:aws:rds:us-east-1:123456789012:cluster"


def policy(*statements: dict) -> RolePolicy:
    return RolePolicy("Role", [Statement.parse(raw, i) for i, raw in enumerate(statements)])


def allow(action, resource, **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_a_call_is_authorized_on_each_resource_it_names():
    requests = requests_for(
        "rds",
        "ModifyDBCluster",
        {"DBClusterIdentifier": "prod-db", "DBClusterParameterGroupName": "prod-db-aurora-postgresql14-cluster"},
        REGION,
    )
    assert requests == [
        Request("rds:ModifyDBCluster", f"{CLUSTERS}:prod-db"),
        Request(
            "rds:ModifyDBCluster", "arn:aws:rds:us-east-1:123456789012:cluster-pg:prod-db-aurora-postgresql14-cluster"
        ),
    ]


def test_a_list_call_is_authorized_on_every_resource_of_its_type():
    assert requests_for("rds", "DescribeDBClusters", {}, REGION) == [Request("rds:DescribeDBClusters", f"{CLUSTERS}:*")]
    only_one = policy(allow("rds:DescribeDBClusters", f"{CLUSTERS}:prod-db"))
    assert not only_one.decide(Request("rds:DescribeDBClusters", f"{CLUSTERS}:*")).allowed


def test_an_action_without_resource_level_permissions_needs_star():
    [request] = requests_for("rds", "DescribeDBEngineVersions", {"Engine": "aurora-postgresql"}, REGION)
    assert request.resource == "*"
    assert not policy(allow("rds:DescribeDBEngineVersions", f"{CLUSTERS}:*")).decide(request).allowed
    assert policy(allow("rds:DescribeDBEngineVersions", "*")).decide(request).allowed
    [token] = requests_for("states", "SendTaskSuccess", {"taskToken": "t", "output": "{}"}, REGION)
    assert token == Request("states:SendTaskSuccess", "*")


def test_an_unknown_action_is_a_simulator_error_not_a_silent_pass():
    with pytest.raises(LookupError, match="rds:NoSuchOperation"):
        requests_for("rds", "NoSuchOperation", {}, REGION)


def test_the_resource_a_create_call_makes_is_authorized_too():
    requests = requests_for("rds", "CreateBlueGreenDeployment", {"Source": f"{CLUSTERS}:prod-db"}, REGION)
    assert Request("rds:CreateBlueGreenDeployment", "arn:aws:rds:us-east-1:123456789012:deployment:*") in requests
    assert Request("rds:CreateBlueGreenDeployment", f"{CLUSTERS}:prod-db") in requests


def test_explicit_deny_wins_and_actions_are_case_insensitive():
    request = Request("rds:DeleteDBCluster", f"{CLUSTERS}:prod-db")
    assert policy(allow("RDS:deletedbcluster", f"{CLUSTERS}:*")).decide(request).allowed
    both = policy(
        allow("rds:*", "*"), {"Sid": "Never", "Effect": "Deny", "Action": "rds:Delete*", "Resource": f"{CLUSTERS}:*"}
    )
    assert both.decide(request) == Decision(False, denied_by="Never")


def test_wildcards_star_and_question_mark_but_no_partial_match():
    request = Request("rds:DeleteDBCluster", f"{CLUSTERS}:prod-db-green-abc123")
    assert policy(allow("rds:DeleteDBCluster", f"{CLUSTERS}:prod-db-green-*")).decide(request).allowed
    assert policy(allow("rds:DeleteDBCluster", f"{CLUSTERS}:prod-db-green-abc12?")).decide(request).allowed
    assert not policy(allow("rds:DeleteDBCluster", f"{CLUSTERS}:prod-db")).decide(request).allowed
    # "." in a pattern is a dot, not any character
    assert (
        not policy(allow("rds:DeleteDBCluster", f"{CLUSTERS}:prod.db"))
        .decide(Request("rds:DeleteDBCluster", f"{CLUSTERS}:prod-db"))
        .allowed
    )


def test_not_action_and_not_resource():
    request = Request("rds:DeleteDBCluster", f"{CLUSTERS}:prod-db")
    assert not policy({"Effect": "Allow", "NotAction": "rds:Delete*", "Resource": "*"}).decide(request).allowed
    assert policy({"Effect": "Allow", "Action": "rds:*", "NotResource": f"{CLUSTERS}:other"}).decide(request).allowed


def test_conditions_are_evaluated_on_the_request_context():
    key = "arn:aws:kms:us-east-1:123456789012:key/k"
    via_rds = ("kms:ViaService", "rds.us-east-1.amazonaws.com")
    conditioned = policy(
        allow(
            "kms:CreateGrant",
            "arn:aws:kms:us-east-1:123456789012:key/*",
            Condition={
                "StringEquals": {"kms:ViaService": "rds.us-east-1.amazonaws.com"},
                "Bool": {"kms:GrantIsForAWSResource": "true"},
            },
        )
    )
    assert conditioned.decide(Request("kms:CreateGrant", key, (via_rds, ("kms:GrantIsForAWSResource", "true")))).allowed
    assert not conditioned.decide(Request("kms:CreateGrant", key, (via_rds,))).allowed, "a missing key is false"
    assert not conditioned.decide(Request("kms:CreateGrant", key)).allowed, "called directly, not through RDS"
    unknown = policy(allow("kms:CreateGrant", "*", Condition={"NumericLessThan": {"kms:Foo": "1"}}))
    assert not unknown.decide(Request("kms:CreateGrant", key)).allowed, "an operator we cannot evaluate never allows"


def test_a_denied_call_raises_the_sdk_error_of_its_service():
    request = Request("rds:DescribeDBInstances", "arn:aws:rds:us-east-1:123456789012:db:*")
    error = access_denied(
        request, "AssessRollbackRole", "AssessRollbackFunction", "DescribeDBInstances", Decision(False)
    )
    assert isinstance(error, ClientError)
    assert error.response["Error"]["Code"] == "AccessDenied"
    assert "is not authorized to perform: rds:DescribeDBInstances on resource: arn:aws:rds" in str(error)
    sns = access_denied(Request("sns:Publish", "arn:aws:sns:us-east-1:1:t"), "R", "F", "Publish", Decision(False))
    assert sns.response["Error"]["Code"] == "AuthorizationError"
