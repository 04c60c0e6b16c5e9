"""The approval gate before a blue/green switchover: ask a person (``upgrade.approval.decision`` hands their
decision to the workflow).

``request_approval`` runs as the ``waitForTaskToken`` task: it stores the task token under an id
derived from it and sends signed approve/reject links.
"""

from datetime import UTC, datetime

from pydantic import Field

from aws.dynamodb import TokenTable
from aws.rds import Rds
from aws.sns import Sns
from upgrade.approval.links import DECISIONS, SORT_KEY, link_url, nonce_for, partition_key, signed
from upgrade.notifications import notifier as notify
from upgrade.notifications.messages import ApprovalLinks
from upgrade.shared import clock
from upgrade.shared.base_model import Model
from upgrade.shared.models import WorkflowState


class ApprovalTask(Model):
    """The payload of the ``waitForTaskToken`` task: ``{"token.$": "$$.Task.Token", "state.$": "$"}``."""

    token: str = Field(min_length=1, max_length=1024)
    state: WorkflowState


class ApprovalRequested(Model):
    nonce: str
    expires_at: int  # epoch seconds; also the item's TTL


def request_approval(
    task: ApprovalTask, table: TokenTable, key: bytes, approval_url: str, rds: Rds, sns: Sns, topic_arn: str
) -> ApprovalRequested:
    """Store the token and send the links; a retry finds its own item and sends the same links again."""
    state = task.state
    plan, request = state.require_plan(), state.request
    nonce = nonce_for(task.token, key)
    earlier = [item for item in table.items(partition_key(nonce)) if item.get("sk") == SORT_KEY]
    # the plan's timeout is the one the state machine applies to this task (TimeoutSecondsPath)
    expires_at = (
        int(earlier[0]["expires_at"]) if earlier else int(clock.now().timestamp()) + plan.approval_timeout_seconds
    )
    table.put(
        partition_key(nonce),
        SORT_KEY,
        {
            "task_token": task.token,
            "execution": state.execution.id or state.execution.name,
            "cluster_id": request.cluster_id,
            "source_version": plan.source_version,
            "target_version": plan.target_version,
            "switchover_timeout_seconds": request.switchover_timeout_seconds,
            "expires_at": expires_at,
        },
    )
    links = approval_links(task.token, nonce, expires_at, key, approval_url)
    notify.notify_milestone(state, "awaiting_approval", rds, sns, topic_arn, approval=links)
    return ApprovalRequested(nonce=nonce, expires_at=expires_at)


def approval_links(token: str, nonce: str, expires_at: int, key: bytes, approval_url: str) -> ApprovalLinks:
    urls = {decision: link_url(approval_url, signed(nonce, decision, expires_at, key)) for decision in DECISIONS}
    return ApprovalLinks(
        approve_url=urls["approve"],
        reject_url=urls["reject"],
        expires_at=datetime.fromtimestamp(expires_at, UTC).isoformat(),
        cli_approve=cli_command(token, "approve"),
        cli_reject=cli_command(token, "reject"),
    )


def cli_command(token: str, decision: str) -> str:
    quoted = "'" + token.replace("'", "'\"'\"'") + "'"
    return f'aws stepfunctions send-task-success --task-token {quoted} --task-output \'{{"decision":"{decision}"}}\''
