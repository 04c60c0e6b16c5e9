"""The one wrapper around SNS."""

from __future__ import annotations

import json
from typing import Any

from aws.rds import translated_errors

SUBJECT_MAX = 99  # SNS subjects must be under 100 ASCII characters
MESSAGE_MAX_BYTES = 256 * 1024  # the message and its attributes together


class MessageTooLarge(ValueError):
    """The message would exceed what SNS accepts in one publish."""


class Sns:
    def __init__(self, client: Any) -> None:
        self._client = client

    def publish_variants(
        self, topic_arn: str, subject: str, variants: dict[str, str], attributes: dict[str, str]
    ) -> str:
        """One message, a text per protocol (MessageStructure=json): ``default`` plus e.g. ``email``, ``lambda``."""
        if "default" not in variants:
            raise ValueError("a MessageStructure=json message needs a default variant")
        message = json.dumps(variants, ensure_ascii=False)
        size = len(message.encode()) + sum(len(k.encode()) + len(v.encode()) + 6 for k, v in attributes.items())
        if size > MESSAGE_MAX_BYTES:
            raise MessageTooLarge(f"the notification is {size} bytes; SNS accepts {MESSAGE_MAX_BYTES}")
        ascii_subject = subject.encode("ascii", "replace").decode()[:SUBJECT_MAX]
        with translated_errors():
            response = self._client.publish(
                TopicArn=topic_arn,
                Subject=ascii_subject,
                Message=message,
                MessageStructure="json",
                MessageAttributes={
                    key: {"DataType": "String", "StringValue": value} for key, value in attributes.items()
                },
            )
        return str(response["MessageId"])
