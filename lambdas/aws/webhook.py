"""The one wrapper around an HTTP webhook (a Slack incoming webhook): JSON in, a named error on failure.

The URL is a credential (whoever holds it can post to the channel): it never appears in an error,
a log line or a return value.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from upgrade.shared.errors import UpgradeError

_BODY_IN_ERROR = 200


class WebhookFailed(UpgradeError):
    """The webhook answered with a status other than 2xx, or could not be reached in time."""


class Webhook:
    def __init__(self, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds

    def post(self, url: str, payload: dict[str, Any]) -> int:
        """POST ``payload`` as JSON; the HTTP status when it is 2xx, WebhookFailed otherwise."""
        request = urllib.request.Request(
            url,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # the caller checked the scheme
                status = int(response.status)
                body = response.read(_BODY_IN_ERROR).decode(errors="replace")
        except urllib.error.HTTPError as error:
            body = error.read(_BODY_IN_ERROR).decode(errors="replace")
            raise WebhookFailed(f"the webhook answered HTTP {error.code}: {body}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            detail = getattr(error, "reason", error)
            text = str(detail).replace(url, "<webhook>")
            raise WebhookFailed(f"the webhook could not be reached: {type(detail).__name__}: {text}") from None
        if not 200 <= status < 300:
            raise WebhookFailed(f"the webhook answered HTTP {status}: {body}")
        return status
