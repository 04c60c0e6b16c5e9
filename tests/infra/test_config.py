"""The deployment configuration: its shapes, its files, and every bad value stopping synth with the field named."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.app_factory import REPO_ROOT, build_app
from infra.config import EXECUTION_NAME_LIMIT, ConfigError, load_config_file, parse_config

Json = dict[str, Any]


def _entry(**changes: Any) -> Json:
    """A valid scheduled cluster entry, changed."""
    entry: Json = {
        "id": "prod-db",
        "target_engine_version": "16.6",
        "strategy": "blue_green",
        "schedule": {"expression": "cron(0 3 ? * SUN *)", "timezone": "Europe/London"},
    }
    for key, value in changes.items():
        if key == "schedule" and isinstance(value, dict):
            entry["schedule"] = {**entry["schedule"], **value}
        else:
            entry[key] = value
    return entry


def _config(*entries: Any, **top: Any) -> Json:
    return {"clusters": list(entries) or [_entry()], **top}


# (configuration, the field path the message must name, a fragment of the reason)
BAD_CONFIGS: dict[str, tuple[Json, str, str]] = {
    "no clusters": ({"clusters": []}, "clusters", "at least one"),
    "no clusters key": ({"notification_emails": []}, "clusters", "Field required"),
    "underscore in an id": ({"clusters": ["prod_db"]}, "clusters[0]", "pattern"),
    "id starting with a digit": ({"clusters": ["prod-db", "1bad"]}, "clusters[1]", "pattern"),
    "trailing hyphen": ({"clusters": ["prod-db-"]}, "clusters[0]", "pattern"),
    "same id twice, any case": ({"clusters": ["prod-db", "PROD-DB"]}, "clusters", "duplicate entries: prod-db"),
    "same id as string and entry": (_config("prod-db", _entry()), "clusters", "duplicate entries: prod-db"),
    "a cluster that is a number": ({"clusters": [42]}, "clusters[0]", "expected a DB cluster identifier"),
    "bad email (earlier field)": (
        {"clusters": ["prod-db"], "notification_emails": ["not-an-address"]},
        "notification_emails[0]",
        "pattern",
    ),
    "bad email": (_config(notifications={"emails": ["dba-at-example.com"]}), "notifications.emails[0]", "pattern"),
    "unknown top-level key": ({"clusters": ["prod-db"], "clusterz": ["typo"]}, "clusterz", "Extra inputs"),
    "unknown entry key": (_config(_entry(window="sun")), "clusters[0].window", "Extra inputs"),
    "entry without a strategy": (
        _config({"id": "prod-db", "target_engine_version": "16.6"}),
        "clusters[0].strategy",
        "Field required",
    ),
    "strategy misspelt": (_config(_entry(strategy="blue-green")), "clusters[0].strategy", "'blue_green' or 'in_place'"),
    "version that YAML read as a number": (
        _config(_entry(target_engine_version=16.1)),
        "clusters[0].target_engine_version",
        "quote it",
    ),
    "version without a minor (the runtime model)": (
        _config(_entry(target_engine_version="16")),
        "clusters[0].target_engine_version",
        "MAJOR.MINOR",
    ),
    "cron with 5 fields": (
        _config(_entry(schedule={"expression": "cron(0 3 * * 0)"})),
        "clusters[0].schedule.expression",
        "6 fields",
    ),
    "cron with both days": (
        _config(_entry(schedule={"expression": "cron(0 3 1 * MON *)"})),
        "clusters[0].schedule.expression",
        "'?'",
    ),
    "rate with a wrong plural": (
        _config(_entry(schedule={"expression": "rate(1 days)"})),
        "clusters[0].schedule.expression",
        "singular",
    ),
    "at() with a bad date": (
        _config(_entry(schedule={"expression": "at(2031-02-30T03:00:00)"})),
        "clusters[0].schedule.expression",
        "yyyy-mm-ddThh:mm:ss",
    ),
    "not an expression": (
        _config(_entry(schedule={"expression": "every sunday"})),
        "clusters[0].schedule.expression",
        "cron(...), rate(...) or at(",
    ),
    "unknown time zone": (
        _config(_entry(schedule={"timezone": "Europe/Londres"})),
        "clusters[0].schedule.timezone",
        "IANA",
    ),
    "window too wide": (
        _config(_entry(schedule={"flexible_window_minutes": 1441})),
        "clusters[0].schedule.flexible_window_minutes",
        "less than or equal to 1440",
    ),
    "negative window": (
        _config(_entry(schedule={"flexible_window_minutes": -5})),
        "clusters[0].schedule.flexible_window_minutes",
        "greater than or equal to 0",
    ),
    "enabled as a string": (
        _config(_entry(schedule={"enabled": "no"})),
        "clusters[0].schedule.enabled",
        "valid boolean",
    ),
    "unknown option (the runtime model)": (
        _config("orders-db", _entry(options={"colour": "blue"})),
        "clusters[1].options.colour",
        "Extra inputs",
    ),
    "deadline below its minimum (the runtime model)": (
        _config(_entry(options={"deadlines": {"snapshot_minutes": 1}})),
        "clusters[0].options.deadlines.snapshot_minutes",
        "greater than or equal to 5",
    ),
    "bad database secret in options (the runtime model)": (
        _config(_entry(options={"database": {"secret_arn": "prod-db-secret"}})),
        "clusters[0].options.database.secret_arn",
        "pattern",
    ),
    "approval on an in-place upgrade (the runtime model)": (
        _config(_entry(strategy="in_place", options={"require_approval": True})),
        "clusters[0]",
        "require_approval applies to the blue_green switchover",
    ),
    "option repeating the entry": (_config(_entry(options={"cluster_id": "other-db"})), "clusters[0].options", "id"),
    "chatbot workspace in lower case": (
        _config(notifications={"slack": {"chatbot": {"workspace_id": "t0123abcd", "channel_id": "C0123ABCD"}}}),
        "notifications.slack.chatbot.workspace_id",
        "pattern",
    ),
    "chatbot without a channel": (
        _config(notifications={"slack": {"chatbot": {"workspace_id": "T0123ABCD"}}}),
        "notifications.slack.chatbot.channel_id",
        "Field required",
    ),
    "webhook secret that is not an ARN": (
        _config(notifications={"slack": {"webhook_secret_arn": "slack-webhook"}}),
        "notifications.slack.webhook_secret_arn",
        "pattern",
    ),
    "bad subnet": (_config(database_access={"subnet_ids": ["vpc-123"]}), "database_access.subnet_ids[0]", "pattern"),
    "tracing as text": (_config(trace_aws_calls="yes"), "trace_aws_calls", "valid boolean"),
}


@pytest.mark.parametrize(("config", "field", "reason"), list(BAD_CONFIGS.values()), ids=list(BAD_CONFIGS))
def test_bad_config_fails_the_build_naming_the_field(config: Json, field: str, reason: str) -> None:
    with pytest.raises(ConfigError) as raised:
        build_app(outdir=None, context={"aurora-upgrade": config})
    message = str(raised.value)
    assert f"{field}:" in message, message
    assert reason in message.split(f"{field}:", 1)[1], message


def test_every_bad_field_is_reported_at_once() -> None:
    config = _config(_entry(schedule={"timezone": "Mars/Olympus", "flexible_window_minutes": 5000}))
    with pytest.raises(ConfigError) as raised:
        parse_config(config)
    assert "clusters[0].schedule.timezone:" in str(raised.value)
    assert "clusters[0].schedule.flexible_window_minutes:" in str(raised.value)


def test_missing_config_fails_the_build() -> None:
    with pytest.raises(ConfigError, match="aurora-upgrade"):
        build_app(context={"aurora-upgrade": None})


# --- shapes ---------------------------------------------------------------------------------


def test_the_earlier_shape_still_works() -> None:
    config = parse_config(
        {
            "clusters": ["Prod-DB", "orders-db"],
            "notification_emails": ["dba@example.com"],
            "database_access": {"subnet_ids": ["subnet-0abc"]},
        }
    )
    assert config.cluster_ids == ("prod-db", "orders-db")  # lowercased, as RDS stores them
    assert config.emails == ("dba@example.com",)
    assert config.scheduled == ()
    assert config.database_access.subnet_ids == ("subnet-0abc",)


def test_strings_and_entries_mix_and_both_email_fields_count_once() -> None:
    config = parse_config(
        {
            "clusters": ["reports-db", _entry(id="Prod-DB"), {**_entry(id="orders-db"), "schedule": None}],
            "notifications": {"emails": ["a@example.com", "b@example.com"]},
            "notification_emails": ["b@example.com", "c@example.com"],
        }
    )
    assert config.cluster_ids == ("reports-db", "prod-db", "orders-db")
    assert [entry.id for entry in config.scheduled] == ["prod-db"]
    assert config.emails == ("a@example.com", "b@example.com", "c@example.com")


def test_schedule_defaults() -> None:
    [entry] = parse_config(_config(_entry(schedule={"expression": "rate(7 days)", "timezone": "UTC"}))).scheduled
    assert entry.schedule is not None
    assert (entry.schedule.timezone, entry.schedule.flexible_window_minutes, entry.schedule.enabled) == ("UTC", 0, True)


def test_options_join_the_execution_input_and_pass_the_runtime_model() -> None:
    options = {"deadlines": {"blue_green_ready_minutes": 900}, "delete_old_cluster": True, "require_approval": False}
    [entry] = parse_config(_config(_entry(options=options))).entries
    assert entry.execution_input() == {
        "cluster_id": "prod-db",
        "target_engine_version": "16.6",
        "strategy": "blue_green",
        **options,
    }


def test_scheduled_execution_name_is_deterministic_and_short_enough() -> None:
    [entry] = parse_config(_config(_entry(target_engine_version="16.10"))).entries
    assert entry.scheduled_execution_name() == "scheduled-prod-db-to-16-10"
    longest = "a" + "-b" * 31  # 63 characters, the RDS maximum
    [long_entry] = parse_config(_config(_entry(id=longest))).entries
    name = long_entry.scheduled_execution_name()
    assert len(name) <= EXECUTION_NAME_LIMIT
    assert name.startswith("scheduled-a-b") and name.endswith("-to-16-6")
    assert name == long_entry.scheduled_execution_name()
    [other] = parse_config(_config(_entry(id=longest[:-1] + "c"))).entries
    assert other.scheduled_execution_name() != name  # the hash tells ids with the same start apart


# --- files ----------------------------------------------------------------------------------

GOOD_YAML = """\
# two clusters: one upgraded on a Sunday night in London, one once at a set time
clusters:
  - id: prod-db
    target_engine_version: "16.6"
    strategy: blue_green
    schedule:
      expression: cron(0 2 ? * SUN *)
      timezone: Europe/London
      flexible_window_minutes: 30
    options:
      delete_old_cluster: true
  - id: orders-db
    target_engine_version: "15.10"
    strategy: in_place
    schedule:
      expression: at(2031-03-01T04:00:00)
      enabled: false
  - reports-db
notifications:
  emails: [dba-team@example.com]
"""


def test_a_yaml_file_is_a_configuration(tmp_path: Path) -> None:
    path = tmp_path / "upgrades.yaml"
    path.write_text(GOOD_YAML)
    config = load_config_file(path)
    assert config.cluster_ids == ("prod-db", "orders-db", "reports-db")
    assert [entry.scheduled_execution_name() for entry in config.scheduled] == [
        "scheduled-prod-db-to-16-6",
        "scheduled-orders-db-to-15-10",
    ]


def test_a_json_file_is_a_configuration(tmp_path: Path) -> None:
    path = tmp_path / "upgrades.json"
    path.write_text(json.dumps({"clusters": ["prod-db"]}))
    assert load_config_file(path).cluster_ids == ("prod-db",)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (GOOD_YAML.replace('"16.6"', "16.6"), "clusters[0].target_engine_version: Value error, must be a string"),
        (GOOD_YAML.replace("Europe/London", "Europe/Paris/Nord"), "clusters[0].schedule.timezone:"),
        (GOOD_YAML.replace("delete_old_cluster", "delete_old_clusters"), "clusters[0].options.delete_old_clusters:"),
        ("clusters: [prod-db\n", "is not valid YAML"),
    ],
)
def test_a_bad_file_names_the_file_and_the_field(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "upgrades.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        build_app(context={"aurora-upgrade-file": str(path)})
    assert str(path) in str(raised.value)
    assert fragment in str(raised.value)


def test_a_missing_file_or_another_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        build_app(context={"aurora-upgrade-file": str(tmp_path / "nowhere.yaml")})
    (tmp_path / "upgrades.toml").write_text("clusters = []")
    with pytest.raises(ConfigError, match=r"\.yaml, \.yml or \.json"):
        build_app(context={"aurora-upgrade-file": str(tmp_path / "upgrades.toml")})


def test_a_bad_file_fails_make_synth_with_the_field(tmp_path: Path) -> None:
    """`make synth` is `python app.py`; the CLI passes -c values the same way (CDK_CONTEXT_JSON)."""
    path = tmp_path / "upgrades.yaml"
    path.write_text(GOOD_YAML.replace("flexible_window_minutes: 30", "flexible_window_minutes: 3000"))
    environment = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps({"aurora-upgrade-file": str(path)}),
        "CDK_OUTDIR": str(tmp_path / "cdk.out"),
    }
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "app.py")],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0
    assert "clusters[0].schedule.flexible_window_minutes: Input should be less than or equal to 1440" in done.stderr


# --- cdk.json ---------------------------------------------------------------------------------


def test_cdk_json_carries_a_valid_config_that_shows_the_features() -> None:
    cdk_json = json.loads((REPO_ROOT / "cdk.json").read_text())
    assert cdk_json["app"] == "python3 app.py"
    config = parse_config(cdk_json["context"]["aurora-upgrade"])
    assert config.cluster_ids == ("prod-db", "dev-db")  # the demo and the in-place scenarios upgrade these
    [scheduled] = config.scheduled
    assert scheduled.schedule is not None and scheduled.schedule.enabled is False  # harmless until enabled
    assert config.emails


def test_cluster_ids_are_lowercased_like_rds_does() -> None:
    assert parse_config({"clusters": ["Prod-DB"]}).cluster_ids == ("prod-db",)


def test_the_documented_example_is_a_valid_configuration() -> None:
    text = (REPO_ROOT / "docs" / "configuration.md").read_text()
    match = re.search(r"## A complete example\n\n```yaml\n(.*?)```", text, re.S)
    assert match, "docs/configuration.md lost its complete example"
    config = parse_config(yaml.safe_load(match.group(1)))
    assert [entry.id for entry in config.scheduled] == ["prod-db", "orders-db"]
    assert config.notifications.slack.chatbot is not None and config.notifications.slack.webhook_secret_arn


def _fleet(**changes: Any) -> Json:
    given: Json = {"name": "pg13", "clusters": ["prod-db"], "targets": {"16": "17.4"}, "strategy": "in_place"}
    return {"input": {**given, **changes}}


def test_a_configured_fleet_is_validated_at_synth_with_the_fleets_own_model() -> None:
    config = parse_config(
        _config(fleets=[_fleet(), {**_fleet(name="later"), "schedule": {"expression": "rate(7 days)"}}])
    )
    assert [fleet.name for fleet in config.fleets] == ["pg13", "later"]
    assert [fleet.name for fleet in config.scheduled_fleets] == ["later"]
    assert config.scheduled_fleets[0].scheduled_execution_name() == "scheduled-fleet-later"


@pytest.mark.parametrize(
    ("fleets", "named"),
    [
        (
            [_fleet(clusters=["prod-db", "elsewhere-db"])],
            r"fleets\[0\]\.input\.clusters: not in clusters: elsewhere-db",
        ),
        ([_fleet(plan={"canary": ["nope-db"]})], r"fleets\[0\]\.input\.plan\.canary: not in clusters: nope-db"),
        ([_fleet(plan={"max_concurrency": 0})], r"fleets\[0\]\.input: plan\.max_concurrency: "),
        ([_fleet(target={"major": 17})], r"fleets\[0\]\.input: input: .*either targets"),
        ([_fleet(), _fleet()], r"fleets: duplicate names: pg13"),
        ([{**_fleet(), "schedule": {"expression": "every sunday"}}], r"fleets\[0\]\.schedule\.expression: Value error"),
    ],
)
def test_a_bad_fleet_stops_synth_naming_the_field(fleets: list[Json], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        parse_config(_config(fleets=fleets))
