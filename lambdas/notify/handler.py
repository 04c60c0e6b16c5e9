"""Lambda entry point of the notifier: workflow outcomes, progress milestones and EventBridge events.

The message is built in upgrade.notifications.notifier; the payload says which kind it is (see NotifierRequest).
"""

from __future__ import annotations

from pydantic import BaseModel

from upgrade.notifications import notifier as notify
from upgrade.shared.runtime import Clients, logger, payload_handler
from upgrade.shared.settings import notifier_settings


def _notify(request: notify.NotifierRequest, clients: Clients) -> BaseModel:
    state = request.outcome or (request.milestone.state if request.milestone else None)
    if state is not None:
        logger.append_keys(cluster_id=state.input.get("cluster_id"), execution=state.execution.name)
    # the safety net (an execution stopped from outside) reads that execution's history
    sfn = clients.stepfunctions if request.event is not None else None
    return notify.handle(request, clients.rds, clients.sns, notifier_settings(), sfn)


handler = payload_handler("notify", notify.NotifierRequest, _notify)
