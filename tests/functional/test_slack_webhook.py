"""The Slack webhook function: a notification published by the notifier reaches a real HTTP server as Block Kit.

The "webhook" is an http.server on 127.0.0.1 in a thread; the secret and the topic are moto's. The URL
is a credential: no log line, error or result may contain it.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends
from notify.handler import handler as notify_handler
from slack.handler import handler as slack_handler

from aws.webhook import WebhookFailed
from tests.functional.world import call, initial_state
from upgrade.notifications.slack import WebhookSecretInvalid

REGION = "us-east-1"


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        server: _Webhook = self.server  # type: ignore[assignment]
        length = int(self.headers["Content-Length"])
        server.received.append(
            {
                "path": self.path,
                "content_type": self.headers["Content-Type"],
                "body": json.loads(self.rfile.read(length)),
            }
        )
        status, answer = server.answer
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, format: str, *args: Any) -> None:  # the test asserts on logs: keep the server's out
        pass


class _Webhook(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Hook)
        self.received: list[dict[str, Any]] = []
        self.answer: tuple[int, str] = (200, "ok")
        self.token = secrets.token_hex(12)  # the secret part of a webhook URL

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/services/T0123/B0456/{self.token}"


@pytest.fixture
def webhook() -> Iterator[_Webhook]:
    server = _Webhook()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def topic(world: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    arn = str(boto3.client("sns", region_name=REGION).create_topic(Name="aurora-upgrade")["TopicArn"])
    monkeypatch.setenv("TOPIC_ARN", arn)
    return arn


def _store_secret(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    arn = boto3.client("secretsmanager", region_name=REGION).create_secret(Name="slack-webhook", SecretString=value)[
        "ARN"
    ]
    monkeypatch.setenv("SLACK_WEBHOOK_SECRET_ARN", arn)


class _Records(logging.Handler):
    """Every record of our logger and of the root logger, with its extra keys."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(json.dumps(record.__dict__, default=str))


@pytest.fixture
def logs() -> Iterator[_Records]:
    records = _Records()
    loggers = [logging.getLogger("aurora-upgrade"), logging.getLogger()]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(records)
    try:
        yield records
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(records)
            logger.setLevel(level)


def _published_sns_event(topic_arn: str) -> dict[str, Any]:
    """Publish a real failure notification, then hand its ``lambda`` variant over as SNS would."""
    cause = {"errorMessage": "cluster prod-db not found", "errorType": "ClusterNotFound"}
    state = initial_state() | {"failure": {"Preflight": {"Error": "ClusterNotFound", "Cause": json.dumps(cause)}}}
    call(notify_handler, state)
    message_id, message, subject, _attributes, _group = (
        sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics[topic_arn].sent_notifications[-1]
    )
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic_arn}:0d4c7c59-0000-4000-8000-000000000000",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": topic_arn,
                    "Subject": subject,
                    "Message": json.loads(message)["lambda"],
                    "Timestamp": "2025-03-01T03:00:00.000Z",
                    "MessageAttributes": {
                        "event": {"Type": "String", "Value": "failed"},
                        "cluster_id": {"Type": "String", "Value": "prod-db"},
                    },
                },
            }
        ]
    }


def test_the_notification_is_posted_to_the_webhook_as_block_kit(
    topic: str, webhook: _Webhook, logs: _Records, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    _store_secret(monkeypatch, webhook.url)
    event = _published_sns_event(topic)
    published = json.loads(event["Records"][0]["Sns"]["Message"])

    result = call(slack_handler, event)

    assert result == {"delivered": 1, "events": ["failed"]}
    [received] = webhook.received
    assert received["path"] == f"/services/T0123/B0456/{webhook.token}"
    assert received["content_type"].startswith("application/json")
    assert received["body"] == {
        "text": "[aurora-upgrade] prod-db upgrade to 14.18 FAILED at Preflight",
        "blocks": published["blocks"],
        "unfurl_links": False,
        "unfurl_media": False,
    }
    header = received["body"]["blocks"][0]
    assert header["type"] == "header" and "FAILED at Preflight" in header["text"]["text"]
    output = capfd.readouterr()
    assert webhook.token not in output.out + output.err + "".join(logs.texts)
    assert logs.texts, "the handler did log (at DEBUG): the check above looked at something"


def test_the_secret_may_hold_the_url_as_json(topic: str, webhook: _Webhook, monkeypatch: pytest.MonkeyPatch) -> None:
    _store_secret(monkeypatch, json.dumps({"url": webhook.url}))
    assert call(slack_handler, _published_sns_event(topic))["delivered"] == 1
    assert len(webhook.received) == 1


@pytest.mark.parametrize(("status", "answer"), [(404, "no_service"), (400, "invalid_blocks"), (500, "oops")])
def test_an_answer_other_than_2xx_raises_so_sns_retries(
    topic: str,
    webhook: _Webhook,
    logs: _Records,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    status: int,
    answer: str,
) -> None:
    _store_secret(monkeypatch, webhook.url)
    webhook.answer = (status, answer)
    with pytest.raises(WebhookFailed) as raised:
        call(slack_handler, _published_sns_event(topic))
    assert str(raised.value) == f"the webhook answered HTTP {status}: {answer}"
    assert raised.value.__suppress_context__, "the HTTPError (it holds the URL) is not chained"
    output = capfd.readouterr()
    assert webhook.token not in str(raised.value) + output.out + output.err + "".join(logs.texts)


def test_an_unreachable_webhook_raises_without_naming_it(
    topic: str, monkeypatch: pytest.MonkeyPatch, logs: _Records
) -> None:
    closed = _Webhook()
    url = closed.url
    closed.server_close()  # nothing listens on that port any more
    _store_secret(monkeypatch, url)
    with pytest.raises(WebhookFailed, match="could not be reached") as raised:
        call(slack_handler, _published_sns_event(topic))
    assert closed.token not in str(raised.value) + "".join(logs.texts)


def test_a_secret_that_is_not_a_url_is_refused(topic: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _store_secret(monkeypatch, "xoxb-not-a-webhook")
    with pytest.raises(WebhookSecretInvalid) as raised:
        call(slack_handler, _published_sns_event(topic))
    assert "xoxb" not in str(raised.value)


def test_a_missing_setting_is_named(topic: str, webhook: _Webhook) -> None:
    with pytest.raises(RuntimeError, match="SLACK_WEBHOOK_SECRET_ARN"):
        call(slack_handler, _published_sns_event(topic))
    assert webhook.received == []


def test_a_secret_arn_configured_with_a_wildcard_suffix_is_found(
    topic: str, webhook: _Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store_secret(monkeypatch, webhook.url)
    arn = os.environ["SLACK_WEBHOOK_SECRET_ARN"]  # ...:secret:slack-webhook-<random suffix>
    monkeypatch.setenv("SLACK_WEBHOOK_SECRET_ARN", arn.rsplit("-", 1)[0] + "-*")
    assert call(slack_handler, _published_sns_event(topic))["delivered"] == 1
