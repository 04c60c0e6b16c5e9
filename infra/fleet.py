"""The fleet state machine: many clusters upgraded in waves, each cluster a child execution of the upgrade.

Loaded inline like the upgrade's (infra/workflow.py), with the fleet functions' ARNs and the upgrade state
machine's ARN substituted. Each cluster runs as ``arn:aws:states:::states:startExecution.sync:2``: the child's
history is its own (it does not count against the fleet's 25,000 events) and its behaviour is the upgrade's.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Acknowledgment, Aws, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.workflow import SERVICE_WIDE_REASON, state_machine_arns, substitute

FLEET_ASL_PATH = Path(__file__).resolve().parent.parent / "statemachines" / "fleet.asl.json"

# The rule Step Functions manages to hear of a child execution's end for ".sync" (Step Functions Developer Guide,
# "IAM policies for starting a nested workflow", Synchronous: events:PutTargets, PutRule and DescribeRule on it)
SYNC_EVENTS_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule"

# how cdk-nag prints the upgrade state machine's executions ARN in a finding id (its flattened Fn::Join)
UPGRADE_EXECUTIONS_NAG_TEXT = (
    "arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<AWS::StackName>-upgrade:*"
)
CHILD_EXECUTIONS_REASON = (
    "A fleet waits for each child execution of the upgrade state machine (startExecution.sync:2): Step Functions "
    "describes it and stops it if the fleet is stopped (Developer Guide, IAM policies for starting a nested "
    "workflow: states:DescribeExecution and states:StopExecution on execution:<state machine>:*). Execution names "
    "are per cluster and target, so the ARN ends in a wildcard, limited to this stack's upgrade state machine."
)
READ_CHILDREN_REASON = (
    "The fleet reads how each cluster's child execution ended (its error, or its preflight report summary) by "
    "name; execution ARNs end in the name, so the resource is execution:<the upgrade state machine>:*."
)


class FleetWorkflow(Construct):
    """STANDARD state machine, ALL-level execution logs and X-Ray tracing, like the upgrade's."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.Function],
        upgrade_state_machine: sfn.IStateMachine,
    ) -> None:
        super().__init__(scope, construct_id)
        values = {f"{function_id}Arn": function.function_arn for function_id, function in functions.items()}
        values["UpgradeStateMachineArn"] = upgrade_state_machine.state_machine_arn
        definition = substitute(FLEET_ASL_PATH.read_text(encoding="utf-8"), values, FLEET_ASL_PATH)

        self.log_group = logs.LogGroup(self, "ExecutionLogs", retention=logs.RetentionDays.ONE_MONTH)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=f"{Aws.STACK_NAME}-fleet",
            definition_body=sfn.DefinitionBody.from_string(definition),
            state_machine_type=sfn.StateMachineType.STANDARD,
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
        )
        _, executions = state_machine_arns()
        for statement in (
            iam.PolicyStatement(
                sid="InvokeFleetSteps",
                actions=["lambda:InvokeFunction"],
                resources=[function.function_arn for function in functions.values()],
            ),
            iam.PolicyStatement(
                sid="StartUpgrades",
                actions=["states:StartExecution"],
                resources=[upgrade_state_machine.state_machine_arn],
            ),
            iam.PolicyStatement(
                sid="FollowUpgrades",
                actions=["states:DescribeExecution", "states:StopExecution"],
                resources=[executions],
            ),
            iam.PolicyStatement(
                sid="HearOfUpgradesEnd",
                actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                resources=[f"arn:{Aws.PARTITION}:events:{Aws.REGION}:{Aws.ACCOUNT_ID}:rule/{SYNC_EVENTS_RULE}"],
            ),
        ):
            self.state_machine.add_to_role_policy(statement)
        Validations.of(self.state_machine.role).acknowledge(
            Acknowledgment(id="AwsSolutions-IAM5[Resource::*]", reason=SERVICE_WIDE_REASON),
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::{UPGRADE_EXECUTIONS_NAG_TEXT}]", reason=CHILD_EXECUTIONS_REASON
            ),
        )


def read_child_executions(role: iam.IRole, grantee: iam.IGrantable, *extra_actions: str) -> None:
    """states:DescribeExecution (and ``extra_actions``) on the upgrade state machine's executions."""
    _, executions = state_machine_arns()
    actions = ["states:DescribeExecution", *extra_actions]
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(sid="ReadChildExecutions", actions=actions, resources=[executions])
    )
    Validations.of(role).acknowledge(
        Acknowledgment(id=f"AwsSolutions-IAM5[Resource::{UPGRADE_EXECUTIONS_NAG_TEXT}]", reason=READ_CHILDREN_REASON)
    )
