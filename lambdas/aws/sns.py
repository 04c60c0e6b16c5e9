"""The one wrapper around SNS."""

from __future__ import annotations

from typing import Any

from aws.rds import translated_errors

_SUBJECT_MAX = 99  # SNS subjects must be under 100 ASCII characters


class Sns:
    def __init__(self, client: Any) -> None:
        self._client = client

    def publish(self, topic_arn: str, subject: str, message: str, attributes: dict[str, str]) -> str:
        ascii_subject = subject.encode("ascii", "replace").decode()[:_SUBJECT_MAX]
        with translated_errors():
            response = self._client.publish(
                TopicArn=topic_arn,
                Subject=ascii_subject,
                Message=message,
                MessageAttributes={
                    key: {"DataType": "String", "StringValue": value} for key, value in attributes.items()
                },
            )
        return str(response["MessageId"])
