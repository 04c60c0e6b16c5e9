"""Where the workflow parks a task token while it waits: for an RDS event, or for a person's approval.

A ``.waitForTaskToken`` task hands its token to a function that stores it in the token table;
whoever completes the wait (the wake function on an RDS event, the decision function behind
an approval link) takes the token out and calls SendTaskSuccess/SendTaskFailure. Approval
links carry an HMAC signature made with the signing secret, so a link cannot be forged or
altered, and each token is taken once.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

TTL_ATTRIBUTE = "expires_at"
SIGNING_KEY_LENGTH = 64

SIGNING_ROTATION_REASON = (
    "The approval signing key signs the approve/reject links sent for an open approval; rotating it would "
    "invalidate every outstanding link, and the tokens it guards expire with the approval timeout anyway. "
    "Replace the secret's value by hand to revoke every link at once."
)


class TaskTokens(Construct):
    """The token table and the approval signing key."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # only task tokens of waits in progress: nothing to keep when the stack goes
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.signing_secret = secretsmanager.Secret(
            self,
            "ApprovalSigningKey",
            description="HMAC key of the aurora-upgrade approval links",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=SIGNING_KEY_LENGTH, exclude_punctuation=True, include_space=False
            ),
        )
        Validations.of(self.signing_secret).acknowledge(
            Acknowledgment(id="AwsSolutions-SMG4", reason=SIGNING_ROTATION_REASON)
        )

    def allow(self, function: lambda_.IFunction, *actions: str) -> None:
        """Item-level DynamoDB actions on the token table only (no Scan, no table management)."""
        self.table.grant(function, *(f"dynamodb:{action}" for action in actions))

    def allow_signing(self, function: lambda_.IFunction) -> None:
        self.signing_secret.grant_read(function)


def allow_task_results(function: lambda_.IFunction) -> None:
    """SendTaskSuccess for the tokens the workflow hands out (a rejection is a result too, not a failure).

    The Service Authorization Reference lists no resource type for these actions (Step Functions
    authorizes them by the token, not by a state machine ARN), so a statement scoped to the state
    machine never applies: AWS answers AccessDenied. They are granted on "*", acknowledged below.
    """
    function.add_to_role_policy(
        iam.PolicyStatement(sid="CompleteWaitingTasks", actions=["states:SendTaskSuccess"], resources=["*"])
    )
    if function.role is not None:
        Validations.of(function.role).acknowledge(
            Acknowledgment(id="AwsSolutions-IAM5[Resource::*]", reason=TASK_RESULTS_REASON)
        )


TASK_RESULTS_REASON = (
    "states:SendTaskSuccess/SendTaskFailure have no resource-level permissions (Service Authorization "
    "Reference, AWS Step Functions: no resource type); Step Functions checks the task token itself."
)
