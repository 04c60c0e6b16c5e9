"""Waits and approvals: the token table, the signing key, the approval URL, and who may complete a task."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Synthesized

Json = dict[str, Any]


def test_token_table(synthesized: Synthesized) -> None:
    [table] = synthesized.of_type("AWS::DynamoDB::Table").values()
    properties = table["Properties"]
    assert properties["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert sorted(properties["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
    ]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["DeletionPolicy"] == "Delete"  # task tokens of waits in progress only


def test_signing_key_is_a_generated_64_character_secret(synthesized: Synthesized) -> None:
    [secret] = synthesized.of_type("AWS::SecretsManager::Secret").values()
    generated = secret["Properties"]["GenerateSecretString"]
    assert generated["PasswordLength"] == 64
    assert generated["ExcludePunctuation"] is True


def _environment(synthesized: Synthesized, construct_id: str) -> Json:
    return dict(synthesized.function(construct_id)[1]["Environment"]["Variables"])


def test_approval_decision_is_a_public_function_url(synthesized: Synthesized) -> None:
    logical_id, _ = synthesized.function("ApprovalDecisionFunction")
    [(url_id, url)] = synthesized.of_type("AWS::Lambda::Url").items()
    assert url["Properties"] == {"AuthType": "NONE", "TargetFunctionArn": {"Fn::GetAtt": [logical_id, "Arn"]}}
    request = _environment(synthesized, "RequestApprovalFunction")
    assert request["APPROVAL_URL"] == {"Fn::GetAtt": [url_id, "FunctionUrl"]}


def test_environments(synthesized: Synthesized) -> None:
    [table_id] = synthesized.of_type("AWS::DynamoDB::Table")
    [secret_id] = synthesized.of_type("AWS::SecretsManager::Secret")
    [topic_id] = synthesized.of_type("AWS::SNS::Topic")
    table, secret = {"Ref": table_id}, {"Ref": secret_id}
    request = _environment(synthesized, "RequestApprovalFunction")
    assert (request["TOKEN_TABLE"], request["APPROVAL_SIGNING_SECRET_ARN"], request["TOPIC_ARN"]) == (
        table,
        secret,
        {"Ref": topic_id},
    )
    decide = _environment(synthesized, "ApprovalDecisionFunction")
    assert (decide["TOKEN_TABLE"], decide["APPROVAL_SIGNING_SECRET_ARN"]) == (table, secret)
    for construct_id in ("AwaitChangeFunction", "WakeFunction"):
        assert _environment(synthesized, construct_id)["TOKEN_TABLE"] == table


# construct id -> (DynamoDB actions on the token table, Step Functions callbacks, reads the signing key)
CALLBACK_GRANTS: dict[str, tuple[set[str], set[str], bool]] = {
    "RequestApprovalFunction": ({"Query", "PutItem"}, set(), True),
    # a rejection is a successful task whose output says "rejected": SendTaskFailure is never called
    "ApprovalDecisionFunction": ({"Query", "DeleteItem", "PutItem"}, {"SendTaskSuccess"}, True),
    "AwaitChangeFunction": ({"PutItem"}, {"SendTaskSuccess"}, False),
    "WakeFunction": ({"Query", "DeleteItem"}, {"SendTaskSuccess"}, False),
}


@pytest.mark.parametrize("construct_id", sorted(CALLBACK_GRANTS))
def test_callback_grants(synthesized: Synthesized, construct_id: str) -> None:
    dynamodb, callbacks, signing = CALLBACK_GRANTS[construct_id]
    [table_id] = synthesized.of_type("AWS::DynamoDB::Table")
    [secret_id] = synthesized.of_type("AWS::SecretsManager::Secret")
    pairs = synthesized.action_resource_pairs(synthesized.function_statements(construct_id))
    assert {(a, r) for a, r in pairs if a.startswith("dynamodb:")} == {
        (f"dynamodb:{action}", f"<{table_id}.Arn>") for action in dynamodb
    }
    # no resource-level permissions for task callbacks (Service Authorization Reference): "*" or AccessDenied
    assert {(a, r) for a, r in pairs if a.startswith("states:")} == {(f"states:{action}", "*") for action in callbacks}
    reads = {(a, r) for a, r in pairs if a.startswith("secretsmanager:")}
    expected = {
        ("secretsmanager:GetSecretValue", f"<{secret_id}>"),
        ("secretsmanager:DescribeSecret", f"<{secret_id}>"),
    }
    assert reads == (expected if signing else set())


def test_no_other_function_touches_the_tokens_or_completes_tasks(synthesized: Synthesized) -> None:
    holders = {
        synthesized.deployed(function["Properties"]["Handler"])
        for function in synthesized.of_type("AWS::Lambda::Function").values()
        if any(
            a.startswith(("dynamodb:", "states:Send"))
            for a, _ in synthesized.action_resource_pairs(
                synthesized.role_statements(function["Properties"]["Role"]["Fn::GetAtt"][0])
            )
        )
    }
    assert holders == {
        "approval.handler.request",
        "approval_decision.handler.decide",
        "waits.handler.register",
        "waits.handler.wake",
    }


def test_the_state_machine_is_named_as_the_callbacks_expect(synthesized: Synthesized) -> None:
    _, machine = synthesized.state_machine()
    assert synthesized.flatten(machine["Properties"]["StateMachineName"]) == "<AWS::StackName>-upgrade"


def test_the_public_approval_function_has_a_small_reserved_concurrency(synthesized: Synthesized) -> None:
    _, decision = synthesized.function("ApprovalDecisionFunction")
    assert decision["ReservedConcurrentExecutions"] == 2  # the configuration's default
    _, request = synthesized.function("RequestApprovalFunction")
    assert "ReservedConcurrentExecutions" not in request  # only the public one is capped


def test_the_approval_reserved_concurrency_is_configurable_and_bounded() -> None:
    from infra.config import DeploymentConfig

    assert DeploymentConfig.model_validate({"clusters": ["prod-db"], "approval_reserved_concurrency": 5})
    for wrong in (0, 51, "2"):
        with pytest.raises(ValueError, match="approval_reserved_concurrency"):
            DeploymentConfig.model_validate({"clusters": ["prod-db"], "approval_reserved_concurrency": wrong})
