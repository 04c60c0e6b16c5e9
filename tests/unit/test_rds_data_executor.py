"""The RDS Data API executor turns typed records into the same row dicts pg8000 gives.

moto's rds-data only hands out queued canned results, so botocore's Stubber plays the service here:
it also validates our request and the canned response against the real API model.
"""

import boto3
import pytest
from botocore.stub import Stubber

from aws import rds_data
from upgrade.database.sql import ConnectFailed, QueryFailed, server_version
from upgrade.preflight.sql_checks.catalogue import check
from upgrade.preflight.sql_runner import run_database_checks
from upgrade.shared.versions import Version

CLUSTER = "arn:aws:rds:us-east-1:123456789012:cluster:prod"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod-abc123"


@pytest.fixture
def client():
    data = boto3.client("rds-data", region_name="us-east-1")
    with Stubber(data) as stubber:
        yield data, stubber
        stubber.assert_no_pending_responses()


def request(sql, database="postgres"):
    return {
        "resourceArn": CLUSTER,
        "secretArn": SECRET,
        "database": database,
        "sql": sql,
        "includeResultMetadata": True,
    }


def answer(names, *records):
    return {"columnMetadata": [{"name": n, "typeName": "text"} for n in names], "records": list(records)}


def test_every_field_type_becomes_a_python_value(client):
    data, stubber = client
    stubber.add_response(
        "execute_statement",
        answer(
            ["name", "count", "allowed", "ratio", "missing", "tags", "matrix", "raw"],
            [
                {"stringValue": "shop"},
                {"longValue": 42},
                {"booleanValue": True},
                {"doubleValue": 0.5},
                {"isNull": True},
                {"arrayValue": {"stringValues": ["a", "b"]}},
                {"arrayValue": {"arrayValues": [{"longValues": [1, 2]}, {"longValues": [3]}]}},
                {"blobValue": b"\x00\x01"},
            ],
        ),
        request("SELECT everything"),
    )
    executor = rds_data.DataApiExecutor(data, CLUSTER, SECRET, "postgres")
    assert executor.query("SELECT everything") == [
        {
            "name": "shop",
            "count": 42,
            "allowed": True,
            "ratio": 0.5,
            "missing": None,
            "tags": ["a", "b"],
            "matrix": [[1, 2], [3]],
            "raw": b"\x00\x01",
        }
    ]


def test_a_false_and_a_zero_are_values_not_nulls(client):
    data, stubber = client
    stubber.add_response(
        "execute_statement", answer(["on", "n"], [{"booleanValue": False}, {"longValue": 0}]), request("SELECT 2")
    )
    assert rds_data.DataApiExecutor(data, CLUSTER, SECRET, "postgres").query("SELECT 2") == [{"on": False, "n": 0}]


def test_no_rows_is_an_empty_list(client):
    data, stubber = client
    stubber.add_response("execute_statement", {"numberOfRecordsUpdated": 0}, request("SELECT 3"))
    assert rds_data.DataApiExecutor(data, CLUSTER, SECRET, "postgres").query("SELECT 3") == []


def test_a_database_error_is_a_failed_query_with_its_message(client):
    data, stubber = client
    stubber.add_client_error(
        "execute_statement",
        service_error_code="BadRequestException",
        service_message="ERROR: permission denied for view pg_prepared_xacts",
        http_status_code=400,
        expected_params=request("SELECT 4"),
    )
    with pytest.raises(QueryFailed, match="BadRequestException: ERROR: permission denied"):
        rds_data.DataApiExecutor(data, CLUSTER, SECRET, "postgres").query("SELECT 4")


def test_the_connector_proves_the_database_is_reachable(client):
    data, stubber = client
    stubber.add_response(
        "execute_statement", answer(["reachable"], [{"longValue": 1}]), request("SELECT 1 AS reachable", "shop")
    )
    stubber.add_client_error(
        "execute_statement",
        service_error_code="DatabaseNotFoundException",
        service_message="database gone",
        expected_params=request("SELECT 1 AS reachable", "gone"),
    )
    connect = rds_data.connector(data, CLUSTER, SECRET)
    assert isinstance(connect("shop"), rds_data.DataApiExecutor)
    with pytest.raises(ConnectFailed, match="DatabaseNotFoundException"):
        connect("gone")


def test_server_version_and_a_check_run_through_the_data_api(client):
    data, stubber = client
    executor = rds_data.DataApiExecutor(data, CLUSTER, SECRET, "postgres")
    stubber.add_response(
        "execute_statement",
        answer(["server_version_num"], [{"stringValue": "130020"}]),
        request("SHOW server_version_num"),
    )
    assert server_version(executor) == Version(13, 20)

    slots = check("P2-logical-replication-slots")
    stubber.add_response(
        "execute_statement", answer(["reachable"], [{"longValue": 1}]), request("SELECT 1 AS reachable")
    )
    stubber.add_response(
        "execute_statement",
        answer(
            ["datname", "datallowconn", "datconnlimit", "datistemplate"],
            [{"stringValue": "postgres"}, {"booleanValue": True}, {"longValue": -1}, {"booleanValue": False}],
        ),
        request("SELECT datname, datallowconn, datconnlimit, datistemplate FROM pg_catalog.pg_database ORDER BY 1"),
    )
    stubber.add_response(
        "execute_statement",
        answer(
            ["slot_name", "plugin", "database", "active", "confirmed_flush_lsn"],
            [
                {"stringValue": "dms"},
                {"stringValue": "test_decoding"},
                {"stringValue": "app"},
                {"booleanValue": False},
                {"stringValue": "0/16B3748"},
            ],
        ),
        request(slots.sql),
    )
    _, result = run_database_checks(
        rds_data.connector(data, CLUSTER, SECRET), Version(13, 20), Version(16, 6), "in_place", checks=[slots]
    )
    assert result.status == "fail"
    assert [(e.database, e.object_name) for e in result.evidence] == [("app", "dms")]
