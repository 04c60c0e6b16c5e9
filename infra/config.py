"""The deployment configuration: cdk.json context key ``aurora-upgrade``, validated before anything is built.

A bad value stops synthesis with the name of the field at fault, so a typo in a cluster
id cannot silently produce IAM policies scoped to a cluster that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, ValidationError

CONTEXT_KEY = "aurora-upgrade"

# RDS rules for a DB cluster identifier: a letter first, then letters, digits and single
# hyphens, no trailing hyphen, at most 63 characters (same rule as the execution input).
CLUSTER_ID_PATTERN = r"^[a-zA-Z](-?[a-zA-Z0-9])*$"
_EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _lowercase(value: str) -> str:
    """RDS stores identifiers in lowercase and ARNs carry that form; IAM matching is case-sensitive."""
    return value.lower()


ClusterId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=63, pattern=CLUSTER_ID_PATTERN),
    AfterValidator(_lowercase),
]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=_EMAIL_PATTERN)]


def _at_least_one(values: tuple[str, ...]) -> tuple[str, ...]:
    # a validator, not Field(min_length=1): it runs only when every item is valid, so a bad id
    # is reported once instead of also as "too short after validation"
    if not values:
        raise ValueError("at least one DB cluster identifier is required")
    return values


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    duplicates = sorted({value for value in values if values.count(value) > 1})
    if duplicates:
        raise ValueError(f"duplicate entries: {', '.join(duplicates)}")
    return values


class DatabaseAccessConfig(BaseModel):
    """What preflight may use to reach the databases for the in-database checks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    secret_arns: tuple[
        Annotated[str, StringConstraints(pattern=r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$")], ...
    ] = ()
    """Secrets preflight may read (RDS credentials; a trailing * covers the random suffix)."""

    subnet_ids: tuple[Annotated[str, StringConstraints(pattern=r"^subnet-[0-9a-f]+$")], ...] = ()
    """Private subnets to run preflight in, for direct connections (needs RDS/Secrets Manager endpoints or NAT)."""

    security_group_ids: tuple[Annotated[str, StringConstraints(pattern=r"^sg-[0-9a-f]+$")], ...] = ()


class DeploymentConfig(BaseModel):
    """What one deployment of the stack may touch and whom it tells."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    clusters: Annotated[tuple[ClusterId, ...], AfterValidator(_at_least_one), AfterValidator(_unique)]
    """DB cluster identifiers the workflow may upgrade; every RDS permission is scoped to them."""

    notification_emails: Annotated[tuple[Email, ...], AfterValidator(_unique)] = ()
    """Addresses subscribed to the notification topic (each must confirm the subscription)."""

    database_access: DatabaseAccessConfig = DatabaseAccessConfig()
    """Optional: secrets and VPC placement for the in-database prechecks."""


class ConfigError(ValueError):
    """The ``aurora-upgrade`` context is missing or invalid; the message names each field at fault."""


def parse_config(raw: Any) -> DeploymentConfig:
    """Validate the raw context value; raise ConfigError naming every bad field."""
    if raw is None:
        raise ConfigError(f"cdk.json context '{CONTEXT_KEY}' is missing (expected {{\"clusters\": [...]}})")
    try:
        return DeploymentConfig.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{_field_path(issue['loc'])}: {issue['msg']} (got {issue.get('input')!r})" for issue in error.errors()
        )
        raise ConfigError(f"invalid cdk.json context '{CONTEXT_KEY}': {problems}") from None


def _field_path(location: tuple[int | str, ...]) -> str:
    """('clusters', 0) -> 'clusters[0]': the way a person finds the value in cdk.json."""
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(root)"
