"""The one factory for every step Lambda: same runtime, layer, logging, tracing and IAM shape.

Each function gets its own role (no AWS managed policy) holding only its own grants, and
its own log group with a retention, so the blast radius of one step is that step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm

from infra.permissions.grants import Grant, acknowledgments

LAMBDAS_DIR = Path(__file__).resolve().parent.parent / "lambdas"

# AWS publishes the Powertools layer ARN per Region in public SSM parameters; CloudFormation
# resolves it at deploy time, so synth needs no lookup. The layer also ships pydantic v2.
POWERTOOLS_LAYER_PARAMETER = "/aws/service/powertools/python/arm64/python3.12/3.37.0"

RUNTIME = lambda_.Runtime.PYTHON_3_12
MEMORY_MB = 256
TIMEOUT = Duration.minutes(2)
LOG_RETENTION = logs.RetentionDays.ONE_MONTH
POWERTOOLS_ENVIRONMENT: Mapping[str, str] = {
    "POWERTOOLS_SERVICE_NAME": "aurora-upgrade",
    "POWERTOOLS_METRICS_NAMESPACE": "AuroraUpgrade",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}
# pydantic looks for plugins (package entry points of the group "pydantic") when it builds its first validator,
# reading the metadata of every distribution on sys.path; the handlers use none, so every cold start skips the
# search: https://docs.pydantic.dev/latest/concepts/plugins/ ("Disabling plugins", PYDANTIC_DISABLE_PLUGINS)
PYDANTIC_ENVIRONMENT: Mapping[str, str] = {"PYDANTIC_DISABLE_PLUGINS": "__all__"}

RUNTIME_REASON = (
    "python3.12 is deliberate: the Powertools managed layer referenced is its python3.12 arm64 build "
    "(/aws/service/powertools/python/arm64/python3.12/...) and the handlers' type checks target 3.12; "
    "a newer runtime means changing the layer parameter with it."
)
XRAY_REASON = (
    "Tracing.ACTIVE adds xray:PutTraceSegments and xray:PutTelemetryRecords, which do not support "
    "resource-level permissions (Resource must be *)."
)


class StepFunctionFactory:
    """Builds the step Lambdas of one stack; they share one code asset and one layer reference."""

    def __init__(self, stack: Stack, trace_aws_calls: bool = False) -> None:
        self._stack = stack
        self._environment = {
            **POWERTOOLS_ENVIRONMENT,
            **PYDANTIC_ENVIRONMENT,
            # read by upgrade.shared.runtime at import: Powertools' Tracer (and the X-Ray SDK) only when asked for
            "TRACE_AWS_CALLS": "true" if trace_aws_calls else "false",
        }
        # one asset for every step: the handlers share the `upgrade` and `aws` packages
        self._code = lambda_.Code.from_asset(str(LAMBDAS_DIR), exclude=["**/__pycache__", "**/*.pyc"])
        layer_arn = ssm.StringParameter.value_for_string_parameter(stack, POWERTOOLS_LAYER_PARAMETER)
        self._powertools = lambda_.LayerVersion.from_layer_version_arn(stack, "PowertoolsLayer", layer_arn)

    def create(
        self,
        construct_id: str,
        handler: str,
        grants: Iterable[Grant],
        environment: Mapping[str, str] | None = None,
        extra: FunctionExtras | None = None,
        *,
        memory_mb: int = MEMORY_MB,
        timeout: Duration = TIMEOUT,
        reserved_concurrency: int | None = None,
    ) -> lambda_.Function:
        grants = tuple(grants)
        role = iam.Role(
            self._stack,
            f"{construct_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of {construct_id} (aurora-upgrade): its own log group, X-Ray, its RDS grants",
        )
        log_group = logs.LogGroup(self._stack, f"{construct_id}LogGroup", retention=LOG_RETENTION)
        function = lambda_.Function(
            self._stack,
            construct_id,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            code=self._code,
            handler=handler,
            memory_size=memory_mb,
            timeout=timeout,
            tracing=lambda_.Tracing.ACTIVE,
            layers=[self._powertools, *(extra.layers if extra else ())],
            log_group=log_group,
            role=role,
            environment={**self._environment, **(environment or {})},
            reserved_concurrent_executions=reserved_concurrency,
        )
        log_group.grant_write(role)
        for grant in grants:
            role.add_to_policy(grant.statement())
        reasons = {"AwsSolutions-IAM5[Resource::*]": XRAY_REASON}
        if extra:
            for statement in extra.statements:
                role.add_to_policy(statement)
            reasons = _merged(reasons, extra.reasons)
            if extra.subnet_ids:
                # escape hatch: the L2 wants an IVpc, which needs a lookup; the ids are all Lambda needs
                cfn = function.node.default_child
                assert isinstance(cfn, lambda_.CfnFunction)
                cfn.vpc_config = lambda_.CfnFunction.VpcConfigProperty(
                    subnet_ids=list(extra.subnet_ids), security_group_ids=list(extra.security_group_ids)
                )
        _acknowledge(role, acknowledgments(grants), extra=reasons)
        Validations.of(function).acknowledge(Acknowledgment(id="AwsSolutions-L1", reason=RUNTIME_REASON))
        return function


@dataclass(frozen=True)
class FunctionExtras:
    """What one function needs beyond the common setup: layers, non-RDS statements (with reasons), VPC."""

    layers: tuple[lambda_.ILayerVersion, ...] = ()
    statements: tuple[iam.PolicyStatement, ...] = ()
    reasons: Mapping[str, str] = field(default_factory=dict)
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()


def _merged(first: Mapping[str, str], second: Mapping[str, str]) -> dict[str, str]:
    merged = dict(first)
    for finding, reason in second.items():
        merged[finding] = f"{merged[finding]} | {reason}" if finding in merged else reason
    return merged


def _acknowledge(scope: iam.Role, findings: Mapping[str, str], extra: Mapping[str, str]) -> None:
    """Acknowledge each finding once, joining the reasons when several statements share it."""
    merged = dict(findings)
    for finding, reason in extra.items():
        merged[finding] = f"{merged[finding]} | {reason}" if finding in merged else reason
    Validations.of(scope).acknowledge(*(Acknowledgment(id=rule, reason=reason) for rule, reason in merged.items()))
