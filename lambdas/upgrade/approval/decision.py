"""The decision on an approval (``upgrade.approval.gate`` asks for it): the Lambda function URL that serves the
signed links, in its own function so that a person's click loads neither the notifications nor the workflow state.

GET only shows a confirmation page, because mail scanners and link previews fetch links; the POST of that page
decides. Each approval is used once: the item is deleted (and its token taken) by the first decision, so a
replayed or second click finds nothing.
"""

import base64
import binascii
from typing import Any
from urllib.parse import parse_qsl

from pydantic import ConfigDict, ValidationError

from aws.dynamodb import TokenTable
from aws.stepfunctions import StepFunctions
from upgrade.approval import pages as approval_pages
from upgrade.approval.links import SORT_KEY, LinkFields, parse_fields, partition_key, verify
from upgrade.approval.pages import ApprovalSubject, HtmlResponse
from upgrade.shared import clock
from upgrade.shared.base_model import Model
from upgrade.shared.errors import ApprovalGone, ApprovalLinkInvalid, ApprovalLinkMalformed, TransientError

_MAX_BODY = 4096
_ALLOWED = "GET, HEAD, POST"


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
