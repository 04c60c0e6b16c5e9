"""The deployment configuration, validated before anything is built.

It comes from the cdk.json context key ``aurora-upgrade`` or from a YAML/JSON file named by
the context key ``aurora-upgrade-file``. A bad value stops synthesis with the path of the
field at fault (``clusters[1].schedule.timezone: ...``), so a typo in a cluster id cannot
silently produce IAM policies scoped to a cluster that does not exist, and a scheduled
upgrade cannot be deployed with an execution input the workflow would refuse.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import zoneinfo
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationError,
    field_validator,
)

CONTEXT_KEY = "aurora-upgrade"
FILE_CONTEXT_KEY = "aurora-upgrade-file"

# RDS rules for a DB cluster identifier: a letter first, then letters, digits and single
# hyphens, no trailing hyphen, at most 63 characters (same rule as the execution input).
CLUSTER_ID_PATTERN = r"^[a-zA-Z](-?[a-zA-Z0-9])*$"
_EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_SECRET_ARN_PATTERN = r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$"
# Slack ids as Slack shows them: upper-case letters and digits (workspace T..., channel C.../G...)
_SLACK_ID_PATTERN = r"^[A-Z][A-Z0-9]{8,}$"
# Step Functions execution names: at most 80 characters
EXECUTION_NAME_LIMIT = 80
LAMBDAS_DIR = Path(__file__).resolve().parent.parent / "lambdas"


def _lowercase(value: str) -> str:
    """RDS stores identifiers in lowercase and ARNs carry that form; IAM matching is case-sensitive."""
    return value.lower()


ClusterId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=63, pattern=CLUSTER_ID_PATTERN),
    AfterValidator(_lowercase),
]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=_EMAIL_PATTERN)]
SecretArn = Annotated[str, StringConstraints(pattern=_SECRET_ARN_PATTERN)]


def _at_least_one(values: tuple[Any, ...]) -> tuple[Any, ...]:
    # a validator, not Field(min_length=1): it runs only when every item is valid, so a bad id
    # is reported once instead of also as "too short after validation"
    if not values:
        raise ValueError("at least one DB cluster identifier is required")
    return values


def _duplicates(values: list[str]) -> list[str]:
    return sorted({value for value in values if values.count(value) > 1})


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    duplicates = _duplicates(list(values))
    if duplicates:
        raise ValueError(f"duplicate entries: {', '.join(duplicates)}")
    return values


# --- schedules ------------------------------------------------------------------------------

_CRON_FIELD = re.compile(r"^[0-9A-Za-z*?,/#LW-]+$")
_RATE = re.compile(r"^rate\((?P<value>[1-9][0-9]*) (?P<unit>minute|minutes|hour|hours|day|days)\)$")
_AT = re.compile(r"^at\((?P<when>[^)]*)\)$")


def _schedule_expression(value: str) -> str:
    """EventBridge Scheduler's three forms, checked as far as synth can (AWS checks the rest at deploy)."""
    if value.startswith("cron(") and value.endswith(")"):
        fields = value[len("cron(") : -1].split()
        if len(fields) != 6:
            raise ValueError(
                "cron() takes 6 fields: minutes hours day-of-month month day-of-week year, e.g. cron(0 3 ? * SUN *)"
            )
        if not all(_CRON_FIELD.match(field) for field in fields):
            raise ValueError("cron() fields hold digits, names, and , - * ? / L W # only")
        if "?" not in (fields[2], fields[4]):
            raise ValueError("cron(): one of day-of-month and day-of-week must be '?' (they cannot both be set)")
        return value
    rate = _RATE.match(value)
    if rate:
        singular = rate["value"] == "1"
        if singular == rate["unit"].endswith("s"):
            raise ValueError("rate(): the unit is singular for 1 (rate(1 hour)) and plural above (rate(12 hours))")
        return value
    at = _AT.match(value)
    if at:
        try:
            datetime.strptime(at["when"], "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            raise ValueError(
                "at() takes a local date and time yyyy-mm-ddThh:mm:ss, e.g. at(2025-11-30T02:00:00)"
            ) from None
        return value
    raise ValueError("expected cron(...), rate(...) or at(yyyy-mm-ddThh:mm:ss)")


def _time_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError("not an IANA time zone name (e.g. UTC, Europe/London, America/New_York)") from None
    return value


def _a_string(value: Any) -> Any:
    """YAML reads an unquoted 16.10 as the number 16.1: refuse numbers rather than guess."""
    if not isinstance(value, str):
        raise ValueError(f"must be a string; quote it (YAML and JSON read {value!r} as a {type(value).__name__})")
    return value


class ScheduleConfig(BaseModel):
    """When EventBridge Scheduler starts the upgrade of one cluster."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    expression: Annotated[str, AfterValidator(_schedule_expression)]
    """cron(...), rate(...) or at(yyyy-mm-ddThh:mm:ss), evaluated in ``timezone``."""

    timezone: Annotated[str, AfterValidator(_time_zone)] = "UTC"
    """IANA time zone of the expression (daylight saving time is followed)."""

    flexible_window_minutes: int = Field(default=0, ge=0, le=1440, strict=True)
    """0: start at the exact time; otherwise any time within that many minutes after it."""

    enabled: bool = Field(default=True, strict=True)
    """False deploys the schedule DISABLED (nothing starts until it is enabled)."""


# --- clusters -------------------------------------------------------------------------------

# fields of the execution input that the cluster entry sets itself
_ENTRY_FIELDS = {"cluster_id": "id", "target_engine_version": "target_engine_version", "strategy": "strategy"}


class ClusterEntry(BaseModel):
    """A cluster with its upgrade: the execution input of scheduled starts (and of a hand start)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ClusterId
    target_engine_version: Annotated[str, BeforeValidator(_a_string)]
    strategy: Literal["blue_green", "in_place"]
    schedule: ScheduleConfig | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    """Further execution input fields (deadlines, database, require_approval, ...), validated at synth."""

    @field_validator("options")
    @classmethod
    def _options_do_not_repeat_the_entry(cls, value: dict[str, Any]) -> dict[str, Any]:
        repeated = sorted((set(value) & set(_ENTRY_FIELDS)) | ({"action"} & set(value)))
        if repeated:
            raise ValueError(
                f"{', '.join(repeated)} cannot be options: the entry sets id, target_engine_version and strategy, "
                "and a scheduled start is always an upgrade"
            )
        return value

    def execution_input(self) -> dict[str, Any]:
        """What the schedule passes to StartExecution (and what a person would type)."""
        return {
            "cluster_id": self.id,
            "target_engine_version": self.target_engine_version,
            "strategy": self.strategy,
            **self.options,
        }

    def scheduled_execution_name(self) -> str:
        """Deterministic, so a schedule firing twice cannot start a second upgrade of the same change.

        ``scheduled-<cluster>-to-<target, dots as dashes>``; a name that would pass Step Functions'
        80-character limit keeps the start of the cluster id plus a hash of the whole id.
        """
        target = self.target_engine_version.replace(".", "-")
        name = f"scheduled-{self.id}-to-{target}"
        if len(name) <= EXECUTION_NAME_LIMIT:
            return name
        digest = hashlib.sha256(self.id.encode()).hexdigest()[:8]
        room = EXECUTION_NAME_LIMIT - len(f"scheduled--{digest}-to-{target}")
        return f"scheduled-{self.id[:room].rstrip('-')}-{digest}-to-{target}"


_ID_TAG, _ENTRY_TAG = "cluster id", "cluster entry"


def _cluster_item_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return _ID_TAG
    if isinstance(value, dict | ClusterEntry):
        return _ENTRY_TAG
    return None


ClusterItem = Annotated[
    Annotated[ClusterId, Tag(_ID_TAG)] | Annotated[ClusterEntry, Tag(_ENTRY_TAG)],
    Discriminator(
        _cluster_item_kind,
        custom_error_type="cluster_item",
        custom_error_message=(
            "expected a DB cluster identifier or an object {id, target_engine_version, strategy, schedule?, options?}"
        ),
    ),
]


def _unique_cluster_ids(values: tuple[str | ClusterEntry, ...]) -> tuple[str | ClusterEntry, ...]:
    duplicates = _duplicates([_id_of(value) for value in values])
    if duplicates:
        raise ValueError(f"duplicate entries: {', '.join(duplicates)}")
    return values


def _id_of(item: str | ClusterEntry) -> str:
    return item if isinstance(item, str) else item.id


# --- fleets ---------------------------------------------------------------------------------


class FleetEntry(BaseModel):
    """A fleet kept in the configuration: its input (as in the console, README "Fleets"), maybe a schedule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: dict[str, Any]
    """The fleet input, validated at synth with the fleet's own model (lambdas/upgrade/fleet)."""

    schedule: ScheduleConfig | None = None

    @property
    def name(self) -> str:
        return str(self.input.get("name", ""))

    def scheduled_execution_name(self) -> str:
        """``scheduled-fleet-<name>`` (``-a<attempt>``): a schedule firing twice cannot start the fleet twice; each
        cluster's own execution name is deterministic too (README, Fleets)."""
        attempt = self.input.get("attempt", 1)
        return f"scheduled-fleet-{self.name}" + (f"-a{attempt}" if attempt != 1 else "")


# --- notifications and database access ------------------------------------------------------


class ChatbotConfig(BaseModel):
    """An AWS Chatbot (Amazon Q Developer in chat applications) Slack channel; the workspace is authorized once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    workspace_id: Annotated[str, StringConstraints(pattern=_SLACK_ID_PATTERN)]
    channel_id: Annotated[str, StringConstraints(pattern=_SLACK_ID_PATTERN)]


class SlackConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    chatbot: ChatbotConfig | None = None
    webhook_secret_arn: SecretArn | None = None
    """A Secrets Manager secret holding a Slack incoming-webhook URL; a function posts each notification."""


class NotificationsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    emails: Annotated[tuple[Email, ...], AfterValidator(_unique)] = ()
    slack: SlackConfig = SlackConfig()


class DatabaseAccessConfig(BaseModel):
    """What the in-database steps (preflight, post-upgrade, consistency check) may use to reach databases."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    secret_arns: tuple[SecretArn, ...] = ()
    """Secrets the database steps may read (RDS credentials; a trailing * covers the random suffix)."""

    subnet_ids: tuple[Annotated[str, StringConstraints(pattern=r"^subnet-[0-9a-f]+$")], ...] = ()
    """Private subnets to run the database steps in, for direct connections (needs endpoints or NAT)."""

    security_group_ids: tuple[Annotated[str, StringConstraints(pattern=r"^sg-[0-9a-f]+$")], ...] = ()


class ReportsConfig(BaseModel):
    """The bucket of whole preflight reports (the workflow's state carries a bounded summary)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    expire_after_days: int = Field(default=90, ge=1, le=3650)
    """Days after which a report is deleted by the bucket's lifecycle rule."""


class DeploymentConfig(BaseModel):
    """What one deployment of the stack may touch, when it starts upgrades, and whom it tells."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    clusters: Annotated[tuple[ClusterItem, ...], AfterValidator(_at_least_one), AfterValidator(_unique_cluster_ids)]
    """Clusters the workflow may upgrade (every RDS permission is scoped to them), optionally with a schedule."""

    notifications: NotificationsConfig = NotificationsConfig()

    notification_emails: Annotated[tuple[Email, ...], AfterValidator(_unique)] = ()
    """Earlier form of ``notifications.emails``; both are subscribed."""

    database_access: DatabaseAccessConfig = DatabaseAccessConfig()
    """Optional: secrets and VPC placement for the in-database steps."""

    approval_reserved_concurrency: int = Field(default=2, ge=1, le=50, strict=True)
    """Reserved concurrency of the approval decision function, whose URL is public (auth NONE): a flood of
    requests is throttled there instead of running up costs or using the account's unreserved concurrency."""
    reports: ReportsConfig = ReportsConfig()
    """Optional: how long whole preflight reports are kept."""
    trace_aws_calls: bool = Field(default=False, strict=True)
    """Powertools' Tracer on every function: an X-Ray subsegment for each AWS call. Off by default: importing and
    patching the X-Ray SDK adds about as much to every cold start as boto3 itself (docs/benchmark.md). Lambda's and
    Step Functions' active tracing record every invocation either way."""

    fleets: tuple[FleetEntry, ...] = ()
    """Optional: fleets (many clusters in waves) started by a schedule, or kept here to start by hand."""

    @property
    def cluster_ids(self) -> tuple[str, ...]:
        return tuple(_id_of(item) for item in self.clusters)

    @property
    def entries(self) -> tuple[ClusterEntry, ...]:
        """The clusters given as objects (with a target, a strategy, maybe a schedule)."""
        return tuple(item for item in self.clusters if isinstance(item, ClusterEntry))

    @property
    def scheduled(self) -> tuple[ClusterEntry, ...]:
        return tuple(entry for entry in self.entries if entry.schedule is not None)

    @property
    def scheduled_fleets(self) -> tuple[FleetEntry, ...]:
        return tuple(fleet for fleet in self.fleets if fleet.schedule is not None)

    @property
    def emails(self) -> tuple[str, ...]:
        """Every address to subscribe, each once (both the current and the earlier field)."""
        return tuple(dict.fromkeys((*self.notifications.emails, *self.notification_emails)))


class ConfigError(ValueError):
    """The configuration is missing or invalid; the message names each field at fault."""


_CONTEXT_SOURCE = f"cdk.json context '{CONTEXT_KEY}'"


def parse_config(raw: Any, source: str = _CONTEXT_SOURCE) -> DeploymentConfig:
    """Validate the raw configuration; raise ConfigError naming every bad field.

    ``source`` says where it came from, for the message (the cdk.json context or a file).
    """
    if raw is None:
        raise ConfigError(
            f"{source} is missing (expected {{\"clusters\": [...]}}; or set the context '{FILE_CONTEXT_KEY}' "
            "to a YAML/JSON file)"
        )
    try:
        config = DeploymentConfig.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{_field_path(issue['loc'])}: {issue['msg']} (got {issue.get('input')!r})" for issue in error.errors()
        )
        raise ConfigError(f"invalid {source}: {problems}") from None
    problems = [
        problem for index, item in enumerate(config.clusters) for problem in _execution_input_problems(index, item)
    ]
    problems += _fleet_problems(config)
    if problems:
        raise ConfigError(f"invalid {source}: {'; '.join(problems)}")
    return config


def load_config_file(path: Path) -> DeploymentConfig:
    """Read and validate a configuration file (.yaml, .yml or .json)."""
    source = f"configuration file '{path}'"
    if not path.is_file():
        raise ConfigError(f"{source} (context '{FILE_CONTEXT_KEY}') does not exist")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml  # the CDK app's dependency only; the functions never read this

        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise ConfigError(f"{source} is not valid YAML: {error}") from None
    elif path.suffix.lower() == ".json":
        try:
            raw = json.loads(text)
        except ValueError as error:
            raise ConfigError(f"{source} is not valid JSON: {error}") from None
    else:
        raise ConfigError(f"{source}: expected a .yaml, .yml or .json file")
    return parse_config(raw, source=source)


def _execution_input_problems(index: int, item: str | ClusterEntry) -> list[str]:
    """Validate an entry's execution input with the workflow's own model, naming the config's fields."""
    if isinstance(item, str):
        return []  # started by hand, with an input the first step validates
    models, errors = _runtime_models()
    try:
        models.parse_request(item.execution_input())
    except errors.InvalidUpgradeInput as refused:
        return [_config_path(index, problem) for problem in _runtime_problems(str(refused))]
    return []


def _fleet_problems(config: DeploymentConfig) -> list[str]:
    """Each fleet's input as the fleet's first step would judge it, plus what synth knows better: the clusters it
    names (list or canary) must be configured, and fleet names must differ (they name scheduled executions)."""
    _runtime_models()  # puts lambdas/ on the path
    from upgrade.fleet.models import InvalidFleetInput, parse_fleet_input

    problems: list[str] = []
    configured = set(config.cluster_ids)
    for index, fleet in enumerate(config.fleets):
        where = f"fleets[{index}].input"
        try:
            given = parse_fleet_input(fleet.input)
        except InvalidFleetInput as refused:
            problems.append(f"{where}: {str(refused).removeprefix('invalid fleet input: ')}")
            continue
        for field, named in (("clusters", given.clusters), ("plan.canary", given.plan.canary)):
            missing = [cluster for cluster in named if cluster not in configured]
            if missing:
                problems.append(f"{where}.{field}: not in clusters: {', '.join(missing)}")
    duplicates = _duplicates([fleet.name for fleet in config.fleets])
    if duplicates:
        problems.append(f"fleets: duplicate names: {', '.join(duplicates)}")
    return problems


def _runtime_models() -> tuple[Any, Any]:
    """The workflow's own input model (lambdas/upgrade), so synth refuses exactly what the first step would."""
    if str(LAMBDAS_DIR) not in sys.path:
        sys.path.append(str(LAMBDAS_DIR))
    from upgrade.shared import errors, models

    return models, errors


_RUNTIME_PREFIX = "invalid execution input: "
_PROBLEM_SPLIT = re.compile(r"; (?=[A-Za-z0-9_.]+: )")


def _runtime_problems(message: str) -> list[tuple[str, str]]:
    """'invalid execution input: a.b: msg; c: msg' -> [('a.b', 'msg'), ('c', 'msg')]."""
    body = message.removeprefix(_RUNTIME_PREFIX)
    found = []
    for part in _PROBLEM_SPLIT.split(body):
        location, _, text = part.partition(": ")
        found.append((location, text) if text else ("input", part))
    return found


def _config_path(index: int, problem: tuple[str, str]) -> str:
    location, text = problem
    entry = f"clusters[{index}]"
    head = location.split(".", 1)[0]
    if location == "input":
        return f"{entry}: {text}"
    if head in _ENTRY_FIELDS:
        return f"{entry}.{_ENTRY_FIELDS[head]}: {text}"
    return f"{entry}.options.{location}: {text}"


def _field_path(location: tuple[int | str, ...]) -> str:
    """('clusters', 0, 'schedule') -> 'clusters[0].schedule': the way a person finds the value."""
    path = ""
    for part in location:
        if part in (_ID_TAG, _ENTRY_TAG):
            continue  # the union member pydantic tried, not a key of the configuration
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(root)"
