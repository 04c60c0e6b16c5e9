"""The functions' environment, parsed per call (cheap); a missing variable fails with its name."""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, ValidationError


class NotifierSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    TOPIC_ARN: str


def notifier_settings() -> NotifierSettings:
    try:
        return NotifierSettings.model_validate(dict(os.environ))
    except ValidationError as error:
        missing = ", ".join(str(issue["loc"][0]) for issue in error.errors())
        raise RuntimeError(f"environment variable(s) missing or invalid: {missing}") from None
