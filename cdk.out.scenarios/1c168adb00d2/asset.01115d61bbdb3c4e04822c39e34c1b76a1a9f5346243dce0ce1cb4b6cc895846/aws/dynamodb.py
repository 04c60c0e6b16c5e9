"""The one wrapper around DynamoDB: the workflow's small table of task tokens (waits and approvals).

Items are keyed by ``pk`` (what is waited on, or an approval's id) and ``sk``; ``expires_at``
(epoch seconds) is the table's TTL attribute, so forgotten tokens go away on their own.
"""

from __future__ import annotations

from typing import Any

from aws.rds import translated_errors


class TokenTable:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put(self, pk: str, sk: str, attributes: dict[str, str | int]) -> None:
        """Create or replace one item (a retried put writes the same item again)."""
        item = {"pk": {"S": pk}, "sk": {"S": sk}, **{key: _value(value) for key, value in attributes.items()}}
        with translated_errors():
            self._client.put_item(TableName=self._table, Item=item)

    def items(self, pk: str) -> list[dict[str, str | int]]:
        """Every item under ``pk`` (strongly consistent: a token put a moment ago is seen)."""
        found: list[dict[str, str | int]] = []
        with translated_errors():
            paginator = self._client.get_paginator("query")
            pages = paginator.paginate(
                TableName=self._table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": pk}},
                ConsistentRead=True,
            )
            for page in pages:
                found.extend(_plain(item) for item in page.get("Items", []))
        return found

    def take(self, pk: str, sk: str) -> dict[str, str | int] | None:
        """Delete one item and return what it held; None if it was already gone (so each item is used once)."""
        with translated_errors():
            response = self._client.delete_item(
                TableName=self._table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ReturnValues="ALL_OLD"
            )
        attributes = response.get("Attributes")
        return _plain(attributes) if attributes else None


def _value(value: str | int) -> dict[str, str]:
    return {"N": str(value)} if isinstance(value, int) else {"S": value}


def _plain(item: dict[str, Any]) -> dict[str, str | int]:
    return {key: int(value["N"]) if "N" in value else str(value["S"]) for key, value in item.items()}
