"""Lambda entry point of the notifier; the message is built in upgrade.notify."""

from __future__ import annotations

from upgrade import notify
from upgrade.runtime import step_handler
from upgrade.settings import notifier_settings

handler = step_handler(
    "notify",
    lambda state, clients: notify.notify(state, clients.rds, clients.sns, notifier_settings().TOPIC_ARN),
)
