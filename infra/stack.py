"""The one stack: notification topic, the step functions, the state machine that runs them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Acknowledgment, CfnOutput, Stack, Validations
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import DeploymentConfig
from infra.database_access import preflight_extras
from infra.functions import StepFunctionFactory
from infra.notifications import Notifications
from infra.permissions import grants_for
from infra.workflow import UpgradeWorkflow

NOTIFY_FUNCTION = "NotifyFunction"
PREFLIGHT_FUNCTION = "PreflightFunction"

# construct id (also the ASL placeholder "${<id>Arn}") -> handler inside lambdas/
STEP_HANDLERS: Mapping[str, str] = {
    PREFLIGHT_FUNCTION: "preflight.handler.handler",
    "RaiseCapacityFunction": "capacity.handler.raise_capacity",
    "RestoreCapacityFunction": "capacity.handler.restore_capacity",
    "PrepareSourceParameterGroupFunction": "source_parameters.handler.prepare",
    "CheckParameterSyncFunction": "source_parameters.handler.check_sync",
    "CreateTargetParameterGroupsFunction": "target_parameters.handler.handler",
    "StartSnapshotFunction": "snapshot.handler.start",
    "CheckSnapshotFunction": "snapshot.handler.check",
    "CreateBlueGreenFunction": "blue_green.handler.create",
    "CheckBlueGreenFunction": "blue_green.handler.check",
    "StartSwitchoverFunction": "blue_green.handler.start_switchover",
    "CheckSwitchoverFunction": "blue_green.handler.check_switchover",
    "VerifyUpgradeFunction": "verify.handler.handler",
    "CleanUpFunction": "cleanup.handler.handler",
    "StartInPlaceUpgradeFunction": "in_place.handler.start",
    "CheckInPlaceUpgradeFunction": "in_place.handler.check",
    "SettleInstancesFunction": "in_place.handler.settle",
    "AssessRollbackFunction": "rollback.handler.assess",
    "MoveAsideFunction": "rollback.handler.move_aside",
    "RestoreClusterFunction": "restore.handler.restore_cluster",
    "CreateInstancesFunction": "restore.handler.create_instances",
    "VerifyRestoreFunction": "restore.handler.verify",
    "DeleteFailedClusterFunction": "rollback.handler.delete_failed",
    NOTIFY_FUNCTION: "notify.handler.handler",
}

TOPIC_KEY_REASON = (
    "CDK's topic.grant_publish on a KMS-encrypted topic grants kms:Decrypt and kms:GenerateDataKey* on the "
    "topic's own key only (the Resource is that one key); publishing to an SSE-KMS topic needs a data key."
)


class AuroraUpgradeStack(Stack):
    """Environment-agnostic: no account/Region, no lookups; RDS access limited to ``config.clusters``."""

    def __init__(self, scope: Construct, construct_id: str, *, config: DeploymentConfig, **kwargs: Any) -> None:
        super().__init__(
            scope,
            construct_id,
            description="Aurora PostgreSQL major version upgrades: blue/green, in place, rollback",
            **kwargs,
        )
        notifications = Notifications(self, "Notifications", emails=config.notification_emails)

        factory = StepFunctionFactory(self)
        extras = {PREFLIGHT_FUNCTION: preflight_extras(self, config)}
        functions: dict[str, lambda_.Function] = {}
        for function_id, handler in STEP_HANDLERS.items():
            environment = {"TOPIC_ARN": notifications.topic.topic_arn} if function_id == NOTIFY_FUNCTION else None
            functions[function_id] = factory.create(
                function_id, handler, grants_for(function_id, config.clusters), environment, extras.get(function_id)
            )
        notifier = functions[NOTIFY_FUNCTION]
        notifications.topic.grant_publish(notifier)
        assert notifier.role is not None, "the factory always gives a function its own role"
        Validations.of(notifier.role).acknowledge(
            Acknowledgment(id="AwsSolutions-IAM5[Action::kms:GenerateDataKey*]", reason=TOPIC_KEY_REASON)
        )

        workflow = UpgradeWorkflow(self, "Workflow", functions=functions)

        CfnOutput(
            self,
            "StateMachineArn",
            value=workflow.state_machine.state_machine_arn,
            description="Start an upgrade: aws stepfunctions start-execution --state-machine-arn <this> --input ...",
        )
        CfnOutput(self, "TopicArn", value=notifications.topic.topic_arn, description="Upgrade notifications")
