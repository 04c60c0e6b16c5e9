"""Lambda entry point of the approval decision: the function URL that serves the signed links (GET confirms, POST
decides); the logic lives in upgrade.approval.decision. A function of its own: a person's click loads neither the
notifications nor the workflow state that the request needs. It never logs the task token or a link's signature.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from aws.dynamodb import TokenTable
from upgrade.approval import decision
from upgrade.approval.links import signing_key
from upgrade.approval.settings import DecideSettings, from_environment
from upgrade.shared.runtime import Clients, Handler, logger, metrics, traced


# log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event holds a link's signature
@logger.inject_lambda_context(clear_state=True, log_event=False)
@traced
@metrics.log_metrics
def _decide(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = from_environment(DecideSettings)
    clients = Clients()
    outcome = decision.decide(
        event,
        TokenTable(clients.dynamodb, settings.TOKEN_TABLE),
        clients.stepfunctions,
        signing_key(clients.secrets.text(settings.APPROVAL_SIGNING_SECRET_ARN)),
    )
    logger.append_keys(cluster_id=outcome.cluster_id, execution=outcome.execution)
    logger.info("approval request answered", extra={"outcome": outcome.model_dump(exclude={"page"})})
    if outcome.outcome == "decided":
        name = "ApprovalApproved" if outcome.decision == "approve" else "ApprovalRejected"
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    elif outcome.status >= 400:
        metrics.add_metric(name="ApprovalRefused", unit=MetricUnit.Count, value=1)
    return outcome.page.for_function_url(with_body=outcome.method != "HEAD")


decide: Handler = _decide  # Powertools' decorators are untyped
