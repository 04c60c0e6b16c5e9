"""What the preflight function needs to run the in-database checks: the driver, the secrets, the Data API, a VPC."""

from __future__ import annotations

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam

from infra.config import DeploymentConfig
from infra.driver_layer import database_driver_layer
from infra.functions import FunctionExtras
from infra.workflow import state_machine_arns

DATA_API_REASON = "rds-data:ExecuteStatement is scoped to the configured clusters' ARNs (read-only check queries)."
SECRET_SUFFIX_REASON = (
    "Secrets Manager appends a random 6-character suffix to secret ARNs; the configured secret ARNs end in * "
    "to match it. Only the secrets named in the configuration are readable."
)
EXECUTIONS_REASON = (
    "Execution ARNs end in the execution name, unknown in advance; DescribeExecution is limited to executions of "
    "this stack's own upgrade state machine (to find another upgrade of the same cluster)."
)
ENI_REASON = (
    "A Lambda function in a VPC manages its network interfaces; ec2:CreateNetworkInterface, "
    "DescribeNetworkInterfaces and DeleteNetworkInterface do not support resource-level permissions."
)


def preflight_extras(stack: Stack, config: DeploymentConfig) -> FunctionExtras:
    access = config.database_access
    cluster_arns = [f"arn:{Aws.PARTITION}:rds:{Aws.REGION}:{Aws.ACCOUNT_ID}:cluster:{c}" for c in config.clusters]
    machine, executions = state_machine_arns()
    statements = [
        iam.PolicyStatement(sid="RunCheckQueries", actions=["rds-data:ExecuteStatement"], resources=cluster_arns),
        # one upgrade per cluster: preflight reads the state machine's running executions
        iam.PolicyStatement(sid="ListRunningUpgrades", actions=["states:ListExecutions"], resources=[machine]),
        iam.PolicyStatement(sid="ReadRunningUpgrades", actions=["states:DescribeExecution"], resources=[executions]),
    ]
    reasons: dict[str, str] = {
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
        "<AWS::StackName>-upgrade:*]": EXECUTIONS_REASON
    }
    if access.secret_arns:
        statements.append(
            iam.PolicyStatement(
                sid="ReadDatabaseCredentials",
                actions=["secretsmanager:GetSecretValue"],
                resources=list(access.secret_arns),
            )
        )
        reasons.update(
            {f"AwsSolutions-IAM5[Resource::{arn}]": SECRET_SUFFIX_REASON for arn in access.secret_arns if "*" in arn}
        )
    if access.subnet_ids:
        statements.append(
            iam.PolicyStatement(
                sid="VpcNetworkInterfaces",
                actions=[
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                resources=["*"],
            )
        )
        reasons["AwsSolutions-IAM5[Resource::*]"] = ENI_REASON
    return FunctionExtras(
        layers=(database_driver_layer(stack, "DatabaseDriverLayer"),),
        statements=tuple(statements),
        reasons=reasons,
        subnet_ids=access.subnet_ids,
        security_group_ids=access.security_group_ids,
    )
