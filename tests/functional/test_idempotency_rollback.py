"""The in-place path and its way back, each mutating step run twice in a row: nothing is done twice.

A Lambda whose answer is lost (timeout, throttled response) is retried by Step Functions with the
same input. So every step below is called twice with one input: a one-shot step must leave the world
exactly as one call did; a pass of a wait loop may move the simulated world on (a describe ticks a
status), so there the proof is in the realism layer's call counters and in the names that exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import boto3
import pytest
from in_place import handler as in_place
from moto import mock_aws
from preflight.handler import handler as preflight
from restore import handler as restore
from rollback import handler as rollback
from snapshot import handler as snapshot
from target_parameters import handler as target_parameters

from simulator.engine.harness import reused_clients
from simulator.rds.realism import RealisticRds, realistic_rds
from tests.functional.world import (
    MAX_PASSES,
    call,
    create_report_bucket,
    initial_state,
    make_cluster,
    twice,
    until,
    world_snapshot,
)
from upgrade.shared.errors import InPlaceUpgradeFailed

_INSTANCE_GROUP = {"name": "dev-apg14-instance", "family": "aurora-postgresql14", "parameters": {"work_mem": "16384"}}
# a provisioned cluster on custom cluster and instance groups (simulator/scenarios/in-place-custom-groups.json)
_DEV_CLUSTER: dict[str, Any] = {
    "id": "dev-db",
    "engine_version": "14.18",
    "serverless_v2": None,
    "cluster_parameter_group": {
        "name": "dev-apg14",
        "family": "aurora-postgresql14",
        "parameters": {"log_min_duration_statement": "250"},
    },
    "instances": [
        {
            "id": "dev-db-1",
            "instance_class": "db.r6g.large",
            "writer": True,
            "promotion_tier": 0,
            "parameter_group": _INSTANCE_GROUP,
        },
        {"id": "dev-db-2", "instance_class": "db.r6g.large", "promotion_tier": 1, "parameter_group": _INSTANCE_GROUP},
    ],
    "deletion_protection": True,
}
_MEMBERS = ["dev-db-1", "dev-db-2"]


@pytest.fixture
def start_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto plus the realism layer with the given faults (once per test); statuses settle after one describe."""
    with ExitStack() as stack:

        def _start(faults: list[dict[str, Any]] | None = None) -> RealisticRds:
            stack.enter_context(mock_aws())
            stack.enter_context(reused_clients())
            simulated = stack.enter_context(realistic_rds(faults=faults, polls=1))
            create_report_bucket(monkeypatch)
            return simulated

        yield _start


def _dev_world(rds_client: Any) -> dict[str, Any]:
    """world_snapshot plus what the way back creates: instances (name -> cluster, group) and tags."""
    instances = {
        i["DBInstanceIdentifier"]: (
            i.get("DBClusterIdentifier"),
            i["DBInstanceClass"],
            tuple(g["DBParameterGroupName"] for g in i.get("DBParameterGroups", [])),
        )
        for i in rds_client.describe_db_instances()["DBInstances"]
    }
    all_snapshots = rds_client.describe_db_cluster_snapshots()["DBClusterSnapshots"]
    return {
        **world_snapshot(rds_client),
        "instances": instances,
        "all_snapshots": sorted(s["DBClusterSnapshotIdentifier"] for s in all_snapshots),
    }


def _passes_twice(world: RealisticRds, handler: Any, state: dict[str, Any], key: str, done: str) -> dict[str, Any]:
    """A wait loop whose every pass is retried once with the same input; the retry's answer is kept."""
    for _ in range(MAX_PASSES):
        if state[key][done]:
            return state
        call(handler, state)
        state[key] = call(handler, state)
    pytest.fail(f"{key} never reached {done} (calls so far: {dict(world.calls)})")


def _prepared_in_place(rds_client: Any, **input_changes: Any) -> dict[str, Any]:
    make_cluster(rds_client, **_DEV_CLUSTER)
    state = initial_state(cluster_id="dev-db", target_engine_version="15.13", strategy="in_place", **input_changes)
    state["plan"] = call(preflight, state)
    assert state["plan"]["blocked"] is False, state["plan"]["report"]
    state["target_parameter_groups"] = twice(lambda: _dev_world(rds_client), target_parameters.handler, state)
    state["snapshot"] = twice(lambda: _dev_world(rds_client), snapshot.start, state)
    return until(snapshot.check, state, "snapshot", "ready")


def test_the_in_place_steps_are_idempotent(start_world):
    world = start_world()
    rds_client = boto3.client("rds", region_name="us-east-1")
    state = _prepared_in_place(rds_client)

    state["in_place"] = call(in_place.start, state)
    state["in_place"] = call(in_place.start, state)
    assert world.calls["ModifyDBCluster"] == 1, "the retried start asked for a second upgrade"
    state = until(in_place.check, state, "in_place", "ready")
    assert world.calls["ModifyDBCluster"] == 1

    reboots_before = world.calls["RebootDBInstance"]
    state["in_place"] = {**state["in_place"], "ready": False}  # SettleInstances always runs once after the check
    state = _passes_twice(world, in_place.settle, state, "in_place", "ready")
    assert world.calls["RebootDBInstance"] - reboots_before == len(_MEMBERS), "a retried settle rebooted twice"
    settled = twice(lambda: _dev_world(rds_client), in_place.settle, state)
    assert settled["ready"] is True
    assert world.calls["RebootDBInstance"] - reboots_before == len(_MEMBERS)

    # a start retried after the upgrade finished must not start another one
    assert twice(lambda: _dev_world(rds_client), in_place.start, state)["engine_version"] == "15.13"
    assert world.calls["ModifyDBCluster"] == 1

    world_after = _dev_world(rds_client)
    assert world_after["clusters"] == {"dev-db": ("15.13", "dev-db-aurora-postgresql15-cluster", "None")}
    assert world_after["snapshots"] == ["dev-db-pre-upgrade-14-18-to-15-13-test-run"]
    assert world_after["instances"] == {
        name: ("dev-db", "db.r6g.large", ("dev-db-aurora-postgresql15-instance",)) for name in _MEMBERS
    }


def _settle(rds_client: Any) -> None:
    """Let every busy status finish (each describe moves the simulated world on by one poll)."""
    for _ in range(3):
        rds_client.describe_db_clusters()
        rds_client.describe_db_instances()


def _retried_after_settling(rds_client: Any, handler: Any, state: dict[str, Any]) -> dict[str, Any]:
    """The retry that comes minutes later (Retry on AwsThrottled/ClusterBusy backs off up to 8 minutes)."""
    call(handler, state)
    _settle(rds_client)
    settled = _dev_world(rds_client)
    retried = call(handler, state)
    assert _dev_world(rds_client) == settled, f"{handler} changed the world when retried after it settled"
    return retried


def _failed_upgrade(start_world: Any) -> tuple[RealisticRds, Any, dict[str, Any]]:
    """dev-db's in-place upgrade failed after the engine started changing; the rollback is assessed."""
    world = start_world(faults=[{"kind": "in_place_upgrade_failed"}])
    rds_client = boto3.client("rds", region_name="us-east-1")
    state = _prepared_in_place(rds_client, delete_failed_cluster=True)
    state["in_place"] = call(in_place.start, state)
    with pytest.raises(InPlaceUpgradeFailed):
        until(in_place.check, state, "in_place", "ready")
    state["failure"] = {"CheckInPlaceUpgrade": {"Error": "InPlaceUpgradeFailed", "Cause": "failed"}}
    state["rollback"] = twice(lambda: _dev_world(rds_client), rollback.assess, state)
    assert state["rollback"]["needed"] is True
    return world, rds_client, state


def test_the_rollback_and_restore_steps_are_idempotent(start_world):
    world, rds_client, state = _failed_upgrade(start_world)
    modifies = world.calls["ModifyDBCluster"]

    aside = state["plan"]["names"]["aside_cluster_id"]
    state["aside"] = call(rollback.move_aside, state)
    state["aside"] = call(rollback.move_aside, state)
    state = _passes_twice(world, rollback.move_aside, state, "aside", "ready")
    assert world.calls["ModifyDBCluster"] - modifies == 1, "the cluster was renamed more than once"
    assert world.calls["ModifyDBInstance"] == len(_MEMBERS), "an instance was renamed more than once"
    renamed = {name: f"{name}-aside-{_run_tag(state)}" for name in _MEMBERS}
    assert state["aside"] == {**state["aside"], "aside_cluster_id": aside, "renamed_instances": renamed}
    assert set(_dev_world(rds_client)["instances"]) == set(renamed.values())
    assert twice(lambda: _dev_world(rds_client), rollback.move_aside, state)["ready"] is True

    state["restore"] = call(restore.restore_cluster, state)
    state["restore"] = call(restore.restore_cluster, state)
    state = _passes_twice(world, restore.restore_cluster, state, "restore", "ready")
    state["restore"] = _retried_after_settling(rds_client, restore.restore_cluster, state)
    assert world.calls["RestoreDBClusterFromSnapshot"] == 1, "the snapshot was restored twice"

    created = world.calls["CreateDBInstance"]
    state["restore"] = {**state["restore"], "ready": False}  # CreateInstances always runs once after the restore
    state = _passes_twice(world, restore.create_instances, state, "restore", "ready")
    state["restore"] = _retried_after_settling(rds_client, restore.create_instances, state)
    assert state["restore"]["ready"] is True
    assert world.calls["CreateDBInstance"] - created == len(_MEMBERS), "an instance was created twice"

    state["restore_verification"] = twice(lambda: _dev_world(rds_client), restore.verify, state)
    assert state["restore_verification"]["engine_version"] == "14.18"
    assert state["restore_verification"]["old_cluster_id"] == aside

    snapshots = world.calls["CreateDBClusterSnapshot"]
    call(rollback.delete_failed, state)
    twice(lambda: _dev_world(rds_client), rollback.delete_failed, state)
    assert world.calls["DeleteDBCluster"] == 1, "the kept-aside cluster was deleted twice"
    assert world.calls["DeleteDBInstance"] == len(_MEMBERS), "an aside instance was deleted twice"
    assert world.calls["CreateDBClusterSnapshot"] == snapshots, "the final snapshot is DeleteDBCluster's own"

    restored = rds_client.describe_db_clusters(DBClusterIdentifier="dev-db")["DBClusters"][0]
    assert restored["DbClusterResourceId"] != state["plan"]["cluster"]["resource_id"]
    assert (restored["EngineVersion"], restored["DBClusterParameterGroup"]) == ("14.18", "dev-apg14")
    end = _dev_world(rds_client)
    assert set(end["clusters"]) == {"dev-db"}
    assert end["instances"] == {name: ("dev-db", "db.r6g.large", ("dev-apg14-instance",)) for name in _MEMBERS}
    assert end["snapshots"] == sorted(["dev-db-pre-upgrade-14-18-to-15-13-test-run", f"{aside}-final-test-run"])


def _run_tag(state: dict[str, Any]) -> str:
    return str(state["plan"]["names"]["aside_cluster_id"]).rsplit("-", 1)[-1]


# --- retries that come after the world moved on: each once found a bug (an instance renamed aside twice, ----
# --- a deletion reported as 'kept aside', reboots in progress dropped from the record) ---------------------


def test_a_move_aside_retried_after_its_renames_finished_renames_nothing_again(start_world):
    world, rds_client, state = _failed_upgrade(start_world)
    state["aside"] = call(rollback.move_aside, state)  # the cluster rename
    _settle(rds_client)
    state["aside"] = _retried_after_settling(rds_client, rollback.move_aside, state)  # the instance renames
    assert world.calls["ModifyDBInstance"] == len(_MEMBERS)
    assert set(_dev_world(rds_client)["instances"]) == {f"{name}-aside-{_run_tag(state)}" for name in _MEMBERS}


def test_a_delete_failed_cluster_retried_after_the_deletion_still_reports_it(start_world):
    _, rds_client, state = _failed_upgrade(start_world)
    for step, key in ((rollback.move_aside, "aside"), (restore.restore_cluster, "restore")):
        state[key] = call(step, state)
        state = until(step, state, key, "ready")
    state["restore"] = {**state["restore"], "ready": False}
    state = until(restore.create_instances, state, "restore", "ready")
    first = call(rollback.delete_failed, state)
    _settle(rds_client)
    retried = call(rollback.delete_failed, state)
    assert first["old_cluster_deleted"] is True
    assert retried == first


def test_a_settle_retried_during_its_reboots_keeps_them_in_the_record(start_world):
    world = start_world()
    rds_client = boto3.client("rds", region_name="us-east-1")
    state = _prepared_in_place(rds_client)
    state["in_place"] = call(in_place.start, state)
    state = until(in_place.check, state, "in_place", "ready")
    call(in_place.settle, state)
    state["in_place"] = call(in_place.settle, state)
    state = until(in_place.settle, state, "in_place", "ready")
    assert world.calls["RebootDBInstance"] == len(_MEMBERS)
    assert sorted(state["in_place"]["rebooted"]) == _MEMBERS
