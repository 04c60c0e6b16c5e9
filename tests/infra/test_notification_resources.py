"""Who hears the topic: the configured emails, the AWS Chatbot Slack channel, the Slack webhook function."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from infra.app_factory import STACK_NAME, build_app

if TYPE_CHECKING:
    from conftest import Synthesized

Json = dict[str, Any]


def _subscriptions(synthesized: Synthesized) -> list[Json]:
    return [s["Properties"] for s in synthesized.of_type("AWS::SNS::Subscription").values()]


def test_email_subscriptions_come_from_both_email_fields(synthesized: Synthesized) -> None:
    [topic_id] = synthesized.of_type("AWS::SNS::Topic")
    emails = [s for s in _subscriptions(synthesized) if s["Protocol"] == "email"]
    assert sorted(s["Endpoint"] for s in emails) == sorted(synthesized.emails)
    assert all(s["TopicArn"] == {"Ref": topic_id} for s in emails)


def test_chatbot_channel_hears_the_topic_with_a_role_that_can_do_nothing(synthesized: Synthesized) -> None:
    [topic_id] = synthesized.of_type("AWS::SNS::Topic")
    [channel] = [c["Properties"] for c in synthesized.of_type("AWS::Chatbot::SlackChannelConfiguration").values()]
    assert channel["SlackWorkspaceId"] == synthesized.slack_workspace
    assert channel["SlackChannelId"] == synthesized.slack_channel
    assert channel["SnsTopicArns"] == [{"Ref": topic_id}]
    assert channel["LoggingLevel"] == "ERROR"
    assert channel["UserRoleRequired"] is False
    assert [synthesized.deployed(p) for p in channel["GuardrailPolicies"]] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    role_id = channel["IamRoleArn"]["Fn::GetAtt"][0]
    role = synthesized.resources[role_id]["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "chatbot.amazonaws.com"}
    assert synthesized.role_statements(role_id) == []  # notifications only: no permission at all
    assert not role.get("ManagedPolicyArns")


def test_webhook_function_hears_the_topic_and_reads_only_its_secret(synthesized: Synthesized) -> None:
    [topic_id] = synthesized.of_type("AWS::SNS::Topic")
    logical_id, properties = synthesized.function("SlackWebhookFunction")
    [subscription] = [s for s in _subscriptions(synthesized) if s["Protocol"] == "lambda"]
    assert subscription == {
        "Endpoint": {"Fn::GetAtt": [logical_id, "Arn"]},
        "Protocol": "lambda",
        "TopicArn": {"Ref": topic_id},
    }
    permissions = [
        p["Properties"]
        for p in synthesized.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [logical_id, "Arn"]}
    ]
    assert permissions == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Fn::GetAtt": [logical_id, "Arn"]},
            "Principal": "sns.amazonaws.com",
            "SourceArn": {"Ref": topic_id},
        }
    ]
    assert properties["Environment"]["Variables"]["SLACK_WEBHOOK_SECRET_ARN"] == synthesized.webhook_secret
    secret_reads = {
        pair
        for pair in synthesized.action_resource_pairs(synthesized.function_statements("SlackWebhookFunction"))
        if pair[0].startswith("secretsmanager:")
    }
    assert secret_reads == {("secretsmanager:GetSecretValue", synthesized.webhook_secret)}


def test_the_topic_key_is_only_for_publishers(synthesized: Synthesized) -> None:
    """SNS decrypts before delivering to email, Chatbot and Lambda: no subscriber holds a key grant."""
    for construct_id in ("SlackWebhookFunction", "WakeFunction", "ApprovalDecisionFunction"):
        actions = {a for a, _ in synthesized.action_resource_pairs(synthesized.function_statements(construct_id))}
        assert not {a for a in actions if a.startswith("kms:")}, construct_id


def test_without_slack_there_is_no_chatbot_channel_and_no_webhook_function(tmp_path: Any) -> None:
    build_app(outdir=str(tmp_path), context={"aurora-upgrade": {"clusters": ["prod-db"]}}).synth()
    template = json.loads((tmp_path / f"{STACK_NAME}.template.json").read_text())
    types = {resource["Type"] for resource in template["Resources"].values()}
    assert "AWS::Chatbot::SlackChannelConfiguration" not in types
    assert "AWS::SNS::Subscription" not in types
    assert "AWS::Scheduler::Schedule" not in types and "AWS::Scheduler::ScheduleGroup" not in types
    assert not [key for key in template["Resources"] if key.startswith("SlackWebhookFunction")]
