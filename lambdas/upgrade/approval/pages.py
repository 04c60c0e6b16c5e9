"""The pages a person sees at the approval link; everything interpolated is HTML-escaped."""

from html import escape

from upgrade.approval.links import LinkFields
from upgrade.shared.base_model import Model

HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    # the page's own address carries the signed link: never hand it to another site
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;line-height:1.5}"
    "button{font-size:1.1em;padding:.5em 1.5em}.approve{background:#1d7d3a;color:#fff}"
    ".reject{background:#b3261e;color:#fff}dt{font-weight:bold}"
)


class ApprovalSubject(Model):
    """What the stored approval says about the upgrade waiting on it."""

    cluster_id: str
    source_version: str
    target_version: str
    execution: str
    expires_at: int
    switchover_timeout_seconds: int


class HtmlResponse(Model):
    status: int
    body: str
    extra_headers: dict[str, str] = {}

    def for_function_url(self, with_body: bool = True) -> dict[str, object]:
        return {
            "statusCode": self.status,
            "headers": {**HEADERS, **self.extra_headers},
            "body": self.body if with_body else "",
        }


def confirmation(subject: ApprovalSubject, link: LinkFields) -> HtmlResponse:
    """Shown for GET: says what the button will do and asks for the POST that decides."""
    approve = link.decision == "approve"
    verb = "Approve" if approve else "Reject"
    consequence = (
        f"The blue/green switchover starts: the green cluster running {subject.target_version} takes the name "
        f"and endpoints of {subject.cluster_id}. Writes stop and connections drop while it runs; if it cannot "
        f"finish within {subject.switchover_timeout_seconds} seconds it changes nothing. The old cluster is kept, "
        "renamed with an -old suffix, read-only."
        if approve
        else f"The upgrade is backed out: the blue/green deployment and its green cluster are deleted. "
        f"{subject.cluster_id} keeps running {subject.source_version}, untouched."
    )
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(str(value))}">' for name, value in link.model_dump().items()
    )
    body = (
        f"{_details(subject)}<p>{escape(consequence)}</p>"
        f'<form method="post">{hidden}'
        f'<button type="submit" class="{"approve" if approve else "reject"}">{verb} the switchover</button></form>'
        "<p>Nothing has been decided yet: only this button decides. The link works once.</p>"
    )
    return HtmlResponse(status=200, body=_page(f"{verb} the switchover of {subject.cluster_id}?", body))


def decided(subject: ApprovalSubject, decision: str) -> HtmlResponse:
    outcome = (
        f"Approved. The switchover of {subject.cluster_id} to {subject.target_version} starts now."
        if decision == "approve"
        else f"Rejected. The upgrade is being backed out; {subject.cluster_id} stays on {subject.source_version}."
    )
    return HtmlResponse(
        status=200,
        body=_page("Decision recorded", f"{_details(subject)}<p>{escape(outcome)}</p>"),
    )


def problem(status: int, title: str, text: str, extra_headers: dict[str, str] | None = None) -> HtmlResponse:
    return HtmlResponse(status=status, body=_page(title, f"<p>{escape(text)}</p>"), extra_headers=extra_headers or {})


def _details(subject: ApprovalSubject) -> str:
    rows = {
        "Cluster": subject.cluster_id,
        "Upgrade": f"{subject.source_version} \u2192 {subject.target_version}",
        "Execution": subject.execution.rsplit(":", 1)[-1],
    }
    return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows.items()) + "</dl>"


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )
