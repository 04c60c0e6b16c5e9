"""What every step handler shares: Powertools, state parsing, AWS clients, the result shape."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config
from pydantic import BaseModel

from aws.rds import Rds
from aws.secrets import Secrets

if TYPE_CHECKING:
    from aws.s3 import S3
    from aws.sns import Sns
    from aws.stepfunctions import StepFunctions
    from upgrade.shared.models import WorkflowState

# At DEBUG the AWS SDK logs whole response bodies (a GetSecretValue answer holds the database password):
# whatever level the function's logs are set to, the SDK's own loggers stay at INFO or above.
for _sdk in ("botocore", "boto3", "urllib3", "s3transfer"):
    logging.getLogger(_sdk).setLevel(max(logging.INFO, logging.getLogger(_sdk).getEffectiveLevel()))

logger = Logger(service="aurora-upgrade")
metrics = Metrics(namespace="AuroraUpgrade", service="aurora-upgrade")

# botocore's standard mode retries throttling with backoff before the ASL retries the step
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


class Clients:
    """AWS clients made on first use, inside the invocation (so tests and the simulator reach moto).

    The S3, SNS and Step Functions wrappers are imported by the property that makes them: the steps that call those
    services import them in their own modules, and the other handlers do not compile them at cold start. RDS (every
    step but the Slack one) and Secrets Manager (read at every call of the approval and Slack functions) are
    imported here."""

    @cached_property
    def rds(self) -> Rds:
        return Rds(boto3.client("rds", config=_CLIENT_CONFIG))

    @cached_property
    def sns(self) -> Sns:
        from aws.sns import Sns

        return Sns(boto3.client("sns", config=_CLIENT_CONFIG))

    @cached_property
    def s3(self) -> S3:
        from aws.s3 import S3

        return S3(boto3.client("s3", config=_CLIENT_CONFIG))

    @cached_property
    def secrets(self) -> Secrets:
        return Secrets(boto3.client("secretsmanager", config=_CLIENT_CONFIG))

    @cached_property
    def stepfunctions(self) -> StepFunctions:
        from aws.stepfunctions import StepFunctions

        return StepFunctions(boto3.client("stepfunctions", config=_CLIENT_CONFIG))

    @cached_property
    def rds_data(self) -> Any:
        return boto3.client("rds-data", config=_CLIENT_CONFIG)

    @cached_property
    def dynamodb(self) -> Any:
        return boto3.client("dynamodb", config=_CLIENT_CONFIG)


def traced(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Powertools' Tracer only when the deployment asks for it (``trace_aws_calls``, infra/config.py): importing and
    patching the X-Ray SDK costs every cold start about as much as boto3 itself. Lambda's active tracing records
    each invocation either way."""
    if os.environ.get("TRACE_AWS_CALLS", "false").lower() != "true":
        return handler
    from aws_lambda_powertools import Tracer

    traced: Callable[..., Any] = Tracer(service="aurora-upgrade").capture_lambda_handler(capture_response=False)(
        handler
    )
    return traced


Step = Callable[["WorkflowState", Clients], BaseModel]
_SUMMARY_KEYS = ("status", "ready", "in_sync", "blocked", "needed", "event", "engine_version")
Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def step_handler(name: str, step: Step) -> Handler:
    """Wrap one domain call as a Lambda handler: parse the state, call, return JSON.

    The workflow state's models are imported here, when a step's module makes its handler at cold start: the
    fleet's and the callbacks' functions (``payload_handler``) never parse the workflow state and skip them."""
    from upgrade.shared.models import WorkflowState

    @logger.inject_lambda_context(clear_state=True)
    @traced
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        state = WorkflowState.model_validate(event)
        logger.append_keys(step=name, cluster_id=state.input.get("cluster_id"), execution=state.execution.name)
        result = step(state, Clients())
        metrics.add_metric(name=f"{name}Succeeded", unit=MetricUnit.Count, value=1)
        output = result.model_dump(mode="json")
        logger.info("step done", extra={"outcome": {k: output[k] for k in _SUMMARY_KEYS if k in output}})
        return output

    wrapped: Handler = handler  # Powertools' decorators are untyped
    return wrapped


Model = TypeVar("Model", bound=BaseModel)


def payload_handler(name: str, model: type[Model], call: Callable[[Model, Clients], BaseModel]) -> Handler:
    """Like ``step_handler`` for payloads that are not the bare workflow state (callback tasks, events)."""

    @logger.inject_lambda_context(clear_state=True, log_event=False)  # task tokens are credentials
    @traced
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        logger.append_keys(step=name)
        result = call(model.model_validate(event), Clients())
        metrics.add_metric(name=f"{name}Succeeded", unit=MetricUnit.Count, value=1)
        output = result.model_dump(mode="json")
        logger.info("step done", extra={"outcome": output})
        return output

    wrapped: Handler = handler
    return wrapped


def rds_step(name: str, step: Callable[[WorkflowState, Rds], BaseModel]) -> Handler:
    """The common case: a step that needs only RDS."""
    return step_handler(name, lambda state, clients: step(state, clients.rds))
