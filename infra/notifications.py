"""The notification topic: encrypted with our own rotating key, TLS-only, email subscribers from config."""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct


class Notifications(Construct):
    """SNS topic the workflow reports to (success, already upgraded, failure with next steps)."""

    def __init__(self, scope: Construct, construct_id: str, *, emails: Iterable[str]) -> None:
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
