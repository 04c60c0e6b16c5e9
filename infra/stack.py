"""The one stack: notifications, the functions, the state machine, and what starts or wakes it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Acknowledgment, Aws, CfnOutput, Duration, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.config import DeploymentConfig
from infra.database_access import SECRET_SUFFIX_REASON, DatabaseAccess
from infra.dead_letters import dead_letter_queue
from infra.event_rules import EventRules
from infra.fleet import FleetWorkflow, read_child_executions
from infra.functions import MEMORY_MB, TIMEOUT, FunctionExtras, StepFunctionFactory
from infra.notifications import Notifications
from infra.permissions.registry import grants_for
from infra.reports import Reports
from infra.schedules import UpgradeSchedules
from infra.task_tokens import TaskTokens, allow_task_results
from infra.workflow import UpgradeWorkflow, state_machine_arns

NOTIFY_FUNCTION = "NotifyFunction"
PREFLIGHT_FUNCTION = "PreflightFunction"
POST_UPGRADE_FUNCTION = "PostUpgradeFunction"
CONSISTENCY_CHECK_FUNCTION = "ConsistencyCheckFunction"
SWITCHOVER_PROBE_FUNCTION = "SwitchoverProbeFunction"
REQUEST_APPROVAL_FUNCTION = "RequestApprovalFunction"
AWAIT_CHANGE_FUNCTION = "AwaitChangeFunction"

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
    SWITCHOVER_PROBE_FUNCTION: "switchover_probe.handler.handler",
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
    POST_UPGRADE_FUNCTION: "post_upgrade.handler.handler",
    CONSISTENCY_CHECK_FUNCTION: "consistency.handler.handler",
    REQUEST_APPROVAL_FUNCTION: "approval.handler.request",
    "AbandonBlueGreenFunction": "blue_green.handler.abandon",
    AWAIT_CHANGE_FUNCTION: "waits.handler.register",
}

# construct id (also the fleet ASL placeholder "${<id>Arn}") -> handler inside lambdas/
FLEET_PLAN_FUNCTION = "FleetPlanFunction"
FLEET_FINISH_WAVE_FUNCTION = "FleetFinishWaveFunction"
FLEET_PREFLIGHT_TABLE_FUNCTION = "FleetPreflightTableFunction"
FLEET_HANDLERS: Mapping[str, str] = {
    FLEET_PLAN_FUNCTION: "fleet.handler.plan",
    "FleetStartWaveFunction": "fleet.handler.start_wave",
    FLEET_FINISH_WAVE_FUNCTION: "fleet.handler.finish_wave",
    FLEET_PREFLIGHT_TABLE_FUNCTION: "fleet.handler.preflight_table",
    "FleetFailedFunction": "fleet.handler.failed",
}

# functions started by something else than the state machine: EventBridge, a function URL, SNS
WAKE_FUNCTION = "WakeFunction"
APPROVAL_DECISION_FUNCTION = "ApprovalDecisionFunction"
SLACK_WEBHOOK_FUNCTION = "SlackWebhookFunction"
EVENT_HANDLERS: Mapping[str, str] = {
    WAKE_FUNCTION: "waits.handler.wake",
    APPROVAL_DECISION_FUNCTION: "approval_decision.handler.decide",
    SLACK_WEBHOOK_FUNCTION: "slack.handler.handler",
}

# (memory MB, timeout) where the factory's default (256 MB, 2 minutes) is not enough
SIZES: Mapping[str, tuple[int, Duration]] = {
    POST_UPGRADE_FUNCTION: (512, Duration.minutes(15)),  # ANALYZE of every database
    CONSISTENCY_CHECK_FUNCTION: (MEMORY_MB, Duration.minutes(10)),  # row counts on blue and green
    # writes while the switchover runs; its deadline (statemachines/upgrade.asl.json) ends it before this timeout
    SWITCHOVER_PROBE_FUNCTION: (MEMORY_MB, Duration.minutes(15)),
}

TOPIC_KEY_REASON = (
    "CDK's topic.grant_publish on a KMS-encrypted topic grants kms:Decrypt and kms:GenerateDataKey* on the "
    "topic's own key only (the Resource is that one key); publishing to an SSE-KMS topic needs a data key."
)


class AuroraUpgradeStack(Stack):
    """Environment-agnostic: no account/Region, no lookups; RDS access limited to the configured clusters."""

    def __init__(self, scope: Construct, construct_id: str, *, config: DeploymentConfig, **kwargs: Any) -> None:
        super().__init__(
            scope,
            construct_id,
            description="Aurora PostgreSQL major version upgrades: blue/green, in place, rollback",
            **kwargs,
        )
        self._config = config
        # the clusters and secrets the roles are scoped to, read by the simulator (simulator/engine/configuration.py)
        self.template_options.metadata = {
            "AuroraUpgrade": {
                "clusters": list(config.cluster_ids),
                "secrets": list(config.database_access.secret_arns),
            }
        }
        self._factory = StepFunctionFactory(self, trace_aws_calls=config.trace_aws_calls)
        slack = config.notifications.slack
        notifications = Notifications(self, "Notifications", emails=config.emails, chatbot_channel=slack.chatbot)
        topic = notifications.topic
        tokens = TaskTokens(self, "TaskTokens")
        undelivered = dead_letter_queue(self, "DeadLetterQueue")
        database = DatabaseAccess(self, config)
        reports = Reports(self, "Reports", expire_after_days=config.reports.expire_after_days)
        token_table = {"TOKEN_TABLE": tokens.table.table_name}
        signing = {"APPROVAL_SIGNING_SECRET_ARN": tokens.signing_secret.secret_arn}

        # approval links and RDS events end waits: created first, the request function needs the URL
        # its URL is public: reserved concurrency caps what a flood of requests can cost and keeps it from using
        # the account's unreserved concurrency (Lambda Developer Guide, "Configuring reserved concurrency"; a
        # function URL serves at most 10 requests per second per unit of it, "Invoking Lambda function URLs")
        decision = self._function(
            APPROVAL_DECISION_FUNCTION,
            EVENT_HANDLERS,
            {**token_table, **signing},
            reserved_concurrency=config.approval_reserved_concurrency,
        )
        # GET reads the item; POST deletes it (the lock), and puts it back if Step Functions was not reached
        tokens.allow(decision, "Query", "DeleteItem", "PutItem")
        tokens.allow_signing(decision)
        allow_task_results(decision)
        # NONE: the links are opened from a mail or chat client, which cannot sign with IAM; each link carries
        # an HMAC-SHA256 signature (approval signing key) over id, decision and expiry, checked before anything
        # else, and only a POST decides (docs/approval.md). No cdk-nag AwsSolutions rule covers function URLs.
        approval_url = decision.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)

        wake = self._function(WAKE_FUNCTION, EVENT_HANDLERS, token_table)
        tokens.allow(wake, "Query", "DeleteItem")
        allow_task_results(wake)

        environments: dict[str, Mapping[str, str]] = {
            NOTIFY_FUNCTION: {"TOPIC_ARN": topic.topic_arn, "CLUSTERS": ",".join(config.cluster_ids)},
            REQUEST_APPROVAL_FUNCTION: {
                **token_table,
                **signing,
                "APPROVAL_URL": approval_url.url,
                "TOPIC_ARN": topic.topic_arn,
            },
            AWAIT_CHANGE_FUNCTION: token_table,
            PREFLIGHT_FUNCTION: {"REPORT_BUCKET": reports.bucket.bucket_name},
            POST_UPGRADE_FUNCTION: {"REPORT_BUCKET": reports.bucket.bucket_name},
        }
        extras = {
            "RestoreClusterFunction": rds_may_use_customer_keys(),
            "CreateBlueGreenFunction": rds_may_use_customer_keys(),
            NOTIFY_FUNCTION: safety_net_history(),
            PREFLIGHT_FUNCTION: database.for_preflight(),
            POST_UPGRADE_FUNCTION: database.for_green_steps(),
            CONSISTENCY_CHECK_FUNCTION: database.for_green_steps(),
            SWITCHOVER_PROBE_FUNCTION: database.for_switchover_probe(),
        }
        steps = {
            function_id: self._function(
                function_id, STEP_HANDLERS, environments.get(function_id), extras.get(function_id)
            )
            for function_id in STEP_HANDLERS
        }
        for publisher in (steps[NOTIFY_FUNCTION], steps[REQUEST_APPROVAL_FUNCTION]):
            self._may_publish(topic, publisher)
        for writer in (steps[PREFLIGHT_FUNCTION], steps[POST_UPGRADE_FUNCTION]):
            reports.allow_writing(writer, _role(writer))
        # a retried request finds its own item (same links, same expiry) before it writes
        tokens.allow(steps[REQUEST_APPROVAL_FUNCTION], "Query", "PutItem")
        tokens.allow_signing(steps[REQUEST_APPROVAL_FUNCTION])
        tokens.allow(steps[AWAIT_CHANGE_FUNCTION], "PutItem")
        allow_task_results(steps[AWAIT_CHANGE_FUNCTION])

        workflow = UpgradeWorkflow(self, "Workflow", functions=steps)
        machine = workflow.state_machine

        fleet = self._fleet(machine, topic.topic_arn, reports)
        for publisher in fleet.values():
            self._may_publish(topic, publisher)

        EventRules(
            self,
            "Events",
            state_machine_arn=machine.state_machine_arn,
            cluster_ids=config.cluster_ids,
            notifier=steps[NOTIFY_FUNCTION],
            wake=wake,
            dead_letter_queue=undelivered,
        )
        event_driven = [steps[NOTIFY_FUNCTION], wake]
        if config.scheduled or config.scheduled_fleets:
            UpgradeSchedules(
                self,
                "Schedules",
                entries=config.scheduled,
                state_machine=machine,
                dead_letter_queue=undelivered,
                fleets=config.scheduled_fleets,
                fleet_state_machine=self.fleet_state_machine,
            )
        if slack.webhook_secret_arn:
            webhook = self._slack_webhook_function(slack.webhook_secret_arn)
            notifications.subscribe(webhook)
            event_driven.append(webhook)
        for function in event_driven:
            # what fails after Lambda's own retries of an asynchronous invocation is kept, not dropped
            function.configure_async_invoke(on_failure=destinations.SqsDestination(undelivered), retry_attempts=2)

        CfnOutput(
            self,
            "StateMachineArn",
            value=machine.state_machine_arn,
            description="Start an upgrade: aws stepfunctions start-execution --state-machine-arn <this> --input ...",
        )
        CfnOutput(
            self,
            "FleetStateMachineArn",
            value=self.fleet_state_machine.state_machine_arn,
            description="Start a fleet upgrade in waves (README, Fleets): aws stepfunctions start-execution ...",
        )
        CfnOutput(self, "TopicArn", value=topic.topic_arn, description="Upgrade notifications")
        CfnOutput(
            self,
            "ReportBucketName",
            value=reports.bucket.bucket_name,
            description="Whole reports: reports/<cluster>/<execution>/preflight.json (and post-upgrade.json)",
        )
        CfnOutput(
            self,
            "DeadLetterQueueUrl",
            value=undelivered.queue_url,
            description="Notifications, wake-ups and scheduled starts that could not be delivered",
        )

    def _function(
        self,
        function_id: str,
        handlers: Mapping[str, str],
        environment: Mapping[str, str] | None = None,
        extra: FunctionExtras | None = None,
        reserved_concurrency: int | None = None,
    ) -> lambda_.Function:
        memory_mb, timeout = SIZES.get(function_id, (MEMORY_MB, TIMEOUT))
        return self._factory.create(
            function_id,
            handlers[function_id],
            grants_for(function_id, self._config.cluster_ids),
            environment,
            extra,
            memory_mb=memory_mb,
            timeout=timeout,
            reserved_concurrency=reserved_concurrency,
        )

    def _fleet(self, upgrade: sfn.StateMachine, topic_arn: str, reports: Reports) -> dict[str, lambda_.Function]:
        """The fleet functions and state machine; each cluster of a fleet is an execution of ``upgrade``."""
        environment = {
            "TOPIC_ARN": topic_arn,
            "CLUSTERS": ",".join(self._config.cluster_ids),
            "UPGRADE_STATE_MACHINE_ARN": upgrade.state_machine_arn,
        }
        environments = {
            function_id: environment
            if function_id != FLEET_PREFLIGHT_TABLE_FUNCTION
            else {**environment, "REPORT_BUCKET": reports.bucket.bucket_name}
            for function_id in FLEET_HANDLERS
        }
        functions = {
            function_id: self._function(function_id, FLEET_HANDLERS, environments[function_id])
            for function_id in FLEET_HANDLERS
        }
        # a failed child's last state names the step that failed (and the preflight checks that did)
        finish = functions[FLEET_FINISH_WAVE_FUNCTION]
        read_child_executions(_role(finish), finish, "states:GetExecutionHistory")
        table = functions[FLEET_PREFLIGHT_TABLE_FUNCTION]
        read_child_executions(_role(table), table)
        reports.allow_writing(table, _role(table))
        self.fleet_state_machine = FleetWorkflow(
            self, "Fleet", functions=functions, upgrade_state_machine=upgrade
        ).state_machine
        return functions

    @staticmethod
    def _may_publish(topic: sns.ITopic, publisher: lambda_.Function) -> None:
        topic.grant_publish(publisher)
        Validations.of(_role(publisher)).acknowledge(
            Acknowledgment(id="AwsSolutions-IAM5[Action::kms:GenerateDataKey*]", reason=TOPIC_KEY_REASON)
        )

    def _slack_webhook_function(self, secret_arn: str) -> lambda_.Function:
        read_webhook = iam.PolicyStatement(
            sid="ReadSlackWebhook", actions=["secretsmanager:GetSecretValue"], resources=[secret_arn]
        )
        reasons = {f"AwsSolutions-IAM5[Resource::{secret_arn}]": SECRET_SUFFIX_REASON} if "*" in secret_arn else {}
        return self._function(
            SLACK_WEBHOOK_FUNCTION,
            EVENT_HANDLERS,
            {"SLACK_WEBHOOK_SECRET_ARN": secret_arn},
            FunctionExtras(statements=(read_webhook,), reasons=reasons),
        )


CUSTOMER_KEYS_REASON = (
    "A cluster encrypted with a customer managed KMS key: restoring its snapshot and creating its green copy "
    "make RDS create a grant on that key with the caller's permissions (Aurora User Guide, AWS KMS key "
    "management: kms:CreateGrant and kms:DescribeKey). The key is the user's, not known at synth: key/* of this "
    "account and Region, only through RDS (kms:ViaService) and only for grants to AWS resources."
)


def rds_may_use_customer_keys() -> FunctionExtras:
    """kms:CreateGrant/DescribeKey on the account's keys, only when RDS asks for them on the caller's behalf."""
    via_rds = {"kms:ViaService": f"rds.{Aws.REGION}.amazonaws.com"}
    keys = [f"arn:{Aws.PARTITION}:kms:{Aws.REGION}:{Aws.ACCOUNT_ID}:key/*"]
    statements = (
        iam.PolicyStatement(
            sid="RdsGrantsOnCustomerKeys",
            actions=["kms:CreateGrant"],
            resources=keys,
            conditions={"StringEquals": via_rds, "Bool": {"kms:GrantIsForAWSResource": "true"}},
        ),
        iam.PolicyStatement(
            sid="RdsDescribesCustomerKeys",
            actions=["kms:DescribeKey"],
            resources=keys,
            conditions={"StringEquals": via_rds},
        ),
    )
    finding = "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]"
    return FunctionExtras(statements=statements, reasons={finding: CUSTOMER_KEYS_REASON})


def _role(function: lambda_.Function) -> iam.IRole:
    assert function.role is not None, "the factory always gives a function its own role"
    return function.role


HISTORY_REASON = (
    "Execution ARNs end in the execution name, unknown in advance; GetExecutionHistory is limited to executions of "
    "this stack's own upgrade state machine (the safety-net message of an aborted or timed-out run reads the run's "
    "last recorded state to say what it changed and left)."
)


def safety_net_history() -> FunctionExtras:
    """The notifier reads the history of an execution stopped from outside (ABORTED, TIMED_OUT)."""
    _, executions = state_machine_arns()
    statement = iam.PolicyStatement(
        sid="ReadStoppedRunHistory", actions=["states:GetExecutionHistory"], resources=[executions]
    )
    finding = (
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
        "<AWS::StackName>-upgrade:*]"
    )
    return FunctionExtras(statements=(statement,), reasons={finding: HISTORY_REASON})
