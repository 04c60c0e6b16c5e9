"""Every mutating step, run twice in a row, leaves the world as one run does."""

from blue_green import handler as blue_green
from capacity import handler as capacity
from cleanup import handler as cleanup
from preflight.handler import handler as preflight
from snapshot import handler as snapshot
from source_parameters import handler as source_parameters
from target_parameters import handler as target_parameters
from verify import handler as verify

from tests.functional.world import call, initial_state, make_cluster, twice, until, world_snapshot


def test_each_mutating_step_is_idempotent(rds_client, world):
    make_cluster(rds_client)
    state = initial_state(delete_old_cluster=True)
    state["plan"] = call(preflight, state)

    state["capacity"] = twice(lambda: world_snapshot(rds_client), capacity.raise_capacity, state)
    assert state["capacity"]["original_min_capacity"] == 0.5, "a retry must not take 1.0 for the original"

    state["source_parameter_group"] = twice(lambda: world_snapshot(rds_client), source_parameters.prepare, state)
    state = until(source_parameters.check_sync, state, "source_parameter_group", "in_sync")
    assert state["source_parameter_group"]["rebooted"] == ["prod-db-writer"]

    state["target_parameter_groups"] = twice(lambda: world_snapshot(rds_client), target_parameters.handler, state)

    state["snapshot"] = twice(lambda: world_snapshot(rds_client), snapshot.start, state)
    assert state["snapshot"]["adopted"] is True
    state = until(snapshot.check, state, "snapshot", "ready")

    state["blue_green"] = twice(lambda: world_snapshot(rds_client), blue_green.create, state)
    assert world.calls["CreateBlueGreenDeployment"] == 1
    state = until(blue_green.check, state, "blue_green", "ready")

    # a describe moves the simulated switchover on, so the proof here is that AWS was asked once
    state["switchover"] = call(blue_green.start_switchover, state)
    state["switchover"] = call(blue_green.start_switchover, state)
    assert world.calls["SwitchoverBlueGreenDeployment"] == 1
    assert world.switchover_timeout == 300
    state = until(blue_green.check_switchover, state, "switchover", "ready")

    state["verification"] = call(verify.handler, state)
    state["cleanup"] = twice(lambda: world_snapshot(rds_client), cleanup.handler, state)
    assert state["cleanup"]["old_cluster_deleted"] is True

    state["capacity_restore"] = twice(lambda: world_snapshot(rds_client), capacity.restore_capacity, state)
    serving = rds_client.describe_db_clusters(DBClusterIdentifier="prod-db")["DBClusters"][0]
    assert serving["EngineVersion"] == "14.18"
    assert serving["ServerlessV2ScalingConfiguration"]["MinCapacity"] == 0.5
    manual = rds_client.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    assert sorted(s["DBClusterSnapshotIdentifier"] for s in manual) == [
        "prod-db-old1-final-test-run",
        "prod-db-pre-upgrade-13-20-to-14-18-test-run",
    ]
