"""The notification topic and who hears it: email, a Slack channel through AWS Chatbot, a Slack webhook function.

The topic is encrypted with our own rotating key and refuses publishers without TLS. Only
publishers need the key (our functions, through their IAM grants): SNS decrypts a message
itself before delivering it to email, to AWS Chatbot and to a Lambda subscriber, so the key
policy needs no statement for those deliveries. (An AWS service publishing to the topic,
such as EventBridge or CloudWatch alarms, would need one: nothing here does.)
"""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Aws
from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.config import ChatbotConfig

# Chatbot's channel guardrail: the most a channel member could ever do through the channel role.
# The role itself holds no permission (the channel only receives notifications), so nothing is allowed;
# without a guardrail AWS applies AdministratorAccess as the ceiling.
CHATBOT_GUARDRAIL = "ReadOnlyAccess"


class Notifications(Construct):
    """SNS topic the workflow reports to (success, already upgraded, approvals, failure with next steps)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, emails: Iterable[str], chatbot_channel: ChatbotConfig | None
    ) -> None:
        super().__init__(scope, construct_id)
        # A customer-managed key (not alias/aws/sns) so access to the messages is governed by
        # our key policy and grants, and its use shows in CloudTrail under our key.
        self.key = kms.Key(
            self,
            "TopicKey",
            description="Encrypts the aurora-upgrade notification topic",
            enable_key_rotation=True,
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name="Aurora upgrade",
            master_key=self.key,
            enforce_ssl=True,
        )
        for email in emails:
            # each address receives a confirmation mail and gets nothing until it confirms
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self.slack_channel = self._slack_channel(chatbot_channel) if chatbot_channel else None

    def subscribe(self, function: lambda_.IFunction) -> None:
        """Deliver every notification to a function too (SNS invokes it asynchronously)."""
        self.topic.add_subscription(subscriptions.LambdaSubscription(function))

    def _slack_channel(self, channel: ChatbotConfig) -> chatbot.CfnSlackChannelConfiguration:
        # Chatbot assumes this role only to run commands typed in the channel; this channel only
        # receives notifications, so the role is given no permission at all.
        role = iam.Role(
            self,
            "ChatbotRole",
            assumed_by=iam.ServicePrincipal("chatbot.amazonaws.com"),
            description="AWS Chatbot channel of the aurora-upgrade notifications: no permissions (notifications only)",
        )
        return chatbot.CfnSlackChannelConfiguration(
            self,
            "SlackChannel",
            configuration_name=f"{Aws.STACK_NAME}-notifications",
            iam_role_arn=role.role_arn,
            slack_workspace_id=channel.workspace_id,
            slack_channel_id=channel.channel_id,
            sns_topic_arns=[self.topic.topic_arn],
            guardrail_policies=[f"arn:{Aws.PARTITION}:iam::aws:policy/{CHATBOT_GUARDRAIL}"],
            logging_level="ERROR",
            user_role_required=False,
        )
