"""The one wrapper around S3: the workflow keeps reports there that outgrow its state."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from aws.rds import error_code, translated_errors
from upgrade.shared.errors import AwsThrottled

# S3 answers 503 SlowDown when asked too fast ("Error responses", Amazon S3 API Reference,
# https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html): the same retry as any throttling.
_SLOW_DOWN = "SlowDown"


class S3:
    def __init__(self, client: Any) -> None:
        self._client = client

    @property
    def region(self) -> str:
        return str(self._client.meta.region_name)

    def put_json(self, bucket: str, key: str, body: str) -> None:
        """Write (or overwrite) one object: the same key written again leaves one object, the latest.

        PutObject needs only s3:PutObject on the object's ARN; the bucket's default encryption applies
        (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html).
        """
        try:
            with translated_errors():
                self._client.put_object(
                    Bucket=bucket, Key=key, Body=body.encode("utf-8"), ContentType="application/json"
                )
        except ClientError as error:
            if error_code(error) == _SLOW_DOWN:
                raise AwsThrottled(str(error)) from error
            raise
