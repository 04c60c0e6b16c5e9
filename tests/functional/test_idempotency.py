"""Every mutating step, run twice in a row, leaves the world as one run does."""

from typing import Any

import pytest
from blue_green import handler as blue_green
from capacity import handler as capacity
from cleanup import handler as cleanup
from preflight.handler import handler as preflight
from snapshot import handler as snapshot
from source_parameters import handler as source_parameters
from target_parameters import handler as target_parameters
from verify import handler as verify

from tests.functional.world import call, initial_state, make_cluster, world_snapshot

_MAX_CHECKS = 20


def _until(check: Any, state: dict[str, Any], key: str, done: str) -> dict[str, Any]:
    for _ in range(_MAX_CHECKS):
        if state[key][done]:
            return state
        state[key] = call(check, state)
    pytest.fail(f"{key} never reached {done}")


def _twice(rds_client: Any, handler: Any, state: dict[str, Any]) -> dict[str, Any]:
    first = call(handler, state)
    after_first = world_snapshot(rds_client)
    second = call(handler, state)
    assert world_snapshot(rds_client) == after_first, f"{handler} changed the world on its second run"
    return second if second else first


def test_each_mutating_step_is_idempotent(rds_client, world):
    make_cluster(rds_client)
    state = initial_state(delete_old_cluster=True)
    state["plan"] = call(preflight, state)

    state["capacity"] = _twice(rds_client, capacity.raise_capacity, state)
    assert state["capacity"]["original_min_capacity"] == 0.5, "a retry must not take 1.0 for the original"

    state["source_parameter_group"] = _twice(rds_client, source_parameters.prepare, state)
    state = _until(source_parameters.check_sync, state, "source_parameter_group", "in_sync")
    assert state["source_parameter_group"]["rebooted"] == ["prod-db-writer"]

    state["target_parameter_groups"] = _twice(rds_client, target_parameters.handler, state)

    state["snapshot"] = _twice(rds_client, snapshot.start, state)
    assert state["snapshot"]["adopted"] is True
    state = _until(snapshot.check, state, "snapshot", "ready")

    state["blue_green"] = _twice(rds_client, blue_green.create, state)
    assert world.calls["CreateBlueGreenDeployment"] == 1
    state = _until(blue_green.check, state, "blue_green", "ready")

    # a describe moves the simulated switchover on, so the proof here is that AWS was asked once
    state["switchover"] = call(blue_green.start_switchover, state)
    state["switchover"] = call(blue_green.start_switchover, state)
    assert world.calls["SwitchoverBlueGreenDeployment"] == 1
    assert world.switchover_timeout == 300
    state = _until(blue_green.check_switchover, state, "switchover", "ready")

    state["verification"] = call(verify.handler, state)
    state["cleanup"] = _twice(rds_client, cleanup.handler, state)
    assert state["cleanup"]["old_cluster_deleted"] is True

    state["capacity_restore"] = _twice(rds_client, capacity.restore_capacity, state)
    serving = rds_client.describe_db_clusters(DBClusterIdentifier="prod-db")["DBClusters"][0]
    assert serving["EngineVersion"] == "14.18"
    assert serving["ServerlessV2ScalingConfiguration"]["MinCapacity"] == 0.5
    manual = rds_client.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    assert sorted(s["DBClusterSnapshotIdentifier"] for s in manual) == [
        "prod-db-old1-final-test-run",
        "prod-db-pre-upgrade-13-20-to-14-18-test-run",
    ]
