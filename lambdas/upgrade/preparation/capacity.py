"""Serverless v2 capacity: at least 1.0 ACU while two clusters run, then back as it was.

The original range is written to cluster tags *before* it is changed, so a retried or
re-run step never mistakes the raised value for the original, and the restore step
finds what to restore even when the raise step died half-way.
"""

from __future__ import annotations

import re
from typing import Any

from aws.rds import Rds
from upgrade.shared.models import CapacityChange, CapacityRestore, WorkflowState
from upgrade.shared.shapes import CLUSTER_ID_PATTERN

UPGRADE_MIN_CAPACITY = 1.0
ORIGINAL_MIN_TAG = "aurora-upgrade:original-min-capacity"
ORIGINAL_MAX_TAG = "aurora-upgrade:original-max-capacity"
_GONE = {"deleting", "deleted"}


def raise_capacity(state: WorkflowState, rds: Rds) -> CapacityChange:
    plan = state.require_plan()
    cluster = rds.describe_cluster(plan.cluster.cluster_id)
    scaling = cluster.get("ServerlessV2ScalingConfiguration")
    if not scaling:
        return CapacityChange(serverless_v2=False, changed=False)
    tags = rds.tags(cluster["DBClusterArn"])
    original_min = float(tags.get(ORIGINAL_MIN_TAG, scaling["MinCapacity"]))
    original_max = float(tags.get(ORIGINAL_MAX_TAG, scaling["MaxCapacity"]))
    if original_min >= UPGRADE_MIN_CAPACITY:
        return CapacityChange(
            serverless_v2=True, changed=False, original_min_capacity=original_min, original_max_capacity=original_max
        )
    if ORIGINAL_MIN_TAG not in tags:
        rds.add_tags(
            cluster["DBClusterArn"], {ORIGINAL_MIN_TAG: str(original_min), ORIGINAL_MAX_TAG: str(original_max)}
        )
    if float(scaling["MinCapacity"]) < UPGRADE_MIN_CAPACITY:
        rds.modify_cluster(
            plan.cluster.cluster_id,
            ServerlessV2ScalingConfiguration=_scaling(
                scaling, UPGRADE_MIN_CAPACITY, max(original_max, UPGRADE_MIN_CAPACITY)
            ),
        )
    return CapacityChange(
        serverless_v2=True,
        changed=True,
        original_min_capacity=original_min,
        original_max_capacity=original_max,
        upgrade_min_capacity=UPGRADE_MIN_CAPACITY,
    )


def restore_capacity(state: WorkflowState, rds: Rds) -> CapacityRestore:
    """Put back the original range on the serving cluster and on the old blue, if any."""
    restored: list[str] = []
    for cluster in _candidates(state, rds):
        tags = rds.tags(cluster["DBClusterArn"])
        if ORIGINAL_MIN_TAG not in tags or cluster.get("Status") in _GONE:
            continue
        scaling = cluster.get("ServerlessV2ScalingConfiguration") or {}
        original_min = float(tags[ORIGINAL_MIN_TAG])
        original_max = float(tags.get(ORIGINAL_MAX_TAG, scaling.get("MaxCapacity", original_min)))
        if scaling.get("MinCapacity") != original_min or scaling.get("MaxCapacity") != original_max:
            rds.modify_cluster(
                cluster["DBClusterIdentifier"],
                ServerlessV2ScalingConfiguration=_scaling(scaling, original_min, original_max),
            )
        rds.remove_tags(cluster["DBClusterArn"], [ORIGINAL_MIN_TAG, ORIGINAL_MAX_TAG])
        restored.append(cluster["DBClusterIdentifier"])
    return CapacityRestore(restored=restored)


def _candidates(state: WorkflowState, rds: Rds) -> list[dict[str, Any]]:
    """The cluster under the original name, and blue wherever a switchover renamed it."""
    cluster_id = state.input.get("cluster_id")
    found: dict[str, dict[str, Any]] = {}
    if isinstance(cluster_id, str) and re.match(CLUSTER_ID_PATTERN, cluster_id):
        serving = rds.find_cluster(cluster_id)
        if serving:
            found[serving["DBClusterArn"]] = serving
    if state.plan is not None:
        blue = rds.find_cluster_by_resource_id(state.plan.cluster.resource_id)
        if blue:
            found[blue["DBClusterArn"]] = blue
    return list(found.values())


def _scaling(current: dict[str, Any], minimum: float, maximum: float) -> dict[str, Any]:
    scaling: dict[str, Any] = {"MinCapacity": minimum, "MaxCapacity": maximum}
    if "SecondsUntilAutoPause" in current and minimum == 0:
        scaling["SecondsUntilAutoPause"] = current["SecondsUntilAutoPause"]
    return scaling
