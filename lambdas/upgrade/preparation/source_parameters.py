"""Blue/green needs blue on a custom cluster parameter group with logical replication in effect.

Default groups are read-only, so a custom group of the same family replaces it (empty, so it
holds the default values); ``rds.logical_replication`` is static, so the writer is rebooted
when the change is pending, and we wait until every member reports ``in-sync``.
"""

from __future__ import annotations

from typing import Any

from aws.rds import Rds
from upgrade.shared.errors import ClusterNotReady
from upgrade.shared.models import SourceParameterGroup, WorkflowState
from upgrade.shared.naming import MANAGED_BY_TAG
from upgrade.waiting import polling
from upgrade.waiting.reboots import with_rebooting

LOGICAL_REPLICATION = "rds.logical_replication"


def prepare_source_parameter_group(state: WorkflowState, rds: Rds) -> SourceParameterGroup:
    plan = state.require_plan()
    cluster = rds.describe_cluster(plan.cluster.cluster_id)
    current = cluster["DBClusterParameterGroup"]
    created = False
    name = current
    if current.startswith("default."):
        name = plan.names.source_cluster_parameter_group
        if rds.find_parameter_group(name, "cluster") is None:
            rds.create_parameter_group(
                name,
                plan.cluster.family,
                f"Custom copy of {current} for the blue/green upgrade of {plan.cluster.cluster_id}",
                "cluster",
                MANAGED_BY_TAG,
            )
            created = True
    already_set = rds.user_parameters(name, "cluster").get(LOGICAL_REPLICATION) == "1"
    if not already_set:
        rds.set_parameters(name, {LOGICAL_REPLICATION: "1"}, "cluster", apply_method="pending-reboot")
    attached = current != name
    if attached:
        rds.modify_cluster(plan.cluster.cluster_id, DBClusterParameterGroupName=name)
    progress = SourceParameterGroup(
        name=name,
        created=created,
        attached=attached,
        logical_replication_set=not already_set,
        in_sync=False,
        poll=polling.start(polling.PARAMETER_SYNC, state.request.deadlines.parameter_sync_minutes),
    )
    if (
        not attached
        and already_set
        and _in_sync(rds.describe_cluster(plan.cluster.cluster_id), rds.cluster_instances(plan.cluster.cluster_id))
    ):
        return progress.model_copy(update={"in_sync": True})
    return progress


def check_parameter_sync(state: WorkflowState, rds: Rds) -> SourceParameterGroup:
    """One check of the wait loop: reboot who needs it, report whether all are in sync."""
    plan = state.require_plan()
    progress = state.source_parameter_group
    if progress is None:
        raise ClusterNotReady("the source parameter group was not prepared")
    # instances first: a reboot that ends between the two calls then reads as in-sync, not as pending again
    instances = rds.cluster_instances(plan.cluster.cluster_id)
    cluster = rds.describe_cluster(plan.cluster.cluster_id)
    if _in_sync(cluster, instances):
        return progress.model_copy(
            update={
                "in_sync": True,
                "poll": polling.checked(progress.poll),
                "rebooted": with_rebooting(list(progress.rebooted), instances),
            }
        )
    rebooted = with_rebooting(list(progress.rebooted), instances)
    for instance_id in _to_reboot(cluster, instances):
        rds.reboot_instance(instance_id)
        rebooted.append(instance_id)
    poll = polling.advance(progress.poll, polling.PARAMETER_SYNC, f"parameter group '{progress.name}' to be in-sync")
    return progress.model_copy(update={"rebooted": rebooted, "poll": poll})


def _in_sync(cluster: dict[str, Any], instances: list[dict[str, Any]]) -> bool:
    members = cluster.get("DBClusterMembers", [])
    return (
        cluster.get("Status") == "available"
        and bool(members)
        and all(m.get("DBClusterParameterGroupStatus") == "in-sync" for m in members)
        and all(i.get("DBInstanceStatus") == "available" for i in instances)
    )


def _to_reboot(cluster: dict[str, Any], instances: list[dict[str, Any]]) -> list[str]:
    """The writer first (Aurora PostgreSQL restarts the readers with it); readers left behind after."""
    available = {i["DBInstanceIdentifier"] for i in instances if i.get("DBInstanceStatus") == "available"}
    if len(available) != len(instances):
        return []  # something is rebooting already: wait for it instead of rebooting again
    pending = [
        m for m in cluster.get("DBClusterMembers", []) if m.get("DBClusterParameterGroupStatus") == "pending-reboot"
    ]
    writers = [m["DBInstanceIdentifier"] for m in pending if m.get("IsClusterWriter")]
    if writers:
        return writers
    return [m["DBInstanceIdentifier"] for m in pending]
