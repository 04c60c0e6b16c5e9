"""The check catalogue as data: ids, gating from the reference matrix, SQL hygiene, evaluators.

Checks that cannot be reproduced on the PostgreSQL 15 test server (P8, P9, P14 do not even parse there)
are pinned here on their SQL text and their gates; tests/sql runs everything else for real.
"""

import re

import pytest

from upgrade.preflight.sql_checks.blue_green import capacity_shortfalls
from upgrade.preflight.sql_checks.catalogue import CHECK_COUNT, CHECK_IDS, CHECKS, CONNECTIVITY_ID, check, describe
from upgrade.preflight.sql_checks.model import Context
from upgrade.shared.versions import Version

REQUIRED = [
    "P1-prepared-transactions",
    "P2-logical-replication-slots",
    "P3-subscriptions",
    "P4-reg-types",
    "P5-system-composite-types",
    "P6-aclitem-columns",
    "P7-sql-identifier-columns",
    "P8-removed-datetime-types",
    "P9-tables-with-oids",
    "P10-unknown-columns",
    "P12-encoding-conversions",
    "P13-postfix-operators",
    "P14-polymorphic-array-functions",
    "P15-database-connections",
    "P16-template-databases",
    "P17-invalid-databases",
    "P18-pg-prefixed-roles",
    "P19-not-null-inheritance",
    "P27-removed-builtins",
    "P20-extensions-removed",
    "P20-extensions-update-first",
    "P20-extensions-review",
    "P21-views-on-system-catalogs",
    "P22-large-objects",
    "P23-long-transactions",
    "P24-transaction-id-age",
    "P25-collation-versions",
    "P25-database-collation-version",
    "P26-invalid-indexes",
    "BG-replication-capacity",
    "BG-no-primary-key",
    "BG-logical-replication-in-use",
    "BG-unlogged-tables",
    "BG-materialized-views",
    "BG-large-objects",
    "BG-extensions-attention",
]


def ctx(source, target, strategy="in_place"):
    return Context(Version(source, 1), Version(target, 1), strategy)


def test_the_catalogue_has_every_required_check_once():
    assert list(CHECK_IDS) == [CONNECTIVITY_ID, *REQUIRED]
    assert CHECK_COUNT == 37


# (check, source major, target major, applies?) from the matrix in the reference §1.2
GATES = [
    ("P6-aclitem-columns", 15, 16, True),
    ("P6-aclitem-columns", 13, 17, True),
    ("P6-aclitem-columns", 16, 17, False),
    ("P6-aclitem-columns", 14, 15, False),
    ("P7-sql-identifier-columns", 11, 12, True),
    ("P7-sql-identifier-columns", 12, 16, False),
    ("P8-removed-datetime-types", 11, 15, True),
    ("P8-removed-datetime-types", 12, 13, False),
    ("P9-tables-with-oids", 11, 12, True),
    ("P9-tables-with-oids", 12, 13, False),
    ("P10-unknown-columns", 9, 10, True),
    ("P10-unknown-columns", 10, 11, False),
    ("P12-encoding-conversions", 13, 14, True),
    ("P12-encoding-conversions", 14, 15, False),
    ("P13-postfix-operators", 13, 16, True),
    ("P13-postfix-operators", 14, 16, False),
    ("P14-polymorphic-array-functions", 13, 14, True),
    ("P14-polymorphic-array-functions", 15, 16, False),
    ("P19-not-null-inheritance", 17, 18, True),
    ("P19-not-null-inheritance", 14, 18, True),
    ("P19-not-null-inheritance", 13, 15, True),  # pg_upgrade 15-17 refuse it too (measured on 13.20 -> 15.18)
    ("P19-not-null-inheritance", 18, 19, False),  # 18 cannot produce it
    ("P25-database-collation-version", 15, 16, True),
    ("P25-database-collation-version", 14, 15, False),
    ("P1-prepared-transactions", 11, 12, True),
    ("P4-reg-types", 16, 17, True),
]


@pytest.mark.parametrize(("check_id", "source", "target", "applies"), GATES)
def test_version_gates_follow_the_matrix(check_id, source, target, applies):
    reason = check(check_id).skip_reason(ctx(source, target))
    assert (reason is None) == applies
    if reason:
        assert f"this upgrade is {source} -> {target}" in reason


BLUE_GREEN_ONLY = [i for i in REQUIRED if i.startswith("BG-")]


@pytest.mark.parametrize("check_id", BLUE_GREEN_ONLY)
def test_blue_green_checks_are_skipped_for_in_place(check_id):
    assert check(check_id).skip_reason(ctx(15, 16, "blue_green")) is None
    assert check(check_id).skip_reason(ctx(15, 16)) == "applies to blue_green upgrades only; this one is in_place"


@pytest.mark.parametrize(
    ("source", "target", "strategy", "severity"),
    [
        (16, 17, "in_place", "fail"),
        (13, 16, "in_place", "fail"),
        (17, 18, "in_place", "warn"),
        (17, 18, "blue_green", "fail"),
    ],
)
def test_logical_slots_block_until_pg_upgrade_can_carry_them(source, target, strategy, severity):
    assert check("P2-logical-replication-slots").status_for(ctx(source, target, strategy)) == severity


def _bare_catalog_names(sql):
    code = re.sub(r"'[^']*'", "''", sql)  # string literals may name anything
    return re.findall(r"(?<![.\w])(pg_[a-z_]+)\b(?!\.)", code)


def test_the_qualification_probe_catches_a_bare_catalog_name():
    assert _bare_catalog_names("SELECT 1 FROM pg_class c, pg_catalog.pg_namespace n WHERE x = 'pg_proc'") == [
        "pg_class"
    ]


@pytest.mark.parametrize("item", CHECKS, ids=lambda c: c.id)
def test_queries_are_read_only_single_statements_on_qualified_catalogs(item):
    sql = item.sql.strip()
    assert re.match(r"(SELECT|WITH)\b", sql)
    assert ";" not in sql
    assert not re.search(r"\b(INSERT|UPDATE|DELETE|DROP|ALTER|CREATE|TRUNCATE|GRANT|REVOKE|COPY)\b", sql, re.I)
    assert _bare_catalog_names(sql) == []  # a user's search_path must not be able to shadow a catalog


def test_old_version_queries_keep_their_key_fragments():
    assert all(t in check("P8-removed-datetime-types").sql for t in ("abstime", "reltime", "tinterval"))
    assert "c.relhasoids" in check("P9-tables-with-oids").sql
    polymorphics = check("P14-polymorphic-array-functions").sql
    assert len(re.findall(r"'(array_\w+|width_bucket)\(", polymorphics)) == 9
    assert "pg_catalog.regprocedure[]" in polymorphics
    assert "o.oprright = 0 AND o.oid >= 16384" in check("P13-postfix-operators").sql
    assert "rolname LIKE 'pg\\_%' AND oid >= 16384" in check("P18-pg-prefixed-roles").sql
    assert "ap.attnotnull AND NOT ac.attnotnull" in check("P19-not-null-inheritance").sql


def test_describe_names_scope_severity_gate_and_strategies():
    assert describe(check("P6-aclitem-columns")) == (
        "P6-aclitem-columns: database, fail, source major <= 15 and target major >= 16, blue_green,in_place"
    )
    assert "depends on the upgrade" in describe(check("P2-logical-replication-slots"))


def settings(**overrides):
    row = {
        "databases": 4,
        "existing_slots": 0,
        "max_replication_slots": 10,
        "max_wal_senders": 10,
        "max_logical_replication_workers": 5,
        "max_worker_processes": 8,
    }
    return row | overrides


def test_replication_capacity_formulas():
    assert capacity_shortfalls(settings()) == []
    assert capacity_shortfalls(settings(existing_slots=6)) == [
        ("max_replication_slots", 10, 11, "4 databases + 1 + 6 in use")
    ]
    assert [s[0] for s in capacity_shortfalls(settings(max_wal_senders=9))] == ["max_wal_senders"]
    assert [s[0] for s in capacity_shortfalls(settings(max_worker_processes=5))] == ["max_worker_processes"]
    assert [s[:3] for s in capacity_shortfalls(settings(databases=20))] == [
        ("max_replication_slots", 10, 21),
        ("max_logical_replication_workers", 5, 21),
    ]


def ext(name, installed, default="9.9"):
    return {"extname": name, "nspname": "public", "installed_version": installed, "default_version": default}


def found(check_id, rows, context):
    return [(e.object_name, e.detail) for e in check(check_id).evidence(rows, context, "app")]


def test_removed_extensions_depend_on_the_target():
    rows = [ext("pg_repack", "1.4.8", "1.4.8"), ext("chkpass", "1.0", "1.0"), ext("plpgsql", "1.0", "1.0")]
    assert [n for n, _ in found("P20-extensions-removed", rows, ctx(13, 14))] == ["pg_repack", "chkpass"]
    assert [n for n, _ in found("P20-extensions-removed", rows, ctx(10, 11))] == ["chkpass"]


def test_postgis_family_must_be_current_and_rdkit_cannot_jump_to_17():
    rows = [
        ext("postgis", "3.1.4", "3.1.10"),
        ext("postgis_raster", "3.1.10", "3.1.10"),
        ext("rdkit", "4.4.0", "4.4.0"),
    ]
    assert found("P20-extensions-update-first", rows, ctx(16, 17)) == [
        ("postgis", "installed 3.1.4, the source offers 3.1.10: update it first"),
        ("rdkit", "rdkit 4.4.0 cannot go directly to 17: minor-upgrade the source first"),
    ]
    assert [n for n, _ in found("P20-extensions-update-first", rows, ctx(15, 16))] == ["postgis"]


def test_review_lists_other_outdated_extensions_and_plv8():
    rows = [ext("hstore", "1.4", "1.8"), ext("pgcrypto", "1.10", "1.9"), ext("plv8", "3.1.10", "3.1.10")]
    rows.append(ext("postgis", "3.0.0", "3.1.0"))  # reported by update-first, not twice
    assert [n for n, _ in found("P20-extensions-review", rows, ctx(14, 15))] == ["hstore", "plv8"]


def test_views_on_catalogs_are_marked_changed_only_when_the_upgrade_crosses_the_change():
    rows = [
        {"view_schema": "app", "view_name": "v", "depends_on_schema": "pg_catalog", "depends_on": "pg_stat_bgwriter"}
    ]
    assert "CHANGED" in found("P21-views-on-system-catalogs", rows, ctx(16, 17))[0][1]
    assert "CHANGED" not in found("P21-views-on-system-catalogs", rows, ctx(14, 16))[0][1]
    assert "CHANGED" not in found("P21-views-on-system-catalogs", rows, ctx(17, 18))[0][1]


def test_row_evidence_places_cluster_objects_in_their_own_database():
    slot = {"slot_name": "s", "plugin": "pgoutput", "database": "shop", "active": False, "confirmed_flush_lsn": None}
    (evidence,) = check("P2-logical-replication-slots").evidence([slot], ctx(15, 16), "postgres")
    assert (evidence.database, evidence.object_name) == ("shop", "s")
    assert evidence.detail == "logical slot (plugin pgoutput, active false, confirmed flush NULL)"
    (role,) = check("P18-pg-prefixed-roles").evidence([{"rolname": "pg_app"}], ctx(15, 16), "postgres")
    assert (role.database, role.object_name) == (None, "pg_app")


def test_every_sql_check_that_does_not_pass_is_headed_by_its_finding_not_its_expectation():
    from upgrade.preflight.sql_runner import FINDINGS, finding_of

    checks = {item.id: item for item in CHECKS}
    assert set(FINDINGS) <= set(checks), "a finding names no check"
    for item in checks.values():
        finding = finding_of(item)
        assert not finding.startswith(("No ", "Every ")), f"{item.id} would read as the opposite: {finding}"
    assert finding_of(checks["P26-invalid-indexes"]) == "Invalid indexes found"
