"""Lambda entry points of the event-woken waits; the logic lives in upgrade.waiting.task_tokens."""

from typing import Any

from pydantic import ConfigDict

from aws.dynamodb import TokenTable
from upgrade.shared.base_model import Model
from upgrade.shared.runtime import Clients, payload_handler
from upgrade.waiting import task_tokens as waits


class RdsEvent(Model):
    """An EventBridge event from aws.rds, kept whole: ``wake`` reads detail and resources."""

    model_config = ConfigDict(extra="allow")

    detail: dict[str, Any] = {}
    resources: list[str] = []


def _table(clients: Clients) -> TokenTable:
    return TokenTable(clients.dynamodb, waits.token_table_name())


register = payload_handler(
    "await_change",
    waits.WaitRequest,
    lambda request, clients: waits.register(request, clients.rds, _table(clients), clients.stepfunctions),
)
wake = payload_handler(
    "wake",
    RdsEvent,
    lambda event, clients: waits.wake(event.model_dump(), _table(clients), clients.stepfunctions),
)
