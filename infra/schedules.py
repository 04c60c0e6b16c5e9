"""EventBridge Scheduler schedules that start upgrades in a maintenance window.

One schedule per configured cluster with a ``schedule``, in a schedule group named after the
stack. The target is Scheduler's universal target for Step Functions' StartExecution (not the
templated state-machine target, which cannot set the execution name), so each start carries a
deterministic name ``scheduled-<cluster>-to-<target>``: a schedule that fires again, or a
retried delivery, cannot start a second upgrade of the same change. StartExecution on a
STANDARD state machine with a name already used returns the running execution when the input
is the same, and fails with ExecutionAlreadyExists once it has ended (names are kept 90 days).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.config import ClusterEntry, FleetEntry, ScheduleConfig

START_EXECUTION_TARGET = f"arn:{Aws.PARTITION}:scheduler:::aws-sdk:sfn:startExecution"
RETRY_ATTEMPTS = 4
MAX_EVENT_AGE = Duration.hours(1)


class UpgradeSchedules(Construct):
    """The group, one role that may only start this state machine, and the schedules."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        entries: Iterable[ClusterEntry],
        state_machine: sfn.IStateMachine,
        dead_letter_queue: sqs.IQueue,
        fleets: Iterable[FleetEntry] = (),
        fleet_state_machine: sfn.IStateMachine | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.group = scheduler.CfnScheduleGroup(self, "Group", name=Aws.STACK_NAME)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
            ),
            description="EventBridge Scheduler: start the aurora-upgrade state machine, dead-letter what fails",
        )
        state_machine.grant_start_execution(self.role)
        dead_letter_queue.grant_send_messages(self.role)
        self._dead_letter_arn = dead_letter_queue.queue_arn
        self.schedules = {
            entry.id: self._schedule(
                entry.id,
                _scheduled(entry.schedule),
                state_machine.state_machine_arn,
                {"Name": entry.scheduled_execution_name(), "Input": entry.execution_input()},
                f"aurora-upgrade: {entry.id} to {entry.target_engine_version} ({entry.strategy})",
            )
            for entry in entries
        }
        fleets = tuple(fleets)
        if fleets:
            assert fleet_state_machine is not None, "fleet schedules start the fleet state machine"
            fleet_state_machine.grant_start_execution(self.role)
        for fleet in fleets:
            self.schedules[f"fleet.{fleet.name}"] = self._schedule(
                f"fleet.{fleet.name}",  # "." is in no cluster id: no clash with a cluster's schedule
                _scheduled(fleet.schedule),
                fleet_state_machine.state_machine_arn if fleet_state_machine else "",
                {"Name": fleet.scheduled_execution_name(), "Input": fleet.input},
                f"aurora-upgrade: fleet {fleet.name}",
            )

    def _schedule(
        self, schedule_id: str, schedule: ScheduleConfig, machine_arn: str, start: dict[str, Any], description: str
    ) -> scheduler.CfnSchedule:
        window = (
            scheduler.CfnSchedule.FlexibleTimeWindowProperty(
                mode="FLEXIBLE", maximum_window_in_minutes=schedule.flexible_window_minutes
            )
            if schedule.flexible_window_minutes
            else scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF")
        )
        start_execution = {
            "StateMachineArn": machine_arn,
            "Name": start["Name"],
            "Input": json.dumps(start["Input"], separators=(",", ":")),
        }
        return scheduler.CfnSchedule(
            self,
            schedule_id,
            name=schedule_id,
            group_name=self.group.ref,
            description=description,
            schedule_expression=schedule.expression,
            schedule_expression_timezone=schedule.timezone,
            flexible_time_window=window,
            state="ENABLED" if schedule.enabled else "DISABLED",
            target=scheduler.CfnSchedule.TargetProperty(
                arn=START_EXECUTION_TARGET,
                role_arn=self.role.role_arn,
                input=Stack.of(self).to_json_string(start_execution),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_retry_attempts=RETRY_ATTEMPTS,
                    maximum_event_age_in_seconds=int(MAX_EVENT_AGE.to_seconds()),
                ),
                dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(arn=self._dead_letter_arn),
            ),
        )


def _scheduled(schedule: ScheduleConfig | None) -> ScheduleConfig:
    assert schedule is not None, "only entries with a schedule are scheduled"
    return schedule
