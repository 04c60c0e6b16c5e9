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

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.config import ClusterEntry

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
        self.schedules = {
            entry.id: self._schedule(entry, state_machine.state_machine_arn, dead_letter_queue.queue_arn)
            for entry in entries
        }

    def _schedule(self, entry: ClusterEntry, state_machine_arn: str, dead_letter_arn: str) -> scheduler.CfnSchedule:
        schedule = entry.schedule
        assert schedule is not None, "only entries with a schedule are scheduled"
        window = (
            scheduler.CfnSchedule.FlexibleTimeWindowProperty(
                mode="FLEXIBLE", maximum_window_in_minutes=schedule.flexible_window_minutes
            )
            if schedule.flexible_window_minutes
            else scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF")
        )
        start_execution = {
            "StateMachineArn": state_machine_arn,
            "Name": entry.scheduled_execution_name(),
            "Input": json.dumps(entry.execution_input(), separators=(",", ":")),
        }
        return scheduler.CfnSchedule(
            self,
            entry.id,
            name=entry.id,
            group_name=self.group.ref,
            description=f"aurora-upgrade: {entry.id} to {entry.target_engine_version} ({entry.strategy})",
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
                dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(arn=dead_letter_arn),
            ),
        )
