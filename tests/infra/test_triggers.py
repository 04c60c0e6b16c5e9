"""What starts, watches and wakes the workflow: schedules and EventBridge rules, with their patterns run
against sample events by a real EventBridge pattern matcher (moto's)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from moto.events.models import EventPattern

from infra.event_rules import PATTERN_SIZE_LIMIT, cluster_events_pattern, split_by_size, wake_resource_pattern
from upgrade.shared.models import parse_request

if TYPE_CHECKING:
    from conftest import Synthesized

Json = dict[str, Any]
UNIVERSAL_START_EXECUTION = "arn:aws:scheduler:::aws-sdk:sfn:startExecution"


# --- schedules -------------------------------------------------------------------------------


def _schedules(synthesized: Synthesized) -> dict[str, Json]:
    """Schedule name (the cluster id) -> properties."""
    return {
        schedule["Properties"]["Name"]: schedule["Properties"]
        for schedule in synthesized.of_type("AWS::Scheduler::Schedule").values()
    }


def test_one_schedule_per_scheduled_cluster_in_the_stack_group(synthesized: Synthesized) -> None:
    schedules = _schedules(synthesized)
    # the bare id "reports-db" has none; the configured fleet has its own
    assert sorted(schedules) == sorted([*synthesized.scheduled, "fleet.pg13"])
    [(group_id, group)] = synthesized.of_type("AWS::Scheduler::ScheduleGroup").items()
    assert group["Properties"]["Name"] == {"Ref": "AWS::StackName"}
    assert all(properties["GroupName"] == {"Ref": group_id} for properties in schedules.values())


@pytest.mark.parametrize(
    ("cluster", "expression", "timezone", "window", "state"),
    [
        (
            "prod-db",
            "cron(30 2 ? * SAT *)",
            "America/New_York",
            {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 45},
            "ENABLED",
        ),
        ("orders-db", "at(2031-03-01T04:00:00)", "UTC", {"Mode": "OFF"}, "DISABLED"),
    ],
)
def test_schedule_follows_its_configuration(
    synthesized: Synthesized, cluster: str, expression: str, timezone: str, window: Json, state: str
) -> None:
    properties = _schedules(synthesized)[cluster]
    assert properties["ScheduleExpression"] == expression
    assert properties["ScheduleExpressionTimezone"] == timezone
    assert properties["FlexibleTimeWindow"] == window
    assert properties["State"] == state


@pytest.mark.parametrize("cluster", ["prod-db", "orders-db"])
def test_schedule_starts_this_state_machine_under_a_deterministic_name(synthesized: Synthesized, cluster: str) -> None:
    entry = synthesized.scheduled[cluster]
    target = _schedules(synthesized)[cluster]["Target"]
    assert synthesized.deployed(target["Arn"]) == UNIVERSAL_START_EXECUTION
    start_execution = json.loads(synthesized.deployed(target["Input"]))
    assert set(start_execution) == {"StateMachineArn", "Name", "Input"}
    assert start_execution["StateMachineArn"] == (
        f"arn:aws:states:{synthesized.region}:{synthesized.account}:stateMachine:AuroraUpgradeStack-upgrade"
    )
    version = entry["target_engine_version"].replace(".", "-")
    assert start_execution["Name"] == f"scheduled-{cluster}-to-{version}"
    execution_input = json.loads(start_execution["Input"])  # a JSON string inside the JSON, as StartExecution takes
    assert execution_input == {
        "cluster_id": cluster,
        "target_engine_version": entry["target_engine_version"],
        "strategy": entry["strategy"],
        **entry.get("options", {}),
    }
    parse_request(execution_input)  # the workflow's first step accepts it


def test_schedules_retry_and_dead_letter(synthesized: Synthesized) -> None:
    [queue_id] = synthesized.of_type("AWS::SQS::Queue")
    for properties in _schedules(synthesized).values():
        target = properties["Target"]
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": 4, "MaximumEventAgeInSeconds": 3600}
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue_id, "Arn"]}}


def test_a_configured_fleet_schedule_starts_the_fleet_state_machine_under_a_deterministic_name(
    synthesized: Synthesized,
) -> None:
    from tests.infra.conftest import FLEET
    from upgrade.fleet.models import parse_fleet_input

    properties = _schedules(synthesized)["fleet.pg13"]
    assert properties["ScheduleExpression"] == "cron(0 2 ? * SAT *)"
    assert properties["ScheduleExpressionTimezone"] == "Europe/Paris"
    start_execution = json.loads(synthesized.deployed(properties["Target"]["Input"]))
    assert start_execution["StateMachineArn"] == (
        f"arn:aws:states:{synthesized.region}:{synthesized.account}:stateMachine:AuroraUpgradeStack-fleet"
    )
    assert start_execution["Name"] == "scheduled-fleet-pg13"
    assert json.loads(start_execution["Input"]) == FLEET["input"]
    parse_fleet_input(json.loads(start_execution["Input"]))  # the fleet's first step accepts it


def test_the_scheduler_role_may_only_start_the_two_state_machines(synthesized: Synthesized) -> None:
    roles = {target["RoleArn"]["Fn::GetAtt"][0] for target in (p["Target"] for p in _schedules(synthesized).values())}
    [role_id] = roles
    trust = synthesized.resources[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == [
        {
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
        }
    ]
    machine_id, _ = synthesized.state_machine()
    fleet_id, _ = synthesized.state_machine("Fleet")  # a configured fleet has a schedule
    [queue_id] = synthesized.of_type("AWS::SQS::Queue")
    assert synthesized.action_resource_pairs(synthesized.role_statements(role_id)) == {
        ("states:StartExecution", f"<{machine_id}>"),
        ("states:StartExecution", f"<{fleet_id}>"),
        ("sqs:SendMessage", f"<{queue_id}.Arn>"),
        ("sqs:GetQueueAttributes", f"<{queue_id}.Arn>"),
        ("sqs:GetQueueUrl", f"<{queue_id}.Arn>"),
    }


# --- the dead-letter queue ----------------------------------------------------------------------


def test_dead_letter_queue_is_encrypted_and_refuses_plain_http(synthesized: Synthesized) -> None:
    [(queue_id, queue)] = synthesized.of_type("AWS::SQS::Queue").items()
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    [policy] = synthesized.of_type("AWS::SQS::QueuePolicy").values()
    assert policy["Properties"]["Queues"] == [{"Ref": queue_id}]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    )


def test_event_driven_functions_keep_their_failures(synthesized: Synthesized) -> None:
    [queue_id] = synthesized.of_type("AWS::SQS::Queue")
    configured = {
        config["Properties"]["FunctionName"]["Ref"]: config["Properties"]
        for config in synthesized.of_type("AWS::Lambda::EventInvokeConfig").values()
    }
    for construct_id in ("NotifyFunction", "WakeFunction", "SlackWebhookFunction"):
        properties = configured[synthesized.function(construct_id)[0]]
        destination = properties["DestinationConfig"]["OnFailure"]["Destination"]
        assert destination == {"Fn::GetAtt": [queue_id, "Arn"]}, construct_id


# --- rules -----------------------------------------------------------------------------------


def _rules(synthesized: Synthesized, construct_id: str) -> list[Json]:
    """Rules whose (single) target is the function with this construct id."""
    logical_id = synthesized.function(construct_id)[0]
    return [
        rule["Properties"]
        for rule in synthesized.of_type("AWS::Events::Rule").values()
        if [t["Arn"] for t in rule["Properties"]["Targets"]] == [{"Fn::GetAtt": [logical_id, "Arn"]}]
    ]


def _matcher(synthesized: Synthesized, construct_id: str, detail_type: str) -> EventPattern:
    """moto's EventBridge matcher for the rule sending this detail-type to the function."""
    [rule] = [r for r in _rules(synthesized, construct_id) if detail_type in r["EventPattern"]["detail-type"]]
    return EventPattern.load(json.dumps(synthesized.deployed(rule["EventPattern"])))


def test_rules_reach_the_notifier_and_the_wake_function_with_retries_and_a_dead_letter_queue(
    synthesized: Synthesized,
) -> None:
    [queue_id] = synthesized.of_type("AWS::SQS::Queue")
    assert len(_rules(synthesized, "NotifyFunction")) == 3
    assert len(_rules(synthesized, "WakeFunction")) == 2
    for rule in synthesized.of_type("AWS::Events::Rule").values():
        [target] = rule["Properties"]["Targets"]
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": 8, "MaximumEventAgeInSeconds": 7200}
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue_id, "Arn"]}}


def _execution_event(synthesized: Synthesized, status: str, machine: str = "AuroraUpgradeStack-upgrade") -> Json:
    arn = f"arn:aws:states:{synthesized.region}:{synthesized.account}:stateMachine:{machine}"
    execution = f"arn:aws:states:{synthesized.region}:{synthesized.account}:execution:{machine}:run-1"
    return {
        "version": "0",
        "id": "315c1398-40ff-a850-213b-158f73e60175",
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "account": synthesized.account,
        "time": "2031-03-01T04:10:00Z",
        "region": synthesized.region,
        "resources": [execution],
        "detail": {
            "executionArn": execution,
            "stateMachineArn": arn,
            "name": "run-1",
            "status": status,
            "startDate": 1929412800000,
            "stopDate": 1929413400000,
            "input": '{"cluster_id": "prod-db"}',
            "inputDetails": {"included": True},
            "output": None,
        },
    }


def _rds_event(synthesized: Synthesized, detail_type: str, source_identifier: str, event_id: str) -> Json:
    source_type, kind = {
        "RDS DB Cluster Event": ("CLUSTER", "cluster"),
        "RDS DB Instance Event": ("DB_INSTANCE", "db"),
        "RDS DB Cluster Snapshot Event": ("CLUSTER_SNAPSHOT", "cluster-snapshot"),
        "RDS Blue Green Deployment Event": ("BLUE_GREEN_DEPLOYMENT", "deployment"),
    }[detail_type]
    arn = f"arn:aws:rds:{synthesized.region}:{synthesized.account}:{kind}:{source_identifier}"
    return {
        "version": "0",
        "id": "844e2571-85d4-695f-b930-0153b71dcb42",
        "detail-type": detail_type,
        "source": "aws.rds",
        "account": synthesized.account,
        "time": "2031-03-01T04:20:00Z",
        "region": synthesized.region,
        "resources": [arn],
        "detail": {
            "EventCategories": ["notification"],
            "SourceType": source_type,
            "SourceArn": arn,
            "Date": "2031-03-01T04:20:00.000Z",
            "Message": "sample",
            "SourceIdentifier": source_identifier,
            "EventID": event_id,
            "Tags": {"team": "dba"},
        },
    }


STATUS_CHANGE = "Step Functions Execution Status Change"


@pytest.mark.parametrize(("status", "matches"), [("FAILED", True), ("TIMED_OUT", True), ("ABORTED", True),
                                                 ("SUCCEEDED", False), ("RUNNING", False)])  # fmt: skip
def test_safety_net_hears_only_unsuccessful_ends(synthesized: Synthesized, status: str, matches: bool) -> None:
    matcher = _matcher(synthesized, "NotifyFunction", STATUS_CHANGE)
    assert matcher.matches_event(_execution_event(synthesized, status)) is matches


def test_safety_net_ignores_other_state_machines_and_sources(synthesized: Synthesized) -> None:
    matcher = _matcher(synthesized, "NotifyFunction", STATUS_CHANGE)
    assert not matcher.matches_event(_execution_event(synthesized, "FAILED", machine="SomeoneElse-upgrade"))
    assert not matcher.matches_event({**_execution_event(synthesized, "FAILED"), "source": "my.app"})


CLUSTER, INSTANCE, SNAPSHOT, BLUE_GREEN = (
    "RDS DB Cluster Event",
    "RDS DB Instance Event",
    "RDS DB Cluster Snapshot Event",
    "RDS Blue Green Deployment Event",
)


@pytest.mark.parametrize(
    ("source_identifier", "event_id", "matches"),
    [
        ("prod-db", "RDS-EVENT-0176", True),  # major version upgraded
        ("orders-db", "RDS-EVENT-0177", True),  # upgrade in progress
        ("reports-db", "RDS-EVENT-0363", True),  # a bare id counts as much as a scheduled one
        ("prod-db-green-4x7kqd", "RDS-EVENT-0174", True),  # green, named by RDS
        ("prod-db-old1", "RDS-EVENT-0176", True),  # blue after the switchover rename
        ("prod-db", "RDS-EVENT-0261", False),  # a blue/green deployment event, never a cluster event
        ("billing-db", "RDS-EVENT-0176", False),  # another cluster
        ("prod-dbx", "RDS-EVENT-0176", False),  # a name that only starts like a configured one
        ("prod-db", "RDS-EVENT-0150", False),  # stopped: not an upgrade event
    ],
)
def test_cluster_events_of_configured_clusters_only(
    synthesized: Synthesized, source_identifier: str, event_id: str, matches: bool
) -> None:
    matcher = _matcher(synthesized, "NotifyFunction", CLUSTER)
    assert matcher.matches_event(_rds_event(synthesized, CLUSTER, source_identifier, event_id)) is matches


def test_cluster_event_rule_ignores_instance_events(synthesized: Synthesized) -> None:
    matcher = _matcher(synthesized, "NotifyFunction", CLUSTER)
    assert not matcher.matches_event(_rds_event(synthesized, INSTANCE, "prod-db", "RDS-EVENT-0176"))


@pytest.mark.parametrize(
    ("event_id", "matches"),
    [
        ("RDS-EVENT-0244", True),
        ("RDS-EVENT-0245", True),
        ("RDS-EVENT-0247", True),
        ("RDS-EVENT-0248", True),
        ("RDS-EVENT-0249", True),
        ("RDS-EVENT-0259", True),  # cluster switchover started, sent as a blue/green deployment event
        ("RDS-EVENT-0260", True),  # cluster switchover completed (blue renamed)
        ("RDS-EVENT-0261", True),  # cluster switchover canceled
        ("RDS-EVENT-0314", True),  # sequence synchronization failed
        ("RDS-EVENT-0246", False),  # deployment deleted: the workflow's own clean-up
        ("RDS-EVENT-0409", False),
    ],
)
def test_blue_green_milestones_are_notified(synthesized: Synthesized, event_id: str, matches: bool) -> None:
    matcher = _matcher(synthesized, "NotifyFunction", BLUE_GREEN)
    assert matcher.matches_event(_rds_event(synthesized, BLUE_GREEN, "bgd-v53303651eexfake", event_id)) is matches


@pytest.mark.parametrize(
    ("detail_type", "source_identifier", "matches"),
    [
        (CLUSTER, "prod-db", True),
        (CLUSTER, "orders-db-green-abc123", True),
        (INSTANCE, "prod-db-instance-1", True),
        (SNAPSHOT, "prod-db-pre-upgrade-13-20-to-16-6-run-1", True),
        (SNAPSHOT, "reports-db-pre-upgrade-15-8-to-16-6-run-2", True),
        (CLUSTER, "billing-db", False),
        (INSTANCE, "billing-db-instance-1", False),
        (SNAPSHOT, "billing-db-manual", False),
    ],
)
def test_wake_rule_hears_every_event_of_configured_resources(
    synthesized: Synthesized, detail_type: str, source_identifier: str, matches: bool
) -> None:
    matcher = _matcher(synthesized, "WakeFunction", CLUSTER)
    event = _rds_event(synthesized, detail_type, source_identifier, "RDS-EVENT-0006")
    assert matcher.matches_event(event) is matches


def test_wake_rule_hears_every_blue_green_event_and_nothing_else(synthesized: Synthesized) -> None:
    matcher = _matcher(synthesized, "WakeFunction", BLUE_GREEN)
    for event_id in ("RDS-EVENT-0244", "RDS-EVENT-0246", "RDS-EVENT-0409"):
        assert matcher.matches_event(_rds_event(synthesized, BLUE_GREEN, "bgd-v53303651eexfake", event_id))
    assert not matcher.matches_event(_rds_event(synthesized, CLUSTER, "prod-db", "RDS-EVENT-0176"))


def test_the_matcher_is_a_real_one() -> None:
    """Canary: moto's matcher applies prefix and exact filters (the tests above cannot pass vacuously)."""
    pattern = EventPattern.load(json.dumps({"detail": {"SourceIdentifier": ["a", {"prefix": "b-"}]}}))
    assert pattern.matches_event({"detail": {"SourceIdentifier": "a"}})
    assert pattern.matches_event({"detail": {"SourceIdentifier": "b-1"}})
    assert not pattern.matches_event({"detail": {"SourceIdentifier": "ab"}})
    assert not pattern.matches_event({"detail": {"SourceIdentifier": "b"}})


def test_many_clusters_are_spread_over_rules_within_the_pattern_size_quota() -> None:
    """EventBridge refuses patterns above 2,048 characters (default quota): a long cluster list needs more rules."""
    ids = [f"customer-orders-database-{n:03d}" for n in range(80)]
    for build in (cluster_events_pattern, wake_resource_pattern):
        patterns = split_by_size(ids, build)
        assert len(patterns) > 1
        assert all(len(json.dumps(p, separators=(",", ":"))) <= PATTERN_SIZE_LIMIT for p in patterns)
        matchers = [EventPattern.load(json.dumps(p)) for p in patterns]
        for cluster in ids:
            event = {
                "source": "aws.rds",
                "detail-type": "RDS DB Cluster Event",
                "detail": {"SourceIdentifier": cluster, "EventID": "RDS-EVENT-0176"},
            }
            assert sum(m.matches_event(event) for m in matchers) == 1, cluster
    assert split_by_size(["prod-db"], cluster_events_pattern) == [cluster_events_pattern(["prod-db"])]
