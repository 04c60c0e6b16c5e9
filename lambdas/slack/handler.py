"""Lambda entry point of the Slack webhook function, subscribed to the notification topic.

The webhook URL is read from Secrets Manager on each call and never logged.
"""

from __future__ import annotations

from aws.webhook import Webhook
from upgrade.notifications import slack
from upgrade.shared.runtime import Clients, payload_handler
from upgrade.shared.settings import slack_settings


def _deliver(event: slack.SnsEvent, clients: Clients) -> slack.Delivered:
    settings = slack_settings()
    secret = clients.secrets.text(settings.webhook_secret_id)
    return slack.deliver(event, secret, Webhook(settings.SLACK_WEBHOOK_TIMEOUT_SECONDS))


handler = payload_handler("slack", slack.SnsEvent, _deliver)
