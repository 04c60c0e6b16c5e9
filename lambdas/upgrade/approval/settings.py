"""The approval functions' environment, parsed per call; a missing variable fails with its name."""

import os
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from upgrade.shared.base_model import Model


class DecideSettings(Model):
    model_config = ConfigDict(frozen=True)

    TOKEN_TABLE: str = Field(min_length=3)
    APPROVAL_SIGNING_SECRET_ARN: str = Field(min_length=1)


class RequestSettings(DecideSettings):
    APPROVAL_URL: str = Field(pattern=r"^https?://[^\s?#]+(\?[^\s#]*)?$")
    TOPIC_ARN: str = Field(min_length=1)


Settings = TypeVar("Settings", bound=BaseModel)


def from_environment(model: type[Settings]) -> Settings:
    try:
        return model.model_validate(os.environ.copy())
    except ValidationError as error:
        names = ", ".join(sorted({str(issue["loc"][0]) for issue in error.errors()}))
        raise RuntimeError(f"environment variable(s) missing or invalid: {names}") from None
