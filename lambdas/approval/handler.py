"""Lambda entry point of the approval request (the ``waitForTaskToken`` task that sends the links); the logic lives in
upgrade.approval.gate. The links are served by approval_decision. Neither logs the task token or a link's signature.
"""

from __future__ import annotations

from aws.dynamodb import TokenTable
from upgrade.approval import gate as approval
from upgrade.approval.links import signing_key
from upgrade.approval.settings import RequestSettings, from_environment
from upgrade.shared.runtime import Clients, logger, payload_handler


def _request(task: approval.ApprovalTask, clients: Clients) -> approval.ApprovalRequested:
    settings = from_environment(RequestSettings)
    logger.append_keys(cluster_id=task.state.input.get("cluster_id"), execution=task.state.execution.name)
    return approval.request_approval(
        task,
        TokenTable(clients.dynamodb, settings.TOKEN_TABLE),
        signing_key(clients.secrets.text(settings.APPROVAL_SIGNING_SECRET_ARN)),
        settings.APPROVAL_URL,
        clients.rds,
        clients.sns,
        settings.TOPIC_ARN,
    )


request = payload_handler("request_approval", approval.ApprovalTask, _request)
