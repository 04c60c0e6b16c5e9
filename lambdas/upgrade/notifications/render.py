"""One message, three forms: plain text (email), Slack Block Kit (webhook), AWS Chatbot custom notification.

Limits respected here rather than discovered in production:
- SNS: subject ASCII, no line breaks, under 100 characters; the whole message at most 256 KB.
- Slack Block Kit: at most 50 blocks; header text 150 characters; section text 3000; a section's
  fields at most 10, 2000 characters each; context text 3000; button text 75, button url 3000.
- AWS Chatbot custom notifications: ``version`` "1.0" and ``source`` "custom" are required;
  ``content.textType`` "client-markdown"; ``title``, ``description``, ``nextSteps``, ``keywords``;
  ``metadata.threadId`` threads the messages of one execution.
"""

import json
import re
from typing import Any

from upgrade.notifications.messages import Message, NextStep
from upgrade.shared.base_model import Model

SUBJECT_PREFIX = "[aurora-upgrade] "
SUBJECT_MAX = 99
SNS_MAX_BYTES = 256 * 1024
_ATTRIBUTES_ALLOWANCE = 2 * 1024  # message attributes count towards the SNS limit too

SLACK_MAX_BLOCKS = 50
SLACK_HEADER_MAX = 150
SLACK_SECTION_MAX = 3000
SLACK_FIELD_MAX = 2000
SLACK_FIELDS_MAX = 10
SLACK_BUTTON_URL_MAX = 3000
SLACK_BODY_SECTIONS_MAX = 20  # keeps the blocks far below the SNS limit whatever the body

CHATBOT_DESCRIPTION_MAX = 3000
CHATBOT_NEXT_STEP_MAX = 1000
CHATBOT_NEXT_STEPS_MAX = 10

TRUNCATED = " [...]"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_EMOJI = {"success": ":white_check_mark:", "failure": ":x:", "warning": ":warning:", "info": ":information_source:"}


class RenderedMessage(Model):
    event: str
    cluster_id: str
    subject: str
    text: str
    blocks: list[dict[str, Any]]
    chatbot: dict[str, Any]


def render(message: Message) -> RenderedMessage:
    return RenderedMessage(
        event=message.event,
        cluster_id=message.cluster_id,
        subject=subject(message.title),
        text=email_text(message),
        blocks=slack_blocks(message),
        chatbot=chatbot_notification(message),
    )


def subject(title: str) -> str:
    """ASCII, one line, under 100 characters (SNS refuses anything else)."""
    line = _CONTROL.sub(" ", SUBJECT_PREFIX + title).encode("ascii", "replace").decode()
    return clip(line, SUBJECT_MAX, "...")


def clip(text: str, limit: int, marker: str = TRUNCATED) -> str:
    """At most ``limit`` characters; a cut is marked, and never splits an HTML entity (&amp; &lt; &gt;)."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(marker))]
    entity = cut.rfind("&")
    if entity != -1 and ";" not in cut[entity:]:
        cut = cut[:entity]
    return cut + marker


# plain text ------------------------------------------------------------------------------------------------


def email_text(message: Message) -> str:
    lines = [f"{fact.label}: {fact.value}" for fact in message.facts]
    if message.console_url:
        lines.append(f"Console: {message.console_url}")
    lines += ["", *message.body]
    if message.approval is not None:
        links = message.approval
        lines += [
            "",
            f"Approve: {links.approve_url}",
            f"Reject: {links.reject_url}",
            f"The first decision counts (the other link then stops working); the links expire at {links.expires_at}. "
            "Or from a shell with AWS credentials:",
            f"  {links.cli_approve}",
            f"  {links.cli_reject}",
        ]
    if message.next_steps:
        lines += ["", "Next steps:"]
        for step in message.next_steps:
            lines.append(f"- {step.text}")
            if step.command:
                lines.append(f"    {step.command}")
    return "\n".join(lines).rstrip() + "\n"


# Slack Block Kit -------------------------------------------------------------------------------------------


def mrkdwn_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SLACK_SECTION_MAX)}}


def _chunks(lines: list[str], limit: int) -> list[str]:
    """Consecutive lines packed into texts of at most ``limit`` characters (a longer line is clipped)."""
    chunks: list[str] = []
    current = ""
    for line in (clip(line, limit) for line in lines):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current:
            chunks.append(current)
            candidate = line
        current = candidate
    if current.strip():
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()]


def _code(command: str) -> str:
    return "```" + clip(mrkdwn_escape(command), SLACK_SECTION_MAX - 8) + "```"


def _next_step_text(step: NextStep) -> str:
    text = f"• {mrkdwn_escape(step.text)}"
    return f"{text}\n{_code(step.command)}" if step.command else text


def slack_blocks(message: Message) -> list[dict[str, Any]]:
    header = {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": clip(f"{_EMOJI[message.severity]} {message.title}", SLACK_HEADER_MAX),
            "emoji": True,
        },
    }
    fields = [
        {"type": "mrkdwn", "text": clip(f"*{fact.label}*\n{mrkdwn_escape(fact.value)}", SLACK_FIELD_MAX)}
        for fact in message.facts[:SLACK_FIELDS_MAX]
    ]
    head: list[dict[str, Any]] = [header] + ([{"type": "section", "fields": fields}] if fields else [])
    tail = _approval_blocks(message) + _next_step_blocks(message) + _context_blocks(message)
    body = [_section(text) for text in _chunks([mrkdwn_escape(line) for line in message.body], SLACK_SECTION_MAX)]
    room = min(SLACK_BODY_SECTIONS_MAX, SLACK_MAX_BLOCKS - len(head) - len(tail))
    if len(body) > room:
        body = body[: room - 1] + [_section("_The rest is in the email (too long for one Slack message)._")]
    return head + body + tail


def _approval_blocks(message: Message) -> list[dict[str, Any]]:
    links = message.approval
    if links is None:
        return []
    buttons = [
        {"type": "button", "text": {"type": "plain_text", "text": label}, "style": style, "url": url, "action_id": key}
        for key, label, style, url in (
            ("approve", "Approve switchover", "primary", links.approve_url),
            ("reject", "Reject", "danger", links.reject_url),
        )
        if len(url) <= SLACK_BUTTON_URL_MAX
    ]
    blocks: list[dict[str, Any]] = [{"type": "actions", "elements": buttons}] if buttons else []
    if len(buttons) < 2:
        blocks.append(_section("A link is too long for a Slack button: use the email or the command line."))
    blocks += [
        _section(
            "The first decision counts (the other link then stops working); "
            f"the links expire at {mrkdwn_escape(links.expires_at)}. "
            f"Or with the AWS CLI, approve:\n{_code(links.cli_approve)}"
        ),
        _section(f"or reject:\n{_code(links.cli_reject)}"),
    ]
    return blocks


def _next_step_blocks(message: Message) -> list[dict[str, Any]]:
    if not message.next_steps:
        return []
    texts = ["*Next steps*"] + [_next_step_text(step) for step in message.next_steps]
    return [_section(text) for text in _chunks(texts, SLACK_SECTION_MAX)]


def _context_blocks(message: Message) -> list[dict[str, Any]]:
    if not message.console_url:
        return []
    link = f"<{message.console_url}|Open the execution in the Step Functions console>"
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": link}]}]


# AWS Chatbot -----------------------------------------------------------------------------------------------


def chatbot_notification(message: Message) -> dict[str, Any]:
    lines = [f"*{fact.label}:* {fact.value}" for fact in message.facts]
    if message.console_url:
        lines.append(f"*Console:* {message.console_url}")
    if message.approval is not None:  # first: a long description is cut at its end
        links = message.approval
        lines += [
            "",
            f"*Approve:* {links.approve_url}",
            f"*Reject:* {links.reject_url}",
            f"The first decision counts (the other link then stops working); the links expire at {links.expires_at}.",
        ]
    lines += ["", *message.body]
    next_steps = [
        clip(step.text + (f" `{step.command}`" if step.command else ""), CHATBOT_NEXT_STEP_MAX)
        for step in message.next_steps[:CHATBOT_NEXT_STEPS_MAX]
    ]
    if message.approval is not None:
        next_steps.append(clip(f"approve from a shell: `{message.approval.cli_approve}`", CHATBOT_NEXT_STEP_MAX))
        next_steps.append(clip(f"reject from a shell: `{message.approval.cli_reject}`", CHATBOT_NEXT_STEP_MAX))
    content: dict[str, Any] = {
        "textType": "client-markdown",
        "title": f"{_EMOJI[message.severity]} {message.title}",
        "description": clip("\n".join(lines).strip(), CHATBOT_DESCRIPTION_MAX),
        "keywords": [message.cluster_id, message.event],
    }
    if next_steps:
        content["nextSteps"] = next_steps
    metadata: dict[str, Any] = {"summary": subject(message.title), "eventType": message.event}
    if message.thread_id:
        metadata["threadId"] = message.thread_id
    return {"version": "1.0", "source": "custom", "content": content, "metadata": metadata}


# one SNS message ------------------------------------------------------------------------------------------


def sns_variants(rendered: RenderedMessage, max_bytes: int = SNS_MAX_BYTES - _ATTRIBUTES_ALLOWANCE) -> dict[str, str]:
    """The MessageStructure=json variants: Chatbot reads ``default``, email ``email``, the Slack function ``lambda``.

    Only the plain text can be long (the blocks and the Chatbot description are capped): it is halved
    until the whole message fits.
    """
    text = rendered.text
    while True:
        variants = {
            "default": json.dumps(rendered.chatbot, ensure_ascii=False),
            "email": text,
            "lambda": json.dumps(
                {
                    "subject": rendered.subject,
                    "text": text,
                    "blocks": rendered.blocks,
                    "event": rendered.event,
                    "cluster_id": rendered.cluster_id,
                },
                ensure_ascii=False,
            ),
        }
        shorter = clip(text, len(text) // 2, "\n[... truncated: too long for one notification; see the execution]\n")
        if structured_size(variants) <= max_bytes or len(shorter) >= len(text):
            return variants  # (the SNS wrapper refuses what still does not fit)
        text = shorter


def structured_size(variants: dict[str, str]) -> int:
    return len(json.dumps(variants, ensure_ascii=False).encode())
