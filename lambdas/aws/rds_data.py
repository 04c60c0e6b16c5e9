"""The RDS Data API executor: the same prechecks without a network path into the VPC.

Each ``execute_statement`` is its own autocommit transaction on a pooled connection, so session settings
do not stick; the checks are plain SELECTs, which is all this executor is used for. Rows come back as
typed Field unions and become plain dicts keyed by the column names of ``columnMetadata``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from upgrade.database.sql import ConnectFailed, Executor, QueryFailed

_SCALARS = ("stringValue", "longValue", "booleanValue", "doubleValue", "blobValue")
_ARRAYS = ("stringValues", "longValues", "booleanValues", "doubleValues")


def array_value(array: dict[str, Any]) -> list[Any]:
    """An ArrayValue: one of the typed lists, or ``arrayValues`` nesting further ArrayValues."""
    if "arrayValues" in array:
        return [array_value(item) for item in array["arrayValues"]]
    for key in _ARRAYS:
        if key in array:
            return list(array[key])
    return []


def field_value(field: dict[str, Any]) -> Any:
    """One Field of a record as a Python value (numeric/decimal and dates arrive as strings)."""
    if field.get("isNull"):
        return None
    for key in _SCALARS:
        if key in field:
            return field[key]
    if "arrayValue" in field:
        return array_value(field["arrayValue"])
    raise ValueError(f"unknown RDS Data API field {sorted(field)}")


def rows_of(response: dict[str, Any]) -> list[dict[str, Any]]:
    names = [str(column.get("name") or column.get("label")) for column in response.get("columnMetadata", [])]
    return [
        dict(zip(names, (field_value(field) for field in record), strict=True))
        for record in response.get("records", [])
    ]


def _message(error: Exception) -> str:
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        return f"{info.get('Code', '?')}: {info.get('Message', error)}"
    return str(error)


class DataApiExecutor:
    def __init__(self, client: Any, resource_arn: str, secret_arn: str, database: str) -> None:
        self._client = client
        self._resource_arn = resource_arn
        self._secret_arn = secret_arn
        self._database = database

    def query(self, sql: str) -> list[dict[str, Any]]:
        try:
            response = self._client.execute_statement(
                resourceArn=self._resource_arn,
                secretArn=self._secret_arn,
                database=self._database,
                sql=sql,
                includeResultMetadata=True,
            )
        except (ClientError, BotoCoreError) as error:
            raise QueryFailed(_message(error)) from error
        return rows_of(response)

    def close(self) -> None:
        """Nothing to release: the Data API owns its connections."""


def connector(client: Any, resource_arn: str, secret_arn: str) -> Callable[[str], Executor]:
    """Executors per database; each one proves it can reach its database before the checks run."""

    def open_database(database: str) -> Executor:
        executor = DataApiExecutor(client, resource_arn, secret_arn, database)
        try:
            executor.query("SELECT 1 AS reachable")
        except QueryFailed as error:
            raise ConnectFailed(str(error)) from error
        return executor

    return open_database
