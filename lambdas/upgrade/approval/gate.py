"""The approval gate before a blue/green switchover: ask a person, then hand their decision to the workflow.

``request_approval`` runs as the ``waitForTaskToken`` task: it stores the task token under an id
derived from it and sends signed approve/reject links. ``decide`` serves those links (a Lambda
function URL): GET only shows a confirmation page, because mail scanners and link previews fetch
links; the POST of that page decides. Each approval is used once: the item is deleted (and its
token taken) by the first decision, so a replayed or second click finds nothing.
"""

import base64
import binascii
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from pydantic import ConfigDict, Field, ValidationError

from aws.dynamodb import TokenTable
from aws.rds import Rds
from aws.sns import Sns
from aws.stepfunctions import StepFunctions
from upgrade.approval import pages as approval_pages
from upgrade.approval.links import DECISIONS, LinkFields, link_url, nonce_for, parse_fields, signed, verify
from upgrade.approval.pages import ApprovalSubject, HtmlResponse
from upgrade.notifications import notifier as notify
from upgrade.notifications.messages import ApprovalLinks
from upgrade.shared import clock
from upgrade.shared.base_model import Model
from upgrade.shared.errors import ApprovalGone, ApprovalLinkInvalid, ApprovalLinkMalformed, TransientError
from upgrade.shared.models import WorkflowState

SORT_KEY = "approval"
_MAX_BODY = 4096
_ALLOWED = "GET, HEAD, POST"


class ApprovalTask(Model):
    """The payload of the ``waitForTaskToken`` task: ``{"token.$": "$$.Task.Token", "state.$": "$"}``."""

    token: str = Field(min_length=1, max_length=1024)
    state: WorkflowState


class ApprovalRequested(Model):
    nonce: str
    expires_at: int  # epoch seconds; also the item's TTL


def partition_key(nonce: str) -> str:
    return f"approval#{nonce}"


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


class _Http(Model):
    method: str
    sourceIp: str | None = None


class _RequestContext(Model):
    http: _Http


class FunctionUrlEvent(Model):
    """The parts of a function URL request (payload format 2.0) the gate reads."""

    model_config = ConfigDict(extra="ignore")

    requestContext: _RequestContext
    headers: dict[str, str] = {}
    queryStringParameters: dict[str, str] | None = None
    body: str | None = None
    isBase64Encoded: bool = False

    @property
    def method(self) -> str:
        return self.requestContext.http.method.upper()

    def form(self) -> dict[str, str]:
        """The POSTed form; a field given twice is refused rather than guessed."""
        content_type = {k.lower(): v for k, v in self.headers.items()}.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            raise ApprovalLinkMalformed("the decision must be posted as application/x-www-form-urlencoded")
        raw = self.body or ""
        try:
            text = base64.b64decode(raw, validate=True).decode() if self.isBase64Encoded else raw
            if len(text) > _MAX_BODY:
                raise ApprovalLinkMalformed("the posted form is too large")
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=16)
        except (binascii.Error, UnicodeDecodeError, ValueError) as error:
            raise ApprovalLinkMalformed("the posted form cannot be read") from error
        fields = dict(pairs)
        if len(fields) != len(pairs):
            raise ApprovalLinkMalformed("a field of the posted form is repeated")
        return fields


class Decided(Model):
    """What ``decide`` did: the page to answer with, and for the log what happened (never token or signature)."""

    page: HtmlResponse
    status: int
    method: str
    nonce: str | None = None
    decision: str | None = None
    cluster_id: str | None = None
    execution: str | None = None
    outcome: str


def decide(event: dict[str, Any], table: TokenTable, stepfunctions: StepFunctions, key: bytes) -> Decided:
    """Serve one request to the approval URL: GET/HEAD confirm, POST decides; every refusal is a page."""
    try:
        request = FunctionUrlEvent.model_validate(event)
    except ValidationError:
        return _refused(ApprovalLinkMalformed("not a function URL request"), "?")
    method = request.method
    if method not in ("GET", "HEAD", "POST"):
        page = approval_pages.problem(405, "Method not allowed", "Open the link from the message.", {"Allow": _ALLOWED})
        return Decided(page=page, status=405, method=method, outcome="method not allowed")
    fields: LinkFields | None = None
    try:
        fields = parse_fields(request.form() if method == "POST" else request.queryStringParameters or {})
        verify(fields, key, clock.now().timestamp())
        if method == "POST":
            return _decide(fields, request, table, stepfunctions)
        return _confirm(fields, method, table)
    except (ApprovalLinkMalformed, ApprovalLinkInvalid, ApprovalGone, TransientError) as error:
        return _refused(error, method, fields)


def _confirm(fields: LinkFields, method: str, table: TokenTable) -> Decided:
    """Reads, never writes: fetching the link (a person, a scanner, a preview) changes nothing."""
    stored = [item for item in table.items(partition_key(fields.id)) if item.get("sk") == SORT_KEY]
    if not stored:
        raise ApprovalGone("this approval was already decided or has expired")
    subject = _subject(stored[0])
    return _record(approval_pages.confirmation(subject, fields), method, fields, subject, "confirmation shown")


def _decide(fields: LinkFields, request: FunctionUrlEvent, table: TokenTable, stepfunctions: StepFunctions) -> Decided:
    # the delete is the lock: of two concurrent clicks only one gets the item back
    item = table.take(partition_key(fields.id), SORT_KEY)
    if item is None:
        raise ApprovalGone("this approval was already decided or has expired")
    subject = _subject(item)
    now = clock.now()
    if now.timestamp() >= subject.expires_at:
        return _refused(ApprovalGone("this approval has expired"), "POST", fields, subject)
    output = {
        "decision": fields.decision,
        "decided_at": now.isoformat(timespec="seconds"),
        "source_ip": request.requestContext.http.sourceIp,
    }
    try:
        delivered = stepfunctions.send_task_success(str(item["task_token"]), output)
    except Exception:
        table.put(partition_key(fields.id), SORT_KEY, {k: v for k, v in item.items() if k not in ("pk", "sk")})
        raise  # not delivered: the item is back, so the same link can be used again
    if not delivered:
        gone = ApprovalGone("the workflow no longer waits for this decision (it timed out or ended)")
        return _refused(gone, "POST", fields, subject)
    return _record(approval_pages.decided(subject, fields.decision), "POST", fields, subject, "decided")


def _subject(item: dict[str, str | int]) -> ApprovalSubject:
    return ApprovalSubject.model_validate(item, strict=False)


def _record(page: HtmlResponse, method: str, fields: LinkFields, subject: ApprovalSubject, outcome: str) -> Decided:
    return Decided(
        page=page,
        status=page.status,
        method=method,
        nonce=fields.id,
        decision=fields.decision,
        cluster_id=subject.cluster_id,
        execution=subject.execution,
        outcome=outcome,
    )


_REFUSALS: dict[type[Exception], tuple[int, str, str | None]] = {
    ApprovalLinkMalformed: (400, "This request cannot be read", None),
    ApprovalLinkInvalid: (403, "This link is not valid", "Use the link exactly as the message gave it."),
    ApprovalGone: (410, "This approval is no longer open", None),
    TransientError: (503, "Try again in a minute", "AWS is busy right now; nothing was decided. Use the link again."),
}


def _refused(
    error: Exception, method: str, fields: LinkFields | None = None, subject: ApprovalSubject | None = None
) -> Decided:
    kind = next(kind for kind in _REFUSALS if isinstance(error, kind))
    status, title, text = _REFUSALS[kind]
    page = approval_pages.problem(status, title, text or str(error))
    return Decided(
        page=page,
        status=status,
        method=method,
        nonce=fields.id if fields else None,
        decision=fields.decision if fields else None,
        cluster_id=subject.cluster_id if subject else None,
        execution=subject.execution if subject else None,
        outcome=f"{type(error).__name__}: {error}",
    )
