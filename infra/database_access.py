"""What the preflight function needs to run the in-database checks: the driver, the secrets, the Data API, a VPC."""

from __future__ import annotations

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam

from infra.config import DeploymentConfig
from infra.driver_layer import database_driver_layer
from infra.functions import FunctionExtras

DATA_API_REASON = "rds-data:ExecuteStatement is scoped to the configured clusters' ARNs (read-only check queries)."
SECRET_SUFFIX_REASON = (
    "Secrets Manager appends a random 6-character suffix to secret ARNs; the configured secret ARNs end in * "
    "to match it. Only the secrets named in the configuration are readable."
)
ENI_REASON = (
    "A Lambda function in a VPC manages its network interfaces; ec2:CreateNetworkInterface, "
    "DescribeNetworkInterfaces and DeleteNetworkInterface do not support resource-level permissions."
)


def preflight_extras(stack: Stack, config: DeploymentConfig) -> FunctionExtras:
    access = config.database_access
    cluster_arns = [f"arn:{Aws.PARTITION}:rds:{Aws.REGION}:{Aws.ACCOUNT_ID}:cluster:{c}" for c in config.clusters]
    statements = [
        iam.PolicyStatement(sid="RunCheckQueries", actions=["rds-data:ExecuteStatement"], resources=cluster_arns)
    ]
    reasons: dict[str, str] = {}
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
