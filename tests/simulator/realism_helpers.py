"""Shared constants and helpers of the realism-layer tests (their fixtures are in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from simulator.rds.realism import RealisticRds

POLLS = 2
PASSWORD = "not-a-real-password"
Start = Callable[..., RealisticRds]


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]
