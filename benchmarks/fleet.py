"""``python -m benchmarks.fleet [--clusters 100]``: a fleet of N clusters in the simulator, what it costs the parent.

Each cluster is its own child execution (``startExecution.sync:2``), so the fleet's history holds per cluster only
the Map iteration and the task that waits for the child. This prints the figures against Step Functions' quotas
("Step Functions service quotas": 25,000 events in an execution's history, 256 KiB of a state's input or
output): the wall time of the run, the parent's transitions and history events (and per cluster), and its largest
state, with the headroom left.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from simulator.enforcement.limits import MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES
from simulator.scenario.model import Scenario

WAVE_TAG = "upgrade-wave"


def fleet_scenario(clusters: int, wave_size: int = 25, max_concurrency: int = 10) -> Scenario:
    """``clusters`` in-place clusters on 13.20 and 14.18 to the latest 15.x all reach: a canary of two, then waves
    of ``wave_size`` by the upgrade-wave tag, ``max_concurrency`` children at once, an hour of bake between waves."""
    specs = []
    for number in range(1, clusters + 1):
        cluster_id = f"db-{number:03d}"
        specs.append(
            {
                "id": cluster_id,
                "engine_version": "13.20" if number % 3 else "14.18",
                "instances": [{"id": f"{cluster_id}-1", "instance_class": "db.r6g.large", "writer": True}],
                "tags": {WAVE_TAG: str((number - 1) // wave_size + 1)},
            }
        )
    ids = [spec["id"] for spec in specs]
    return Scenario.model_validate(
        {
            "name": f"fleet-{clusters}",
            "workflow": "fleet",
            "cluster": specs[0],
            "other_clusters": specs[1:],
            "input": {
                "name": f"fleet-{clusters}",
                "clusters": ids,
                "target": {"major": 15},
                "strategy": "in_place",
                "plan": {
                    "canary": ids[:2],
                    "wave_tag": WAVE_TAG,
                    "max_concurrency": max_concurrency,
                    "bake_seconds": 3600,
                    "failure_threshold": 3,
                },
            },
            "polls": 1,
        }
    )


def figures(outcome: dict[str, Any], wall_seconds: float, clusters: int) -> dict[str, Any]:
    events, largest = int(outcome["history_events"]), int(outcome["largest_state_bytes"])
    return {
        "clusters": clusters,
        "status": outcome["status"],
        "wall_seconds": round(wall_seconds, 1),
        "parent_transitions": outcome["transitions"],
        "parent_history_events": events,
        "history_events_per_cluster": round(events / clusters, 1),
        "history_headroom": f"{events} of {MAX_HISTORY_EVENTS} ({100 * events / MAX_HISTORY_EVENTS:.1f}%)",
        "largest_state_bytes": largest,
        "state_headroom": f"{largest} of {MAX_PAYLOAD_BYTES} bytes ({100 * largest / MAX_PAYLOAD_BYTES:.1f}%)",
        "child_executions": len(outcome["upgrade_executions"]),
        "children_succeeded": sum(1 for e in outcome["upgrade_executions"] if e["status"] == "SUCCEEDED"),
    }


def run(clusters: int, cdk_out: Path | None = None) -> dict[str, Any]:
    from simulator.engine.runner import DEFAULT_CDK_OUT, run_scenario

    started = time.perf_counter()
    outcome = run_scenario(fleet_scenario(clusters), cdk_out or DEFAULT_CDK_OUT)
    return figures(outcome, time.perf_counter() - started, clusters)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=100)
    args = parser.parse_args()
    print(json.dumps(run(args.clusters), indent=1))


if __name__ == "__main__":
    main()
