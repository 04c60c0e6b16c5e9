"""Each check's SQL as the server parses it, the version-gated ones included, and the pg8000 session."""

from __future__ import annotations

import pytest

from upgrade.database.sql import QueryFailed, server_version
from upgrade.preflight.sql_checks.catalogue import CHECKS, check
from upgrade.preflight.sql_checks.model import Context
from upgrade.shared.versions import Version

# their catalog objects are gone on 12+ (abstime, relhasoids) or 14+ (the anyarray signatures): this is
# why they are gated, and why they can only be checked as text (tests/unit/test_sql_checks_catalogue.py)
UNPARSEABLE_ON_12_PLUS = {"P8-removed-datetime-types", "P9-tables-with-oids", "P14-polymorphic-array-functions"}


@pytest.fixture(scope="module")
def postgres_db(planted):
    executor = planted.connect("postgres")
    yield executor
    executor.close()


@pytest.mark.parametrize("item", [c for c in CHECKS if c.id not in UNPARSEABLE_ON_12_PLUS], ids=lambda c: c.id)
def test_the_server_plans_every_other_query(postgres_db, item):
    plan = postgres_db.query(f"EXPLAIN {item.sql}")
    assert plan and "QUERY PLAN" in plan[0]


@pytest.mark.parametrize("check_id", sorted(UNPARSEABLE_ON_12_PLUS))
def test_the_gated_queries_really_fail_on_this_server(postgres_db, check_id):
    with pytest.raises(QueryFailed, match="does not exist"):
        postgres_db.query(f"EXPLAIN {check(check_id).sql}")


def _run_in(planted, database, check_id, target):
    """One check's SQL in one database, whatever its gate says: finds what the runner would for old sources."""
    executor = planted.connect(database)
    try:
        item = check(check_id)
        return item.evidence(
            executor.query(item.sql), Context(Version(11, 22), Version(target, 1), "in_place"), database
        )
    finally:
        executor.close()


def test_gated_sql_identifier_query_finds_the_planted_column(planted):
    (evidence,) = _run_in(planted, "billing", "P7-sql-identifier-columns", 12)
    assert (evidence.schema_name, evidence.object_name) == ("public", "legacy_names")
    assert evidence.detail == "column n has type information_schema.sql_identifier"


def test_gated_conversion_query_finds_the_planted_conversion(planted):
    (evidence,) = _run_in(planted, "billing", "P12-encoding-conversions", 14)
    assert (evidence.database, evidence.object_name) == ("billing", "billing_latin1")


def test_gated_not_null_inheritance_query_finds_the_planted_child(planted):
    (evidence,) = _run_in(planted, "billing", "P19-not-null-inheritance", 18)
    assert (evidence.object_name, evidence.detail) == (
        "child_rows",
        "column id is NOT NULL in parent parent_rows but nullable here",
    )


@pytest.mark.parametrize(
    "check_id",
    ["P7-sql-identifier-columns", "P12-encoding-conversions", "P13-postfix-operators", "P18-pg-prefixed-roles"],
)
def test_gated_queries_find_nothing_where_nothing_is_planted(planted, check_id):
    assert _run_in(planted, "clean", check_id, 18) == []


def test_the_session_is_read_only_and_named(planted):
    executor = planted.connect("shop")
    try:
        with pytest.raises(QueryFailed, match="25006: cannot execute CREATE TABLE in a read-only transaction"):
            executor.query("CREATE TABLE should_not_exist (id int)")
        (me,) = executor.query(
            "SELECT application_name, current_setting('statement_timeout') AS timeout "
            "FROM pg_catalog.pg_stat_activity WHERE pid = pg_catalog.pg_backend_pid()"
        )
        assert me == {"application_name": "aurora-upgrade-preflight", "timeout": "5s"}  # 10 s socket timeout - 5
        executor.query("SELECT 1")  # a failed statement does not poison the session
    finally:
        executor.close()


def test_server_version_reads_the_version_number(planted):
    executor = planted.connect("postgres")
    try:
        (row,) = executor.query("SHOW server_version")
        assert str(server_version(executor)) == row["server_version"].split()[0]
    finally:
        executor.close()
