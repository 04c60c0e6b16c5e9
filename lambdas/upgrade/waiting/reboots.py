"""Which instances the workflow rebooted, kept on record across retried passes of a wait loop."""

from __future__ import annotations

from typing import Any


def with_rebooting(recorded: list[str], instances: list[dict[str, Any]]) -> list[str]:
    """A retried pass may not have seen the answer that started these reboots: keep them on record."""
    rebooting = [i["DBInstanceIdentifier"] for i in instances if i.get("DBInstanceStatus") == "rebooting"]
    return recorded + [name for name in rebooting if name not in recorded]
