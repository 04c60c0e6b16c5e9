"""Which RDS grants each function of the stack gets: construct id -> its capability's policy builder."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from infra.permissions import blue_green, fleet, in_place, notifications, post_upgrade, preflight, preparation, recovery
from infra.permissions.grants import ClusterScope, Grant, PolicyBuilder

# construct id of the step function -> its RDS grants
RDS_POLICIES: Mapping[str, PolicyBuilder] = {
    "PreflightFunction": preflight.preflight,
    "RaiseCapacityFunction": preparation.raise_capacity,
    "RestoreCapacityFunction": preparation.restore_capacity,
    "PrepareSourceParameterGroupFunction": preparation.prepare_source_parameter_group,
    "CheckParameterSyncFunction": preparation.check_parameter_sync,
    "CreateTargetParameterGroupsFunction": preparation.create_target_parameter_groups,
    "StartSnapshotFunction": preparation.start_snapshot,
    "CheckSnapshotFunction": preparation.check_snapshot,
    "CreateBlueGreenFunction": blue_green.create_blue_green,
    "CheckBlueGreenFunction": blue_green.check_blue_green,
    "StartSwitchoverFunction": blue_green.start_switchover,
    "CheckSwitchoverFunction": blue_green.check_switchover,
    "SwitchoverProbeFunction": blue_green.switchover_probe,
    "VerifyUpgradeFunction": post_upgrade.verify_upgrade,
    "CleanUpFunction": blue_green.clean_up,
    "StartInPlaceUpgradeFunction": in_place.start_in_place_upgrade,
    "CheckInPlaceUpgradeFunction": in_place.check_in_place_upgrade,
    "SettleInstancesFunction": in_place.settle_instances,
    "AssessRollbackFunction": recovery.assess_rollback,
    "MoveAsideFunction": recovery.move_aside,
    "RestoreClusterFunction": recovery.restore_cluster,
    "CreateInstancesFunction": recovery.create_instances,
    "VerifyRestoreFunction": recovery.verify_restore,
    "DeleteFailedClusterFunction": recovery.delete_failed_cluster,
    "NotifyFunction": notifications.notify,
    "PostUpgradeFunction": post_upgrade.post_upgrade,
    "ConsistencyCheckFunction": blue_green.consistency_check,
    "RequestApprovalFunction": notifications.request_approval,
    "AbandonBlueGreenFunction": blue_green.abandon_blue_green,
    "AwaitChangeFunction": notifications.await_change,
    # steps of the fleet state machine: only the planner reads RDS
    "FleetPlanFunction": fleet.plan_fleet,
    "FleetStartWaveFunction": notifications.no_rds,
    "FleetFinishWaveFunction": notifications.no_rds,
    "FleetPreflightTableFunction": notifications.no_rds,
    "FleetFailedFunction": notifications.no_rds,
    # not steps of the state machine: a function URL, an EventBridge target, an SNS subscriber
    "ApprovalDecisionFunction": notifications.no_rds,
    "WakeFunction": notifications.no_rds,
    "SlackWebhookFunction": notifications.no_rds,
}


def grants_for(function_id: str, clusters: Iterable[str]) -> tuple[Grant, ...]:
    """The RDS grants of one step function; a function without an entry is a programming error."""
    return RDS_POLICIES[function_id](ClusterScope(clusters))
