"""EventBridge rules: what the notifier hears besides the workflow, and what wakes a waiting task.

- Safety net: an execution of this stack's state machine that FAILED, TIMED_OUT or was ABORTED
  is notified even when the workflow could not notify it itself (an abort, a timeout).
- RDS events of the configured clusters (in-place upgrade) and of blue/green deployments (their
  creation, switchover, per-cluster switchover and sequence synchronization) are notified as they
  happen. Blue/green deployment ids are unknown at synth, so those events are matched by event id
  only; the notifier keeps the ones whose source is a configured cluster.
- Wake-ups: every cluster, instance and cluster snapshot event whose identifier starts with a
  configured cluster id, and every blue/green deployment event, goes to the wake function, which
  completes the waits registered for that resource (the waiting step then re-describes: RDS
  sends events on a best-effort basis).

Each target retries and ends in the dead-letter queue. The patterns are plain functions so the
tests can run them against sample events with a real matcher.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

Pattern = dict[str, Any]

FAILED_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")
EXECUTION_STATUS_CHANGE = "Step Functions Execution Status Change"
CLUSTER_EVENT = "RDS DB Cluster Event"
INSTANCE_EVENT = "RDS DB Instance Event"
CLUSTER_SNAPSHOT_EVENT = "RDS DB Cluster Snapshot Event"
BLUE_GREEN_EVENT = "RDS Blue Green Deployment Event"

# aurora-upgrade-facts.md §7.2: upgrade preparation, in progress, major version upgraded, cannot be upgraded
CLUSTER_EVENT_IDS = tuple(f"RDS-EVENT-{n}" for n in ("0363", "0177", "0176", "0174"))
# Blue/green deployment events (source type blue-green-deployment in the RDS event table, Aurora User Guide
# "Amazon RDS event categories and event messages"): created, creation failed, switchover started, completed,
# canceled; per-cluster switchover started, completed (renamed), canceled; sequence synchronization failed.
BLUE_GREEN_EVENT_IDS = tuple(
    f"RDS-EVENT-{n}" for n in ("0244", "0245", "0247", "0248", "0249", "0259", "0260", "0261", "0314")
)

RETRY_ATTEMPTS = 8
MAX_EVENT_AGE = Duration.hours(2)
# EventBridge's default quota for the size of one event pattern, in characters
PATTERN_SIZE_LIMIT = 2048


def execution_failed_pattern(state_machine_arn: str) -> Pattern:
    return {
        "source": ["aws.states"],
        "detail-type": [EXECUTION_STATUS_CHANGE],
        "detail": {"status": list(FAILED_STATUSES), "stateMachineArn": [state_machine_arn]},
    }


def cluster_events_pattern(cluster_ids: Iterable[str]) -> Pattern:
    """The cluster itself, and the names RDS derives from it (<id>-green-..., <id>-old1)."""
    ids = list(cluster_ids)
    return {
        "source": ["aws.rds"],
        "detail-type": [CLUSTER_EVENT],
        "detail": {
            "SourceIdentifier": [*ids, *({"prefix": f"{cluster}-"} for cluster in ids)],
            "EventID": list(CLUSTER_EVENT_IDS),
        },
    }


def blue_green_events_pattern() -> Pattern:
    return {
        "source": ["aws.rds"],
        "detail-type": [BLUE_GREEN_EVENT],
        "detail": {"EventID": list(BLUE_GREEN_EVENT_IDS)},
    }


def wake_resource_pattern(cluster_ids: Iterable[str]) -> Pattern:
    """Clusters, their snapshots (<id>-pre-upgrade-...) and instances named after the cluster id."""
    return {
        "source": ["aws.rds"],
        "detail-type": [CLUSTER_EVENT, INSTANCE_EVENT, CLUSTER_SNAPSHOT_EVENT],
        "detail": {"SourceIdentifier": [{"prefix": cluster} for cluster in cluster_ids]},
    }


def wake_blue_green_pattern() -> Pattern:
    return {"source": ["aws.rds"], "detail-type": [BLUE_GREEN_EVENT]}


def split_by_size(
    cluster_ids: Sequence[str], pattern: Callable[[Sequence[str]], Pattern], limit: int = PATTERN_SIZE_LIMIT
) -> list[Pattern]:
    """One pattern per group of clusters, each within EventBridge's pattern size quota (many clusters, many rules)."""
    groups: list[list[str]] = [[]]
    for cluster in cluster_ids:
        if groups[-1] and _size(pattern([*groups[-1], cluster])) > limit:
            groups.append([])
        groups[-1].append(cluster)
        if _size(pattern(groups[-1])) > limit:
            raise ValueError(f"the event pattern for cluster {cluster} alone exceeds {limit} characters")
    return [pattern(group) for group in groups]


def _size(pattern: Pattern) -> int:
    return len(json.dumps(pattern, separators=(",", ":")))


class EventRules(Construct):
    """The four rules and their targets (the notifier and the wake function)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine_arn: str,
        cluster_ids: Iterable[str],
        notifier: lambda_.IFunction,
        wake: lambda_.IFunction,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        ids = tuple(cluster_ids)
        self._dead_letter_queue = dead_letter_queue
        self.execution_failed = self._rule(
            "ExecutionFailed",
            "An upgrade execution failed, timed out or was aborted",
            execution_failed_pattern(state_machine_arn),
            notifier,
        )
        self.cluster_events = [
            self._rule(
                _numbered("ClusterEvents", index),
                "Upgrade events of the configured clusters",
                pattern,
                notifier,
            )
            for index, pattern in enumerate(split_by_size(ids, cluster_events_pattern))
        ]
        self.blue_green_events = self._rule(
            "BlueGreenEvents", "Blue/green deployment milestones", blue_green_events_pattern(), notifier
        )
        self.wake_resources = [
            self._rule(_numbered("WakeOnResourceEvents", index), "RDS events that may end a wait", pattern, wake)
            for index, pattern in enumerate(split_by_size(ids, wake_resource_pattern))
        ]
        self.wake_blue_green = self._rule(
            "WakeOnBlueGreenEvents", "Blue/green events that may end a wait", wake_blue_green_pattern(), wake
        )

    def _rule(self, construct_id: str, description: str, pattern: Pattern, function: lambda_.IFunction) -> events.Rule:
        rule = events.Rule(
            self,
            construct_id,
            description=f"aurora-upgrade: {description}",
            event_pattern=_event_pattern(pattern),
        )
        rule.add_target(
            targets.LambdaFunction(
                function,
                dead_letter_queue=self._dead_letter_queue,
                retry_attempts=RETRY_ATTEMPTS,
                max_event_age=MAX_EVENT_AGE,
            )
        )
        return rule


def _numbered(construct_id: str, index: int) -> str:
    """The first rule keeps the plain id (stable logical ids); more clusters add ClusterEvents2, 3, ..."""
    return construct_id if index == 0 else f"{construct_id}{index + 1}"


def _event_pattern(pattern: Pattern) -> events.EventPattern:
    return events.EventPattern(
        source=pattern.get("source"),
        detail_type=pattern.get("detail-type"),
        detail=pattern.get("detail"),
    )
