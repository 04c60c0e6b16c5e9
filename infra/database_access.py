"""What the functions that reach databases need: the driver, the secrets, the Data API, a VPC.

Four steps run SQL: preflight (the in-database checks, and the switchover probe's heartbeat table), post-upgrade
(ANALYZE, extension updates), the consistency check (blue against green before switchover) and the switchover
probe (a write through the cluster endpoint every half second while the switchover runs). They share the
driver layer, the configured secrets and the VPC placement; the Data API grant follows
where each one connects (the post-upgrade and consistency steps also reach green).
"""

from __future__ import annotations

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from infra.config import DeploymentConfig
from infra.driver_layer import database_driver_layer
from infra.functions import FunctionExtras
from infra.workflow import state_machine_arns

GREEN_DATA_API_REASON = (
    "Before switchover the statements also run on green, which RDS names <cluster>-green-<random suffix>; the "
    "Data API grant covers that prefix under each configured cluster id only."
)
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


class DatabaseAccess:
    """Builds the extras of each database step; the driver layer is one asset shared by them."""

    def __init__(self, stack: Stack, config: DeploymentConfig) -> None:
        self._stack = stack
        self._config = config
        self._layer: lambda_.ILayerVersion | None = None

    def for_preflight(self) -> FunctionExtras:
        """Checks on the configured clusters, plus the lock: one upgrade per cluster at a time."""
        machine, executions = state_machine_arns()
        lock = (
            # one upgrade per cluster: preflight reads the state machine's running executions
            iam.PolicyStatement(sid="ListRunningUpgrades", actions=["states:ListExecutions"], resources=[machine]),
            iam.PolicyStatement(
                sid="ReadRunningUpgrades", actions=["states:DescribeExecution"], resources=[executions]
            ),
        )
        reasons = {
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:"
            "<AWS::StackName>-upgrade:*]": EXECUTIONS_REASON
        }
        return self._extras(lock, reasons, reach_green=False)

    def for_switchover_probe(self) -> FunctionExtras:
        """The write probe: direct sessions to the cluster endpoint only (no Data API: it is not the endpoint)."""
        return self._extras((), {}, reach_green=False, data_api=False)

    def for_green_steps(self) -> FunctionExtras:
        """Post-upgrade and consistency: the configured clusters and their green copies."""
        return self._extras((), {}, reach_green=True)

    def _extras(
        self,
        statements: tuple[iam.PolicyStatement, ...],
        reasons: dict[str, str],
        *,
        reach_green: bool,
        data_api: bool = True,
    ) -> FunctionExtras:
        access = self._config.database_access
        clusters = self._config.cluster_ids
        arns = [_cluster_arn(cluster) for cluster in clusters]
        if reach_green:
            arns += [_cluster_arn(f"{cluster}-green-*") for cluster in clusters]
            reasons = {
                **reasons,
                **{
                    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:cluster:"
                    f"{cluster}-green-*]": GREEN_DATA_API_REASON
                    for cluster in clusters
                },
            }
        found = list(statements)
        if data_api:
            found.insert(
                0, iam.PolicyStatement(sid="RunStatements", actions=["rds-data:ExecuteStatement"], resources=arns)
            )
        if access.secret_arns:
            found.append(
                iam.PolicyStatement(
                    sid="ReadDatabaseCredentials",
                    actions=["secretsmanager:GetSecretValue"],
                    resources=list(access.secret_arns),
                )
            )
            reasons.update(
                {
                    f"AwsSolutions-IAM5[Resource::{arn}]": SECRET_SUFFIX_REASON
                    for arn in access.secret_arns
                    if "*" in arn
                }
            )
        if access.subnet_ids:
            found.append(
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
            layers=(self._driver_layer(),),
            statements=tuple(found),
            reasons=reasons,
            subnet_ids=access.subnet_ids,
            security_group_ids=access.security_group_ids,
        )

    def _driver_layer(self) -> lambda_.ILayerVersion:
        if self._layer is None:
            self._layer = database_driver_layer(self._stack, "DatabaseDriverLayer")
        return self._layer


def _cluster_arn(name: str) -> str:
    return f"arn:{Aws.PARTITION}:rds:{Aws.REGION}:{Aws.ACCOUNT_ID}:cluster:{name}"
