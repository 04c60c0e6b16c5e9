"""The functions' environment, parsed per call (cheap); a missing variable fails with its name."""

import os
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from upgrade.shared.base_model import Model


class NotifierSettings(Model):
    model_config = ConfigDict(frozen=True)

    TOPIC_ARN: str
    CLUSTERS: str = ""  # comma separated; RDS events of other clusters are not notified (empty: all)

    @property
    def cluster_ids(self) -> tuple[str, ...]:
        return tuple(cluster.strip() for cluster in self.CLUSTERS.split(",") if cluster.strip())


class SlackSettings(Model):
    model_config = ConfigDict(frozen=True)

    SLACK_WEBHOOK_SECRET_ARN: str = Field(pattern=r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$")
    SLACK_WEBHOOK_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0, le=60)

    @property
    def webhook_secret_id(self) -> str:
        """What GetSecretValue accepts: the ARN, or the secret's name when the configuration ends the ARN with
        ``*`` (the random suffix Secrets Manager adds, unknown when the stack is written)."""
        arn = self.SLACK_WEBHOOK_SECRET_ARN
        if not arn.endswith("*"):
            return arn
        name = arn.split(":secret:", 1)[1].rstrip("*")
        return name.removesuffix("-") if arn.endswith("-*") else name


class ReportSettings(Model):
    model_config = ConfigDict(frozen=True)

    REPORT_BUCKET: str = Field(min_length=3, max_length=63)  # where whole preflight reports are written


Settings = TypeVar("Settings", bound=BaseModel)


def parse_environment(model: type[Settings]) -> Settings:
    try:
        return model.model_validate(os.environ.copy())
    except ValidationError as error:
        missing = ", ".join(str(issue["loc"][0]) for issue in error.errors())
        raise RuntimeError(f"environment variable(s) missing or invalid: {missing}") from None


def notifier_settings() -> NotifierSettings:
    return parse_environment(NotifierSettings)


def slack_settings() -> SlackSettings:
    return parse_environment(SlackSettings)


def report_settings() -> ReportSettings:
    return parse_environment(ReportSettings)
