"""The messages people read, as they read them: email text, Slack blocks and the Chatbot notification.

Snapshot tests: each milestone and outcome is rendered from a hand-built workflow state (prod-db
13.20 -> 14.18 blue/green, dev-db 14.18 -> 15.13 in place) and compared exactly with the files in
tests/unit/snapshots/notifications/. After a deliberate wording change, rewrite them with
``UPDATE_SNAPSHOTS=1 pytest tests/unit/test_notification_messages.py`` and read the diff.
The other tests check limits and decisions against values worked out by hand.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from upgrade.notifications import events as notify_events
from upgrade.notifications.messages import (
    ApprovalLinks,
    Message,
    NextStep,
    duration_text,
    elapsed_since,
    execution_console_url,
)
from upgrade.notifications.milestone import MILESTONES, milestone_message
from upgrade.notifications.outcome import outcome_event, outcome_message
from upgrade.notifications.render import (
    SLACK_BUTTON_URL_MAX,
    SLACK_FIELD_MAX,
    SLACK_HEADER_MAX,
    SLACK_MAX_BLOCKS,
    SLACK_SECTION_MAX,
    SNS_MAX_BYTES,
    clip,
    render,
    sns_variants,
    structured_size,
    subject,
)
from upgrade.notifications.slack import WebhookSecretInvalid, webhook_url
from upgrade.shared.consistency_result import ConsistencyResult
from upgrade.shared.models import WorkflowState
from upgrade.shared.post_upgrade_result import DriftReport, PostUpgradeResult
from upgrade.shared.settings import SlackSettings

SNAPSHOTS = Path(__file__).parent / "snapshots" / "notifications"
ASL = Path(__file__).parents[2] / "statemachines" / "upgrade.asl.json"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"

ACCOUNT, REGION = "123456789012", "eu-west-1"
MACHINE = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:aurora-upgrade"
START = "2025-03-01T02:00:00.000Z"
NOW = datetime(2025, 3, 1, 3, 12, 34, tzinfo=UTC)  # 1 h 12 min 34 s after START


# hand-built states ---------------------------------------------------------------------------------------


class _Result(BaseModel):
    """Stands in for what other steps add (post-upgrade work, consistency, drift): anything with lines()."""

    text: list[str]

    def lines(self) -> list[str]:
        return list(self.text)


class _State(WorkflowState):
    post_upgrade: _Result | None = None  # type: ignore[assignment]
    consistency: _Result | None = None  # type: ignore[assignment]
    drift: _Result | None = None  # type: ignore[assignment]


def _execution(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "id": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:aurora-upgrade:{name}",
        "state_machine": MACHINE,
        "start_time": START,
    }


def _poll(wait: int = 30) -> dict[str, Any]:
    return {"attempts": 4, "waited_seconds": 4 * wait, "wait_seconds": wait, "deadline_seconds": 3600}


def _report(cluster: str, source: str, target: str, strategy: str, *, failing: bool = False) -> dict[str, Any]:
    checks = [
        {
            "id": "CP-valid-target",
            "title": f"{target} is a valid major upgrade target",
            "scope": "control-plane",
            "status": "pass",
        },
        {
            "id": "P1-prepared-transactions",
            "title": "No open prepared transactions",
            "scope": "database",
            "status": "pass",
        },
        {
            "id": "CP-logical-replication",
            "title": "Logical replication must be on for blue/green",
            "scope": "control-plane",
            "status": "warn",
            "reason": "rds.logical_replication is 0",
            "remediation": "the workflow sets it in a custom cluster parameter group and reboots the members",
        },
        {
            "id": "P7-unlogged-tables",
            "title": "Unlogged tables are not replicated to green",
            "scope": "database",
            "status": "warn",
            "evidence": [
                {"database": "orders", "schema_name": "public", "object_name": "cart_cache", "detail": "UNLOGGED"}
            ],
            "remediation": "ALTER TABLE ... SET LOGGED, or accept that green starts with them empty",
        },
        {
            "id": "P9-extension-support",
            "title": "Extensions are supported on the target",
            "scope": "database",
            "status": "skipped",
            "reason": "no database access configured",
        },
    ]
    if failing:
        checks.append(
            {
                "id": "CP-instance-classes",
                "title": "Instance classes exist on the target version",
                "scope": "control-plane",
                "status": "fail",
                "evidence": [
                    {"object_name": f"{cluster}-reader", "detail": "db.r4.large is not offered for " + target}
                ],
                "remediation": "modify the instance to db.r6g.large before the upgrade",
            }
        )
    return {
        "cluster_id": cluster,
        "source_version": source,
        "target_version": target,
        "strategy": strategy,
        "checks": checks,
    }


def _plan(cluster: str, source: str, target: str, strategy: str, **extra: Any) -> dict[str, Any]:
    source_family = "aurora-postgresql" + source.split(".")[0]
    target_family = "aurora-postgresql" + target.split(".")[0]
    path = f"{source.replace('.', '-')}-to-{target.replace('.', '-')}"
    run = "prod-db-14-18-20250301" if cluster == "prod-db" else "dev-db-15-13-20250301"
    return {
        "strategy": strategy,
        "cluster": {
            "cluster_id": cluster,
            "cluster_arn": f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:{cluster}",
            "resource_id": "cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            "engine_version": source,
            "family": source_family,
            "cluster_parameter_group": f"default.{source_family}",
            "serverless_v2": cluster == "prod-db",
            "min_capacity": 0.5 if cluster == "prod-db" else None,
            "max_capacity": 8 if cluster == "prod-db" else None,
            "members": [
                {"instance_id": f"{cluster}-writer", "is_writer": True, "instance_class": "db.serverless"},
                {"instance_id": f"{cluster}-reader", "is_writer": False, "instance_class": "db.serverless"},
            ],
        },
        "source_version": source,
        "target_version": target,
        "target_family": target_family,
        "names": {
            "source_cluster_parameter_group": f"{cluster}-{source_family}-cluster",
            "target_cluster_parameter_group": f"{cluster}-{target_family}-cluster",
            "target_instance_parameter_group": f"{cluster}-{target_family}-instance",
            "snapshot_id": f"{cluster}-pre-upgrade-{path}-{run}",
            "blue_green_name": f"{cluster}-upgrade-{path}",
            "aside_cluster_id": f"{cluster}-aside-3f9a1c",
        },
        "report": _report(cluster, source, target, strategy),
        "approval_required": strategy == "blue_green",
        "approval_timeout_seconds": 86_400,
        **extra,
    }


PROD_INPUT = {"cluster_id": "prod-db", "target_engine_version": "14.18", "strategy": "blue_green"}
DEV_INPUT = {"cluster_id": "dev-db", "target_engine_version": "15.13", "strategy": "in_place"}
PROD_RUN, DEV_RUN = "prod-db-14-18-20250301", "dev-db-15-13-20250301"
PROD_SNAPSHOT = f"prod-db-pre-upgrade-13-20-to-14-18-{PROD_RUN}"
DEV_SNAPSHOT = f"dev-db-pre-upgrade-14-18-to-15-13-{DEV_RUN}"
DEPLOYMENT = "bgd-v53303czvx3zrmc0"
GREEN = "prod-db-green-k2x9qe"


def _prod(stage: str) -> dict[str, Any]:
    """prod-db's state after each stage of a blue/green upgrade, as the state machine carries it."""
    state: dict[str, Any] = {"input": PROD_INPUT, "execution": _execution(PROD_RUN)}
    if stage == "started":
        return state
    state["plan"] = _plan("prod-db", "13.20", "14.18", "blue_green")
    if stage == "preflight_passed":
        return state
    state["capacity"] = {
        "serverless_v2": True,
        "changed": True,
        "original_min_capacity": 0.5,
        "original_max_capacity": 8,
        "upgrade_min_capacity": 2,
    }
    state["source_parameter_group"] = {
        "name": "prod-db-aurora-postgresql13-cluster",
        "created": True,
        "attached": True,
        "logical_replication_set": True,
        "rebooted": ["prod-db-reader", "prod-db-writer"],
        "in_sync": True,
        "poll": _poll(),
    }
    state["target_parameter_groups"] = {
        "cluster_parameter_group": "prod-db-aurora-postgresql14-cluster",
        "instance_parameter_group": "prod-db-aurora-postgresql14-instance",
        "family": "aurora-postgresql14",
        "cluster_parameters": {"carried": {"rds.logical_replication": "1"}},
        "instance_parameters": {"dropped": {"stats_temp_directory": "removed in PostgreSQL 15"}},
    }
    state["snapshot"] = {
        "snapshot_id": PROD_SNAPSHOT,
        "status": "available",
        "adopted": False,
        "ready": True,
        "poll": _poll(60),
    }
    if stage == "snapshot_ready":
        return state
    state["blue_green"] = {
        "deployment_id": DEPLOYMENT,
        "name": "prod-db-upgrade-13-20-to-14-18",
        "status": "AVAILABLE",
        "adopted": False,
        "ready": True,
        "green_cluster_arn": f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:{GREEN}",
        "poll": _poll(60),
    }
    if stage == "green_ready":
        return state
    state["post_upgrade"] = {
        "text": [
            f"Post-upgrade work on green cluster {GREEN} (target 14.18): complete.",
            "ANALYZE: orders (single pass, 2.1 s); postgres (single pass, 0.3 s).",
        ]
    }
    state["consistency"] = {
        "text": [
            f"Blue/green consistency check PASSED: prod-db (blue) vs {GREEN} (green), databases orders.",
            "Tables with equal row counts: 20; sequences compared: 12.",
        ]
    }
    if stage == "awaiting_approval":
        return state
    if stage in ("approval_rejected", "approval_timed_out"):
        state["abandoned"] = {"deployment_id": DEPLOYMENT, "green_cluster_id": GREEN, "blue_cluster_id": "prod-db"}
        if stage == "approval_rejected":
            state["approval"] = {
                "decision": "reject",
                "decided_at": "2025-03-01T03:10:02+00:00",
                "source_ip": "198.51.100.7",
            }
        else:
            state["failure"] = {"AwaitApproval": {"Error": "States.Timeout", "Cause": None}}
        return state
    if stage == "failed":
        state.pop("post_upgrade"), state.pop("consistency")
        state["blue_green"] |= {"status": "INVALID_CONFIGURATION", "ready": False}
        state["failure"] = {
            "CheckGreen": _lambda_error(
                "BlueGreenInvalidConfiguration",
                f"blue/green deployment {DEPLOYMENT} is INVALID_CONFIGURATION: "
                "Correct the logical replication configuration",
            )
        }
        return state
    if stage == "capacity_not_restored":
        state = _prod("failed")
        state["capacity_restore_error"] = _lambda_error("ClusterBusy", "cluster prod-db is modifying")
        return state
    state["approval"] = {"decision": "approve", "decided_at": "2025-03-01T03:05:00+00:00"}
    state["switchover"] = state["blue_green"] | {"status": "SWITCHOVER_COMPLETED"}
    state["verification"] = {
        "cluster_id": "prod-db",
        "engine_version": "14.18",
        "instances": {"prod-db-writer": "14.18", "prod-db-reader": "14.18"},
        "old_cluster_id": "prod-db-old1",
    }
    if stage == "switchover_done":
        return state
    state["cleanup"] = {"blue_green_deleted": True, "old_cluster_id": "prod-db-old1", "old_cluster_deleted": False}
    state["drift"] = {
        "text": [
            "Terraform/Terragrunt for prod-db: update the inputs to what now runs:",
            '  engine_version = "14.18"',
            '  db_cluster_parameter_group_name = "prod-db-aurora-postgresql14-cluster"',
        ]
    }
    assert stage == "succeeded", stage
    return state


def _dev(stage: str) -> dict[str, Any]:
    """dev-db (provisioned) upgraded in place, rolled back, or restored by a restore execution."""
    state: dict[str, Any] = {"input": DEV_INPUT, "execution": _execution(DEV_RUN)}
    if stage == "started":
        return state
    state["plan"] = _plan("dev-db", "14.18", "15.13", "in_place")
    state["snapshot"] = {
        "snapshot_id": DEV_SNAPSHOT,
        "status": "available",
        "adopted": False,
        "ready": True,
        "poll": _poll(60),
    }
    state["target_parameter_groups"] = {
        "cluster_parameter_group": "dev-db-aurora-postgresql15-cluster",
        "instance_parameter_group": "dev-db-aurora-postgresql15-instance",
        "family": "aurora-postgresql15",
        "cluster_parameters": {},
        "instance_parameters": {"dropped": {"stats_temp_directory": "removed in PostgreSQL 15"}},
    }
    if stage == "succeeded":
        state["in_place"] = {
            "status": "available",
            "engine_version": "15.13",
            "ready": True,
            "rebooted": ["dev-db-writer", "dev-db-reader"],
            "poll": _poll(60),
        }
        return state
    restore = {
        "cluster_id": "dev-db",
        "snapshot_id": DEV_SNAPSHOT,
        "snapshot_time": "2025-03-01T02:09:41+00:00",
        "status": "available",
        "instances": {"dev-db-writer": "available", "dev-db-reader": "available"},
        "ready": True,
        "poll": _poll(60),
    }
    verified = {
        "cluster_id": "dev-db",
        "engine_version": "14.18",
        "instances": {"dev-db-writer": "14.18", "dev-db-reader": "14.18"},
        "old_cluster_id": "dev-db-aside-3f9a1c",
    }
    aside = {
        "aside_cluster_id": "dev-db-aside-3f9a1c",
        "ready": True,
        "poll": _poll(),
        "renamed_instances": {
            "dev-db-writer": "dev-db-writer-aside-3f9a1c",
            "dev-db-reader": "dev-db-reader-aside-3f9a1c",
        },
    }
    state |= {"restore": restore, "restore_verification": verified, "aside": aside}
    if stage == "rolled_back":
        state["failure"] = {
            "CheckInPlaceUpgrade": _lambda_error(
                "InPlaceUpgradeFailed",
                "Aurora refused the upgrade: RDS-EVENT-0174 Database cluster is in a state "
                "that cannot be upgraded: regproc columns in orders.public.jobs",
            )
        }
        state["rollback"] = {"needed": True, "reason": "the upgrade failed after the engine changed"}
        return state
    assert stage == "restored", stage
    state["input"] = {"action": "restore", "cluster_id": "dev-db", "snapshot_id": DEV_SNAPSHOT}
    state["execution"] = _execution("dev-db-restore-20250302")
    state["plan"] |= {"action": "restore", "restore_snapshot_id": DEV_SNAPSHOT}
    del state["target_parameter_groups"], state["snapshot"]
    return state


def _failed_switchover() -> dict[str, Any]:
    """AWS rolled the switchover back (SWITCHOVER_FAILED): blue serves, green still runs."""
    state = _prod("failed")
    state["blue_green"] |= {"status": "AVAILABLE", "ready": True}
    state["switchover"] = state["blue_green"] | {"status": "SWITCHOVER_FAILED"}
    state["failure"] = {
        "CheckSwitchover": _lambda_error(
            "SwitchoverFailed",
            "switchover of prod-db-upgrade-13-20-to-14-18 failed: Switchover timed out; "
            "AWS rolled it back, blue keeps serving on the old version",
        )
    }
    return state


def _lambda_error(error: str, message: str) -> dict[str, Any]:
    """A Catch's record of a function's error, as Step Functions puts it in the state."""
    return {"Error": error, "Cause": json.dumps({"errorMessage": message, "errorType": error})}


def _failed_without_snapshot() -> dict[str, Any]:
    """The snapshot was refused (quota): nothing was taken, the engine never changed."""
    state = _prod("preflight_passed")
    state["failure"] = {
        "StartSnapshot": _lambda_error(
            "SnapshotQuotaExceededFault",
            "An error occurred (SnapshotQuotaExceeded) when calling the "
            "CreateDBClusterSnapshot operation: Cannot create more than 100 manual snapshots",
        )
    }
    return state


def _interrupted_rollback() -> dict[str, Any]:
    """The rollback renamed the cluster aside, then an instance rename was refused."""
    state = _dev("rolled_back")
    del state["restore"], state["restore_verification"]
    state["aside"] = {"aside_cluster_id": "dev-db-aside-3f9a1c", "ready": False, "poll": _poll()}
    state["failure"]["MoveAside"] = _lambda_error("DBInstanceAlreadyExistsFault", "DB instance already exists")
    return state


def _preflight_report() -> dict[str, Any]:
    state = _prod("preflight_passed")
    state["input"] = PROD_INPUT | {"mode": "preflight"}
    state["plan"] |= {
        "mode": "preflight",
        "report": _report("prod-db", "13.20", "14.18", "blue_green", failing=True),
        "blocked": True,
    }
    return state


def _already_upgraded() -> dict[str, Any]:
    state = _prod("preflight_passed")
    state["plan"] |= {"source_version": "14.18", "already_at_target": True}
    return state


LINKS = ApprovalLinks(
    approve_url="https://abcdefghij.lambda-url.eu-west-1.on.aws/?id=Zm9vYmFy&decision=approve&expires=1740884400"
    "&sig=4c1d2e3f4a5b6c7d8e9f",
    reject_url="https://abcdefghij.lambda-url.eu-west-1.on.aws/?id=Zm9vYmFy&decision=reject&expires=1740884400"
    "&sig=9f8e7d6c5b4a3f2e1d0c",
    expires_at="2025-03-02T03:00:00+00:00",
    cli_approve="aws stepfunctions send-task-success --task-token 'AQB8AAAAKgAAAAMAAAAAAAAAAQ' "
    '--task-output \'{"decision":"approve"}\'',
    cli_reject="aws stepfunctions send-task-success --task-token 'AQB8AAAAKgAAAAMAAAAAAAAAAQ' "
    '--task-output \'{"decision":"reject"}\'',
)


class _Rds:
    """What the outcome message reads from RDS: the cluster and the deployment as they are now."""

    def __init__(self, clusters: dict[str, dict[str, Any]], deployments: dict[str, dict[str, Any]]) -> None:
        self.clusters, self.deployments = clusters, deployments

    def find_cluster(self, cluster_id: str) -> dict[str, Any] | None:
        return self.clusters.get(cluster_id)

    def find_blue_green(self, deployment_id: str) -> dict[str, Any] | None:
        return self.deployments.get(deployment_id)


def _prod_rds(deployment: str | None, min_capacity: float = 2.0) -> _Rds:
    cluster = {
        "Status": "available",
        "EngineVersion": "13.20",
        "DBClusterParameterGroup": "prod-db-aurora-postgresql13-cluster",
        "ServerlessV2ScalingConfiguration": {"MinCapacity": min_capacity, "MaxCapacity": 8.0},
    }
    deployments = (
        {
            DEPLOYMENT: {
                "Status": deployment,
                "Source": f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:prod-db",
                "Target": f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:{GREEN}",
            }
        }
        if deployment
        else {}
    )
    return _Rds({"prod-db": cluster}, deployments)


NO_RDS = _Rds({}, {})
_ASIDE_RDS = _Rds(
    {
        "dev-db-aside-3f9a1c": {
            "Status": "failed",
            "EngineVersion": "14.18",
            "DBClusterMembers": [{"DBInstanceIdentifier": "dev-db-writer"}, {"DBInstanceIdentifier": "dev-db-reader"}],
        }
    },
    {},
)

MILESTONE_CASES = {
    **{f"{milestone}": (_prod(milestone), milestone) for milestone in MILESTONES if milestone != "post_upgrade_done"},
    "post_upgrade_done": (_prod("awaiting_approval"), "post_upgrade_done"),
    "started_in_place": (_dev("started"), "started"),
    "started_restore": (
        _dev("restored") | {"plan": None, "restore": None, "restore_verification": None, "aside": None},
        "started",
    ),
    "preflight_passed_restore": (
        _dev("restored")
        | {"restore": None, "restore_verification": None, "aside": None}
        | {"plan": _dev("restored")["plan"] | {"report": None}},
        "preflight_passed",
    ),
}
OUTCOME_CASES = {
    "succeeded": (_prod("succeeded"), NO_RDS),
    "succeeded_in_place": (_dev("succeeded"), NO_RDS),
    "failed": (_prod("failed"), _prod_rds("INVALID_CONFIGURATION")),
    "failed_switchover": (_failed_switchover(), _prod_rds("SWITCHOVER_FAILED")),
    "failed_without_snapshot": (_failed_without_snapshot(), _prod_rds(None)),
    "failed_rollback_interrupted": (_interrupted_rollback(), _ASIDE_RDS),
    "capacity_not_restored": (_prod("capacity_not_restored"), _prod_rds("INVALID_CONFIGURATION")),
    "already_upgraded": (_already_upgraded(), NO_RDS),
    "preflight_report": (_preflight_report(), NO_RDS),
    "rolled_back": (_dev("rolled_back"), NO_RDS),
    "restored": (_dev("restored"), NO_RDS),
    "approval_rejected": (_prod("approval_rejected"), _prod_rds(None, min_capacity=0.5)),
    "approval_timed_out": (_prod("approval_timed_out"), _prod_rds(None, min_capacity=0.5)),
}

EXECUTION_FAILED_EVENT = {
    "version": "0",
    "id": "315c1398-40ff-a850-213b-158f73e60175",
    "detail-type": "Step Functions Execution Status Change",
    "source": "aws.states",
    "account": ACCOUNT,
    "time": "2025-03-01T03:12:34Z",
    "region": REGION,
    "resources": [f"arn:aws:states:{REGION}:{ACCOUNT}:execution:aurora-upgrade:{PROD_RUN}"],
    "detail": {
        "executionArn": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:aurora-upgrade:{PROD_RUN}",
        "stateMachineArn": MACHINE,
        "name": PROD_RUN,
        "status": "FAILED",
        "startDate": 1740794400000,
        "stopDate": 1740798754000,
        "input": json.dumps(PROD_INPUT),
        "inputDetails": {"included": True},
        "output": None,
        "error": "Lambda.Unknown",
        "cause": "The cause could not be determined because Lambda did not return an error type. Returned payload: "
        "Task timed out after 300.00 seconds",
    },
}

BLUE_GREEN_EVENT = {
    "version": "0",
    "id": "68f6e973-1a0c-d37b-f2f2-94a7f62ffd4e",
    "detail-type": "RDS Blue Green Deployment Event",
    "source": "aws.rds",
    "account": ACCOUNT,
    "time": "2025-03-01T03:08:12Z",
    "region": REGION,
    "resources": [f"arn:aws:rds:{REGION}:{ACCOUNT}:deployment:{DEPLOYMENT}"],
    "detail": {
        "EventCategories": ["notification"],
        "SourceType": "BLUE_GREEN_DEPLOYMENT",
        "SourceArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:deployment:{DEPLOYMENT}",
        "Date": "2025-03-01T03:08:12.154Z",
        "Message": "Switchover from blue to green completed.",
        "SourceIdentifier": DEPLOYMENT,
        "EventID": "RDS-EVENT-0248",
    },
}


# snapshots ---------------------------------------------------------------------------------------------------


def _check_snapshot(name: str, message: Message) -> None:
    rendered = render(message)
    files = {
        SNAPSHOTS / f"{name}.txt": f"Subject: {rendered.subject}\n\n{rendered.text}",
        SNAPSHOTS / f"{name}.json": json.dumps(
            {"slack_blocks": rendered.blocks, "chatbot": rendered.chatbot}, indent=2, ensure_ascii=False
        )
        + "\n",
    }
    for path, actual in files.items():
        if UPDATE:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual)
            continue
        assert path.exists(), f"no snapshot {path.name}: run with UPDATE_SNAPSHOTS=1 and review the new file"
        assert actual == path.read_text(), f"{path.name} differs from the snapshot (UPDATE_SNAPSHOTS=1 rewrites it)"


@pytest.mark.parametrize("name", sorted(MILESTONE_CASES))
def test_milestone_messages_match_their_snapshots(name: str) -> None:
    raw, milestone = MILESTONE_CASES[name]
    approval = LINKS if milestone == "awaiting_approval" else None
    _check_snapshot(f"milestone-{name}", milestone_message(_State.model_validate(raw), milestone, NOW, approval))


@pytest.mark.parametrize("name", sorted(OUTCOME_CASES))
def test_outcome_messages_match_their_snapshots(name: str) -> None:
    raw, rds = OUTCOME_CASES[name]
    message = outcome_message(_State.model_validate(raw), rds, NOW)  # type: ignore[arg-type]
    assert message.event == ("failed" if name.startswith("failed") else name.removesuffix("_in_place"))
    _check_snapshot(f"outcome-{name}", message)


def test_event_messages_match_their_snapshots() -> None:
    failed = notify_events.decide(EXECUTION_FAILED_EVENT, NO_RDS, ["prod-db"])  # type: ignore[arg-type]
    assert failed.message is not None
    _check_snapshot("event-execution_failed", failed.message)
    switched = notify_events.decide(BLUE_GREEN_EVENT, _prod_rds("SWITCHOVER_COMPLETED"), ["prod-db"])  # type: ignore[arg-type]
    assert switched.message is not None
    _check_snapshot("event-rds_blue_green", switched.message)


class _History:
    """The execution history as the safety net reads it: the last recorded workflow state."""

    def __init__(self, state: dict[str, Any] | None) -> None:
        self.state = state

    def last_recorded_state(self, execution_arn: str, whole: Any = None) -> dict[str, Any] | None:
        return self.state


def _aborted_event() -> dict[str, Any]:
    event = json.loads(json.dumps(EXECUTION_FAILED_EVENT))
    event["detail"] |= {"status": "ABORTED", "error": None, "cause": None}
    return event


def test_an_aborted_run_is_told_with_what_it_changed_and_left() -> None:
    """Stopped by hand while green was provisioning: raised capacity, our group, the snapshot and green remain."""
    history = _History(_prod("green_ready") | {"blue_green": _prod("green_ready")["blue_green"] | {"ready": False}})
    aborted = notify_events.decide(_aborted_event(), NO_RDS, ["prod-db"], history)  # type: ignore[arg-type]
    assert aborted.message is not None
    _check_snapshot("event-execution_aborted", aborted.message)
    text = "\n".join(aborted.message.body)
    assert "Serverless v2 minimum capacity raised to" in text and "green environment runs, and is billed" in text
    commands = [step.command or "" for step in aborted.message.next_steps]
    assert any("delete-blue-green-deployment" in command for command in commands)
    assert any("MinCapacity=0.5" in command for command in commands)


def test_an_aborted_run_that_changed_nothing_says_so() -> None:
    history = _History({"input": PROD_INPUT, "execution": {"name": PROD_RUN}})
    aborted = notify_events.decide(_aborted_event(), NO_RDS, ["prod-db"], history)  # type: ignore[arg-type]
    assert aborted.message is not None
    assert "- Nothing: it stopped before its first change." in aborted.message.body


def test_every_snapshot_file_belongs_to_a_case() -> None:
    names = {f"milestone-{n}" for n in MILESTONE_CASES} | {f"outcome-{n}" for n in OUTCOME_CASES}
    names |= {"event-execution_failed", "event-rds_blue_green", "event-execution_aborted"}
    stale = sorted(p.name for p in SNAPSHOTS.glob("*") if p.stem not in names)
    assert stale == [], "snapshots of cases that no longer exist"


# what every message carries ---------------------------------------------------------------------------------


def test_every_workflow_message_carries_cluster_versions_strategy_step_elapsed_and_link() -> None:
    link = (
        "https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/"
        "arn:aws:states:eu-west-1:123456789012:execution:aurora-upgrade:prod-db-14-18-20250301"
    )
    messages = [
        milestone_message(_State.model_validate(_prod(m)), m, NOW, LINKS)
        for m in MILESTONES
        if m != "post_upgrade_done"
    ]
    messages.append(outcome_message(_State.model_validate(_prod("succeeded")), NO_RDS, NOW))  # type: ignore[arg-type]
    for message in messages:
        text = render(message).text
        assert "Cluster: prod-db\n" in text
        assert "Strategy: blue/green\n" in text
        assert "Elapsed: 1h 12m\n" in text
        assert f"Console: {link}\n" in text
        assert "Step: " in text
    after_preflight = [m for m in messages if m.event != "started"]
    assert all("Upgrade: 13.20 -> 14.18\n" in render(m).text for m in after_preflight)


def test_without_a_start_time_or_an_arn_the_elapsed_time_and_link_are_left_out() -> None:
    state = _State.model_validate(_prod("snapshot_ready") | {"execution": {"name": "run-1"}})
    text = render(milestone_message(state, "snapshot_ready", NOW)).text
    assert "Elapsed:" not in text and "Console:" not in text and "Execution: run-1" in text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (59, "59s"), (61, "1m 01s"), (3599, "59m 59s"), (3600, "1h 00m"), (4354, "1h 12m"), (90061, "1d 01h")],
)
def test_durations_read_as_people_write_them(seconds: int, text: str) -> None:
    assert duration_text(seconds) == text


def test_elapsed_time_needs_a_parseable_start_time() -> None:
    assert elapsed_since("2025-03-01T03:12:00Z", NOW) == "34s"
    assert elapsed_since("not a time", NOW) is None
    assert elapsed_since(None, NOW) is None


def test_console_link_takes_the_region_from_the_execution_arn() -> None:
    arn = "arn:aws:states:ap-southeast-2:123456789012:execution:m:run"
    assert execution_console_url(arn) == (
        "https://ap-southeast-2.console.aws.amazon.com/states/home?region=ap-southeast-2"
        "#/v2/executions/details/arn:aws:states:ap-southeast-2:123456789012:execution:m:run"
    )
    assert execution_console_url("arn:aws-cn:states:cn-north-1:1:execution:m:run") is None
    assert execution_console_url(None) is None


def test_results_of_later_steps_render_whatever_their_model() -> None:
    post = PostUpgradeResult(cluster_id="prod-db", role="cluster", target_version="14.18", server_version="14.18")
    consistency = ConsistencyResult(skipped="no database access configured")
    drift = DriftReport(
        cluster_id="prod-db",
        strategy="blue_green",
        changed=True,
        engine_version="14.18",
        family="aurora-postgresql14",
        terragrunt_inputs='engine_version = "14.18"',
    )
    raw = {k: v for k, v in _prod("switchover_done").items() if k not in ("post_upgrade", "consistency", "drift")}
    state = WorkflowState.model_validate(raw).model_copy(
        update={"post_upgrade": post, "consistency": consistency, "drift": drift}
    )
    text = render(outcome_message(state, NO_RDS, NOW)).text  # type: ignore[arg-type]
    for line in post.lines() + consistency.lines() + drift.lines():
        assert line in text


# decisions --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "event"),
    [
        (_prod("succeeded"), "succeeded"),
        (_prod("failed"), "failed"),
        (_prod("capacity_not_restored"), "capacity_not_restored"),
        (_prod("approval_rejected"), "approval_rejected"),
        (_prod("approval_timed_out"), "approval_timed_out"),
        (_prod("approval_rejected") | {"failure": {"RestoreCapacityAfterAbandon": {"Error": "ClusterBusy"}}}, "failed"),
        (_prod("approval_timed_out") | {"failure": {"AwaitApproval": {"Error": "Lambda.Unknown"}}}, "failed"),
        (_prod("succeeded") | {"failure": {"NotifySuccess": {"Error": "AwsThrottled"}}}, "failed"),
        (_dev("rolled_back"), "rolled_back"),
        (_dev("restored"), "restored"),
        (_already_upgraded(), "already_upgraded"),
        (_preflight_report(), "preflight_report"),
    ],
)
def test_the_outcome_is_read_from_the_state(raw: dict[str, Any], event: str) -> None:
    assert outcome_event(_State.model_validate(raw)) == event


def test_an_unknown_milestone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown milestone 'halfway'"):
        milestone_message(_State.model_validate(_prod("started")), "halfway", NOW)


def test_the_safety_net_knows_every_fail_state_of_the_workflow() -> None:
    states = json.loads(ASL.read_text())["States"]
    errors = {s["Error"] for s in _all_states(states) if s["Type"] == "Fail"}
    assert errors == notify_events.WORKFLOW_FAIL_ERRORS


def _all_states(states: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(states.values())
    for state in states.values():
        for branch in state.get("Branches", []):
            found += _all_states(branch["States"])
        if "ItemProcessor" in state:
            found += _all_states(state["ItemProcessor"]["States"])
    return found


@pytest.mark.parametrize(
    ("identifier", "configured"),
    [
        ("prod-db", "prod-db"),
        ("prod-db-old1", "prod-db"),
        ("prod-db-old12", "prod-db"),
        ("prod-db-green-k2x9qe", "prod-db"),
        ("prod-db-aside-3f9a1c", "prod-db"),
        ("prod-db-2", None),
        ("prod-db-2-old1", None),
        ("staging-db", None),
        ("PROD-DB", "prod-db"),
    ],
)
def test_rds_events_are_kept_for_configured_clusters_and_their_derived_names(
    identifier: str, configured: str | None
) -> None:
    assert notify_events.configured_cluster(identifier, ["prod-db", "dev-db"]) == configured


def test_execution_status_changes_other_than_failures_are_not_notified() -> None:
    succeeded = EXECUTION_FAILED_EVENT | {"detail": EXECUTION_FAILED_EVENT["detail"] | {"status": "SUCCEEDED"}}
    assert notify_events.decide(succeeded, NO_RDS, []).message is None  # type: ignore[arg-type]


# limits -----------------------------------------------------------------------------------------------------


def _long_message(**extra: Any) -> Message:
    return Message(
        event="failed",
        severity="failure",
        cluster_id="prod-db",
        title="prod-db upgrade to 14.18 FAILED at CheckGreen: " + "é" * 200,
        facts=[],
        body=[f"line {n}: " + "x <&> " * 60 for n in range(3000)],
        next_steps=[NextStep(text="do this", command="aws rds describe-db-clusters " + "--x " * 2000)],
        console_url="https://eu-west-1.console.aws.amazon.com/states/home",
        **extra,
    )


def test_subjects_are_ascii_one_line_and_under_100_characters() -> None:
    text = subject("prod-db\nupgraded ✓ " + "y" * 200)
    assert len(text) == 99 and text.isascii() and "\n" not in text
    assert text.startswith("[aurora-upgrade] prod-db upgraded ? yyy") and text.endswith("...")
    assert subject("short") == "[aurora-upgrade] short"


def test_slack_blocks_stay_within_block_kit_limits() -> None:
    blocks = render(_long_message(approval=LINKS)).blocks
    assert len(blocks) <= SLACK_MAX_BLOCKS
    assert len(blocks[0]["text"]["text"]) <= SLACK_HEADER_MAX
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert sections and all(len(text) <= SLACK_SECTION_MAX for text in sections)
    assert all(len(f["text"]) <= SLACK_FIELD_MAX for b in blocks for f in b.get("fields", []))
    assert "too long for one Slack message" in "".join(sections), "a cut says so"
    assert [e["url"] for b in blocks if b["type"] == "actions" for e in b["elements"]] == [
        LINKS.approve_url,
        LINKS.reject_url,
    ]


def test_a_button_is_never_given_a_truncated_url() -> None:
    long = LINKS.model_copy(update={"approve_url": "https://example.com/?" + "a" * SLACK_BUTTON_URL_MAX})
    blocks = render(_long_message(approval=long)).blocks
    urls = [e["url"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert urls == [LINKS.reject_url]
    assert any("too long for a Slack button" in b.get("text", {}).get("text", "") for b in blocks)


def test_mrkdwn_is_escaped_and_a_cut_never_splits_an_entity() -> None:
    blocks = render(_long_message()).blocks
    body = blocks[1]["text"]["text"]
    assert body.startswith("line 0: x &lt;&amp;&gt; x")
    assert clip("ab &amp; cd", 8, "~") == "ab ~"
    assert clip("ab &amp; cd", 9, "~") == "ab &amp;~"
    assert clip("short", 5) == "short"


def test_one_sns_message_fits_the_256_kb_limit_and_says_it_was_cut() -> None:
    rendered = render(_long_message())
    assert len(rendered.text.encode()) > SNS_MAX_BYTES, "the case really is too long"
    variants = sns_variants(rendered)
    assert structured_size(variants) <= SNS_MAX_BYTES - 2048
    assert "truncated: too long for one notification" in variants["email"]
    assert json.loads(variants["lambda"])["text"] == variants["email"]
    assert json.loads(variants["default"]) == rendered.chatbot


def test_chatbot_notification_follows_the_custom_notification_schema() -> None:
    message = milestone_message(_State.model_validate(_prod("awaiting_approval")), "awaiting_approval", NOW, LINKS)
    chatbot = render(message).chatbot
    assert (chatbot["version"], chatbot["source"]) == ("1.0", "custom")
    assert set(chatbot["content"]) <= {"textType", "title", "description", "nextSteps", "keywords"}
    assert chatbot["content"]["textType"] == "client-markdown"
    assert set(chatbot["metadata"]) <= {"threadId", "summary", "eventType", "relatedResources", "additionalContext"}
    assert chatbot["metadata"]["threadId"] == PROD_RUN
    assert all(isinstance(step, str) for step in chatbot["content"]["nextSteps"])


# the webhook secret -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "https://hooks.slack.com/services/T0/B0/abc",
        ' {"url": "https://hooks.slack.com/services/T0/B0/abc"} ',
    ],
)
def test_the_webhook_secret_holds_the_url_bare_or_as_json(value: str) -> None:
    assert webhook_url(value) == "https://hooks.slack.com/services/T0/B0/abc"


@pytest.mark.parametrize(
    "value",
    ["http://hooks.slack.com/services/T0/B0/abc", "hooks.slack.com/services/T0/B0/abc", '{"uri": "x"}', "{nope"],
)
def test_a_webhook_secret_that_is_not_an_https_url_is_refused_without_echoing_it(value: str) -> None:
    with pytest.raises(WebhookSecretInvalid) as raised:
        webhook_url(value)
    assert "T0/B0" not in str(raised.value) and "nope" not in str(raised.value)


def test_plain_http_is_only_for_this_machine() -> None:
    assert webhook_url("http://127.0.0.1:8080/hook") == "http://127.0.0.1:8080/hook"


@pytest.mark.parametrize(
    ("configured", "secret_id"),
    [
        (
            f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:aurora/slack-AbCdEf",
            f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:aurora/slack-AbCdEf",
        ),
        (f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:aurora/slack-*", "aurora/slack"),
        (f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:aurora/slack*", "aurora/slack"),
    ],
)
def test_a_configured_secret_arn_ending_in_a_wildcard_is_read_by_name(configured: str, secret_id: str) -> None:
    assert SlackSettings(SLACK_WEBHOOK_SECRET_ARN=configured).webhook_secret_id == secret_id
