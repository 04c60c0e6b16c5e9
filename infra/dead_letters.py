"""One queue for everything that could not be delivered: rule targets, schedules, async function failures.

A message here means a notification, a wake-up or a scheduled start did not happen; the
queue is encrypted (SQS-managed keys, so EventBridge and Scheduler need no key grant) and
refuses access without TLS.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_sqs as sqs
from constructs import Construct

RETENTION = Duration.days(14)  # the SQS maximum: time to notice and replay

NO_DLQ_OF_A_DLQ_REASON = (
    "This queue is itself the dead-letter queue of the EventBridge rule targets, the schedules and the "
    "asynchronous invocations of the event-driven functions; a dead-letter queue of it would have no consumer."
)


def dead_letter_queue(scope: Construct, construct_id: str) -> sqs.Queue:
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=RETENTION,
    )
    Validations.of(queue).acknowledge(Acknowledgment(id="AwsSolutions-SQS3", reason=NO_DLQ_OF_A_DLQ_REASON))
    return queue
