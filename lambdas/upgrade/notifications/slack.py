"""The Slack webhook function: each SNS notification (its ``lambda`` variant) posted as Block Kit."""

import json
from ipaddress import ip_address
from typing import Any, Protocol
from urllib.parse import urlsplit

from pydantic import ConfigDict, ValidationError

from upgrade.notifications.render import SLACK_SECTION_MAX, clip
from upgrade.shared.base_model import Model
from upgrade.shared.errors import UpgradeError


class WebhookSecretInvalid(UpgradeError):
    """The webhook secret holds neither an https URL nor {"url": "<https URL>"}."""


class _SnsBody(Model):
    model_config = ConfigDict(extra="ignore")

    Message: str
    Subject: str | None = None
    MessageId: str | None = None


class _SnsRecord(Model):
    model_config = ConfigDict(extra="ignore")

    Sns: _SnsBody


class SnsEvent(Model):
    """What SNS hands a subscribed function."""

    model_config = ConfigDict(extra="ignore")

    Records: list[_SnsRecord]


class SlackMessage(Model):
    """The ``lambda`` variant the notifier publishes."""

    model_config = ConfigDict(extra="ignore")

    subject: str
    text: str = ""
    blocks: list[dict[str, Any]] = []
    event: str | None = None
    cluster_id: str | None = None


class Poster(Protocol):
    def post(self, url: str, payload: dict[str, Any]) -> int: ...


class Delivered(Model):
    delivered: int
    events: list[str | None]


def webhook_url(secret_value: str) -> str:
    """The secret holds the bare URL or {"url": ...}; https only (plain http only to this machine, for tests)."""
    value = secret_value.strip()
    if value.startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            raise WebhookSecretInvalid("the webhook secret is not valid JSON") from None
        value = str(parsed.get("url", "")).strip() if isinstance(parsed, dict) else ""
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return value
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return value
    raise WebhookSecretInvalid('the webhook secret must hold an https URL, or {"url": "<https URL>"}')


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def slack_message(record_message: str, subject: str | None) -> SlackMessage:
    """Our ``lambda`` variant; any other text published to the topic is posted as plain text."""
    try:
        return SlackMessage.model_validate_json(record_message)
    except ValidationError:
        return SlackMessage(subject=subject or "[aurora-upgrade] notification", text=record_message)


def webhook_payload(message: SlackMessage) -> dict[str, Any]:
    """``text`` is what notifications and screen readers show; link previews are off (they would fetch links)."""
    if message.blocks:
        return {"text": message.subject, "blocks": message.blocks, "unfurl_links": False, "unfurl_media": False}
    text = clip(f"*{message.subject}*\n{message.text}", SLACK_SECTION_MAX)
    return {"text": text, "unfurl_links": False, "unfurl_media": False}


def deliver(event: SnsEvent, secret_value: str, webhook: Poster) -> Delivered:
    """Post every record; an error raises (SNS retries its asynchronous delivery to the function)."""
    url = webhook_url(secret_value)
    events: list[str | None] = []
    for record in event.Records:
        message = slack_message(record.Sns.Message, record.Sns.Subject)
        webhook.post(url, webhook_payload(message))
        events.append(message.event)
    return Delivered(delivered=len(events), events=events)
