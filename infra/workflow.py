"""The upgrade state machine: the ASL file as written, with the step functions' ARNs substituted.

The definition is loaded inline (``DefinitionBody.from_string``) rather than as an S3 asset
so the template carries it as ``DefinitionString``: tests and the offline simulator read
the exact definition that is deployed. The ``${<id>Arn}`` placeholders are replaced by the
functions' ARN tokens here, not through ``definition_substitutions`` (which would leave the
placeholders in DefinitionString and move the ARNs to a separate DefinitionSubstitutions
map): the result is one self-contained ``Fn::Join`` with ``Fn::GetAtt [<Function>, Arn]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Acknowledgment, Aws, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

ASL_PATH = Path(__file__).resolve().parent.parent / "statemachines" / "upgrade.asl.json"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")

SERVICE_WIDE_REASON = (
    "Added by CDK for logging level ALL and tracing: the CloudWatch Logs delivery actions (CreateLogDelivery, "
    "GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, "
    "DescribeResourcePolicies, DescribeLogGroups) and X-Ray PutTraceSegments, PutTelemetryRecords, "
    "GetSamplingRules, GetSamplingTargets do not support resource-level permissions."
)


class UpgradeWorkflow(Construct):
    """STANDARD state machine with ALL-level execution logs and X-Ray tracing."""

    def __init__(self, scope: Construct, construct_id: str, *, functions: Mapping[str, lambda_.Function]) -> None:
        super().__init__(scope, construct_id)
        substitutions = {f"{function_id}Arn": function.function_arn for function_id, function in functions.items()}
        definition = substitute(ASL_PATH.read_text(encoding="utf-8"), substitutions)

        self.log_group = logs.LogGroup(self, "ExecutionLogs", retention=logs.RetentionDays.ONE_MONTH)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            # a name known before the resource exists: preflight's lock reads its executions without a reference
            # that would make the functions depend on the state machine that depends on them
            state_machine_name=state_machine_name(),
            definition_body=sfn.DefinitionBody.from_string(definition),
            state_machine_type=sfn.StateMachineType.STANDARD,
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
        )
        # one statement naming every step function (unqualified, as the definition calls them), rather
        # than grant_invoke per function: 29 statements with version wildcards overflow the inline policy
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                sid="InvokeSteps",
                actions=["lambda:InvokeFunction"],
                resources=[function.function_arn for function in functions.values()],
            )
        )
        Validations.of(self.state_machine.role).acknowledge(
            Acknowledgment(id="AwsSolutions-IAM5[Resource::*]", reason=SERVICE_WIDE_REASON)
        )


def state_machine_name() -> str:
    return f"{Aws.STACK_NAME}-upgrade"


def state_machine_arns() -> tuple[str, str]:
    """(the state machine, its executions) as ARNs built from the name."""
    prefix = f"arn:{Aws.PARTITION}:states:{Aws.REGION}:{Aws.ACCOUNT_ID}"
    return (
        f"{prefix}:stateMachine:{state_machine_name()}",
        f"{prefix}:execution:{state_machine_name()}:*",
    )


def substitute(definition: str, values: Mapping[str, str], source: Path = ASL_PATH) -> str:
    """Replace every ``${Name}``; fail synth when the ASL and the functions drift apart.

    A placeholder without a function (a typo, or a step added to the ASL but not to
    ``STEP_HANDLERS`` in infra/stack.py) and a function the definition never calls both stop synth.
    """
    used = set(_PLACEHOLDER.findall(definition))
    missing, unused = sorted(used - values.keys()), sorted(values.keys() - used)
    if missing or unused:
        raise ValueError(
            f"{source.name}: placeholders without a function (add '<id>' to the handlers in infra/stack.py for "
            f"'${{<id>Arn}}'): {missing or 'none'}; functions the definition never uses: {unused or 'none'}"
        )
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], definition)
