"""The one wrapper around Secrets Manager: database credentials never leave it except into a connection."""

from __future__ import annotations

import json
from typing import Any

from aws.rds import translated_errors


class Secrets:
    def __init__(self, client: Any) -> None:
        self._client = client

    def json(self, secret_id: str) -> dict[str, Any]:
        """An RDS credentials secret: {"username", "password", "host"?, "port"?, "dbname"?}."""
        with translated_errors():
            value = self._client.get_secret_value(SecretId=secret_id)["SecretString"]
        parsed = json.loads(value)
        if not isinstance(parsed, dict) or "username" not in parsed:
            raise ValueError(f"secret {secret_id} is not an RDS credentials secret (no username)")
        return parsed

    def text(self, secret_id: str) -> str:
        """A secret held as plain text (a signing key, say); never logged, never returned to a caller."""
        with translated_errors():
            return str(self._client.get_secret_value(SecretId=secret_id)["SecretString"])
