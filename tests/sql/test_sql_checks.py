"""The whole catalogue against a real PostgreSQL with planted problems (see conftest.SHOP/BILLING/CLUSTER).

Source is the server's real version; targets 16 and 17; both strategies. Every planted problem must be
named in its database with its status, and the clean database must yield no evidence at all.
"""

from __future__ import annotations

import dataclasses

import pytest

from aws import postgres
from upgrade.database.sql import server_version
from upgrade.preflight.sql_checks.catalogue import CHECK_IDS, CONNECTIVITY_ID, check
from upgrade.preflight.sql_checks.risks import long_transactions_sql, xid_age_sql
from upgrade.preflight.sql_runner import run_database_checks
from upgrade.shared.preflight_report import CheckResult
from upgrade.shared.versions import Version


@pytest.fixture(scope="module")
def source(planted) -> Version:
    executor = planted.connect("postgres")
    try:
        return server_version(executor)
    finally:
        executor.close()


@pytest.fixture(scope="module")
def reports(planted, source: Version) -> dict[tuple[int, str], dict[str, CheckResult]]:
    """One report per (target major, strategy), keyed by check id."""
    out = {}
    for target in (16, 17):
        for strategy in ("in_place", "blue_green"):
            results = run_database_checks(planted.connect, source, Version(target, 1), strategy)
            assert [r.id for r in results] == list(CHECK_IDS)  # every check reported, in catalogue order
            out[target, strategy] = {r.id: r for r in results}
    return out


def found(result: CheckResult) -> set[tuple[str | None, str | None, str | None]]:
    return {(e.database, e.schema_name, e.object_name) for e in result.evidence}


def test_the_source_is_the_real_server_version(planted, source: Version) -> None:
    assert source.major == int(planted.bin_dir.parent.name)
    assert source.minor > 0


# (check id, status, evidence as (database, schema, object)) identical for 15->16/17 and both strategies
PLANTED = [
    ("P1-prepared-transactions", "fail", {("billing", None, "billing_gid")}),
    ("P2-logical-replication-slots", "fail", {("shop", None, "upgrade_test")}),
    ("P3-subscriptions", "fail", {("billing", None, "billing_sub")}),
    ("P4-reg-types", "fail", {("shop", "public", "callbacks"), ("billing", "public", "hooks")}),
    ("P5-system-composite-types", "fail", {("shop", "public", "snapshots")}),
    ("P6-aclitem-columns", "fail", {("billing", "public", "grants_archive")}),
    ("P15-database-connections", "fail", {("stale", None, "stale")}),
    ("P17-invalid-databases", "fail", {("broken", None, "broken")}),
    ("P19-not-null-inheritance", "fail", {("billing", "public", "child_rows")}),  # pg_upgrade 15-17 refuse it
    ("P20-extensions-review", "warn", {("shop", "public", "hstore")}),
    (
        "P21-views-on-system-catalogs",
        "warn",
        {
            ("shop", "public", "bgwriter_stats"),
            ("billing", "public", "slow_queries"),
            ("billing", "public", "icu_databases"),
        },
    ),
    ("P22-large-objects", "warn", {("shop", None, None)}),
    ("P25-collation-versions", "warn", {("shop", "public", "shop_de")}),
    ("P25-database-collation-version", "warn", {("billing", None, "billing")}),
    ("P26-invalid-indexes", "warn", {("shop", "public", "skus_code")}),
]
# present on this server but nothing planted: must pass (a false failure would block real upgrades)
PASSING = [
    "P16-template-databases",
    "P18-pg-prefixed-roles",
    "P20-extensions-removed",
    "P20-extensions-update-first",
    "P23-long-transactions",
    "P24-transaction-id-age",
]
BLUE_GREEN = [
    (
        "BG-no-primary-key",
        "fail",
        {("shop", "public", "audit_log"), ("billing", "public", "parent_rows"), ("billing", "public", "child_rows")},
    ),
    ("BG-logical-replication-in-use", "fail", {("shop", None, "shop_pub")}),
    ("BG-unlogged-tables", "warn", {("shop", "public", "cart_cache")}),
    ("BG-materialized-views", "warn", {("shop", "public", "order_totals")}),
    ("BG-large-objects", "warn", {("shop", None, None)}),
    ("BG-replication-capacity", "fail", {(None, None, "max_logical_replication_workers")}),
]
GATED_ON_THIS_SOURCE = ["P7-sql-identifier-columns", "P8-removed-datetime-types", "P9-tables-with-oids"]
GATED_ON_THIS_SOURCE += ["P10-unknown-columns", "P12-encoding-conversions", "P13-postfix-operators"]
GATED_ON_THIS_SOURCE += ["P14-polymorphic-array-functions"]
TARGETS_AND_STRATEGIES = [(16, "in_place"), (16, "blue_green"), (17, "in_place"), (17, "blue_green")]


@pytest.mark.parametrize(("target", "strategy"), TARGETS_AND_STRATEGIES)
@pytest.mark.parametrize(("check_id", "status", "evidence"), PLANTED, ids=[p[0] for p in PLANTED])
def test_each_planted_problem_is_named_in_its_database(reports, target, strategy, check_id, status, evidence):
    result = reports[target, strategy][check_id]
    assert (result.status, found(result)) == (status, evidence), result.evidence


@pytest.mark.parametrize(("target", "strategy"), TARGETS_AND_STRATEGIES)
def test_checks_with_nothing_planted_pass(reports, target, strategy):
    results = reports[target, strategy]
    assert {i: (results[i].status, results[i].evidence) for i in PASSING} == {i: ("pass", []) for i in PASSING}
    assert results[CONNECTIVITY_ID].status == "pass"
    assert results[CONNECTIVITY_ID].reason == "checked billing, clean, postgres, shop"


@pytest.mark.parametrize("target", [16, 17])
@pytest.mark.parametrize(("check_id", "status", "evidence"), BLUE_GREEN, ids=[b[0] for b in BLUE_GREEN])
def test_blue_green_problems_are_reported_for_blue_green_only(reports, target, check_id, status, evidence):
    blue_green = reports[target, "blue_green"][check_id]
    assert (blue_green.status, found(blue_green)) == (status, evidence), blue_green.evidence
    in_place = reports[target, "in_place"][check_id]
    assert (in_place.status, in_place.evidence) == ("skipped", [])
    assert "blue_green" in in_place.reason


def test_the_replication_capacity_names_the_shortfall(reports):
    (evidence,) = reports[17, "blue_green"]["BG-replication-capacity"].evidence
    # postgres, shop, billing, clean: stale refuses connections and broken is invalid, so N = 4
    assert evidence.detail == "4, needs >= 5 (4 databases + 1)"


@pytest.mark.parametrize(("target", "strategy"), TARGETS_AND_STRATEGIES)
def test_the_clean_database_yields_no_evidence(reports, target, strategy):
    leaks = [(r.id, e) for r in reports[target, strategy].values() for e in r.evidence if e.database == "clean"]
    assert leaks == []
    assert "clean" in reports[target, strategy][CONNECTIVITY_ID].reason  # it was checked, not missed


@pytest.mark.parametrize("check_id", GATED_ON_THIS_SOURCE)
def test_checks_for_other_versions_are_skipped_with_the_reason(reports, source, check_id):
    result = reports[16, "in_place"][check_id]
    assert result.status == "skipped" and result.evidence == []
    assert f"this upgrade is {source.major} -> 16" in result.reason


def test_views_on_catalog_views_changed_in_the_target_are_marked(reports):
    def details(target):
        return {e.object_name: e.detail for e in reports[target, "in_place"]["P21-views-on-system-catalogs"].evidence}

    for view in ("bgwriter_stats", "slow_queries", "icu_databases"):
        assert "CHANGED" in details(17)[view] and "CHANGED" not in details(16)[view]


def test_views_on_catalog_columns_the_target_removed_fail(reports):
    """17 removed pg_stat_bgwriter.buffers_backend and pg_database.daticulocale: those views cannot be restored."""
    removed = reports[17, "in_place"]["P27-removed-builtins"]
    assert (removed.status, found(removed)) == (
        "fail",
        {("shop", "public", "bgwriter_stats"), ("billing", "public", "icu_databases")},
    )
    assert reports[16, "in_place"]["P27-removed-builtins"].status == "pass"


def test_the_report_says_what_was_found(reports):
    slots = reports[16, "in_place"]["P2-logical-replication-slots"]
    assert slots.reason == "1 finding(s) in shop"
    assert "pg_drop_replication_slot" in slots.remediation
    assert reports[16, "in_place"]["P18-pg-prefixed-roles"].reason == "checked 1 database"
    assert reports[16, "in_place"]["P26-invalid-indexes"].evidence[0].detail == "invalid index on table skus"


def _only(item_id, **changes):
    return [dataclasses.replace(check(item_id), **changes)]


def test_long_transactions_name_the_session_and_its_database(planted, source, idle_session):
    """The 5-minute threshold cannot be waited for in a test; the same query with 0 minutes can."""
    (_, result) = run_database_checks(
        planted.connect,
        source,
        Version(16, 1),
        "in_place",
        checks=_only("P23-long-transactions", sql=long_transactions_sql(0)),
    )
    assert result.status == "warn"
    assert found(result) == {("billing", None, idle_session)}
    assert "idle in transaction" in result.evidence[0].detail


def test_transaction_id_age_lists_databases_over_the_threshold(planted, source):
    (_, result) = run_database_checks(
        planted.connect, source, Version(16, 1), "in_place", checks=_only("P24-transaction-id-age", sql=xid_age_sql(0))
    )
    assert result.status == "warn"
    assert {"shop", "billing", "clean", "postgres"} <= {e.database for e in result.evidence}


def test_a_template_that_is_not_a_template_fails(planted, source):
    admin = planted.admin()
    admin.run("ALTER DATABASE template1 IS_TEMPLATE false")
    try:
        (_, result) = run_database_checks(
            planted.connect, source, Version(16, 1), "in_place", checks=_only("P16-template-databases")
        )
    finally:
        admin.run("ALTER DATABASE template1 IS_TEMPLATE true")
        admin.close()
    assert (result.status, found(result)) == ("fail", {("template1", None, "template1")})
    assert result.evidence[0].detail == "datistemplate is false"


def test_a_check_that_errors_warns_and_the_rest_still_run(planted, source):
    """A role that may not read pg_prepared_xacts nor connect to billing, as an RDS master user could be."""
    admin = planted.admin()
    admin.run("CREATE ROLE auditor LOGIN")
    admin.run("REVOKE SELECT ON pg_catalog.pg_prepared_xacts FROM PUBLIC")
    admin.run("REVOKE CONNECT ON DATABASE billing FROM PUBLIC")
    try:
        results = run_database_checks(
            lambda db: postgres.connect(planted.host, planted.port, "auditor", None, db, ssl=False),
            source,
            Version(16, 1),
            "in_place",
        )
    finally:
        admin.run("GRANT CONNECT ON DATABASE billing TO PUBLIC")
        admin.run("GRANT SELECT ON pg_catalog.pg_prepared_xacts TO PUBLIC")
        admin.run("DROP ROLE auditor")
        admin.close()
    by_id = {r.id: r for r in results}
    prepared = by_id["P1-prepared-transactions"]
    assert prepared.status == "warn" and prepared.evidence[0].database == "postgres"
    assert "permission denied" in prepared.evidence[0].detail
    connectivity = by_id[CONNECTIVITY_ID]
    assert connectivity.status == "fail" and [e.database for e in connectivity.evidence] == ["billing"]
    assert found(by_id["P4-reg-types"]) == {("shop", "public", "callbacks")}  # shop still checked
    assert by_id["P26-invalid-indexes"].status == "warn"
