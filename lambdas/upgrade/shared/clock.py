"""The one place the workflow's code reads the time (the offline simulator replaces ``now``)."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def seconds_since(iso_time: str) -> float:
    return (now() - datetime.fromisoformat(iso_time)).total_seconds()
