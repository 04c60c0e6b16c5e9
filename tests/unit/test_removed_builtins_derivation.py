"""What counts as removed between two majors' catalogs (scripts/derive_removed_builtins.py)."""

from __future__ import annotations

from typing import Any

from scripts.derive_removed_builtins import removed
from upgrade.preflight.sql_checks.catalogue import check
from upgrade.preflight.sql_checks.model import Context
from upgrade.preflight.sql_checks.removed_builtins import removed_builtins
from upgrade.shared.versions import Version


def function(name: str, *args: str, defaults: int = 0) -> dict[str, Any]:
    return {"signature": f"{name}({','.join(args)})", "name": name, "args": list(args), "defaults": defaults}


def operator(name: str, left: str, right: str) -> dict[str, Any]:
    return {"signature": f"{name}({left},{right})", "name": name, "left": left, "right": right}


def catalog(functions: list[dict[str, Any]], operators: list[dict[str, Any]], columns: list[str]) -> dict[str, Any]:
    return {
        "functions": functions,
        "operators": operators,
        "relations": sorted({c.split(".")[0] for c in columns}),
        "columns": columns,
    }


OLD = catalog(
    [
        function("pg_is_in_backup"),
        function("array_append", "anyarray", "anyelement"),  # 14: anycompatiblearray, anycompatible
        function("pg_terminate_backend", "integer"),  # 14: a second argument with a default
        function("big5_to_utf8", "integer", "integer", "cstring", "internal", "integer"),  # not callable from SQL
        function("kept", "text"),
    ],
    [operator("@", "box", "box"), operator("||", "anyarray", "anyarray"), operator("+", "integer", "integer")],
    ["pg_database.datname", "pg_database.datlastsysoid", "pg_stat_gone.x"],
)
NEW = catalog(
    [
        function("array_append", "anycompatiblearray", "anycompatible"),
        function("pg_terminate_backend", "integer", "bigint", defaults=1),
        function("kept", "text"),
    ],
    [operator("||", "anycompatiblearray", "anycompatiblearray"), operator("+", "integer", "integer")],
    ["pg_database.datname"],
)


def test_removed_is_what_a_call_written_on_the_old_major_cannot_resolve_to() -> None:
    assert removed(OLD, NEW) == {
        "functions": ["pg_is_in_backup()"],
        "operators": ["@(box,box)"],
        "relations": ["pg_stat_gone"],
        "columns": ["pg_database.datlastsysoid"],  # the relation's own removal covers pg_stat_gone.x
    }


def test_the_check_reports_only_what_was_removed_after_the_source_and_up_to_the_target() -> None:
    rows = [
        {"objkind": "view", "nspname": "public", "relname": "v", "part": None, "kind": "function",
         "name": "pg_is_in_backup()", "removed_in": removed_in}
        for removed_in in (14, 15, 16)
    ]  # fmt: skip
    found = check("P27-removed-builtins").evidence(rows, Context(Version(14, 18), Version(15, 10), "in_place"), "db")
    assert [e.detail for e in found] == ["view uses function pg_catalog.pg_is_in_backup(), which PostgreSQL 15 removed"]


def test_the_shipped_data_names_the_removals_the_real_upgrade_failed_on() -> None:
    shipped = set(removed_builtins())
    for measured in [
        ("function", "pg_is_in_backup()", 15),
        ("column", "pg_database.datlastsysoid", 15),
        ("operator", "!(bigint,NONE)", 14),
        ("column", "pg_stat_ssl.compression", 14),
    ]:
        assert measured in shipped


def test_views_on_catalogs_are_marked_changed_by_what_the_catalogs_say_changed() -> None:
    rows = [{"view_schema": "public", "view_name": "v", "depends_on_schema": "pg_catalog", "depends_on": "pg_database"}]

    def detail(source: int, target: int) -> str:
        context = Context(Version(source, 1), Version(target, 1), "in_place")
        return check("P21-views-on-system-catalogs").evidence(rows, context, "db")[0].detail

    assert detail(14, 15) == "depends on pg_catalog.pg_database: CHANGED - 15 removed datlastsysoid"
    assert detail(15, 16) == "depends on pg_catalog.pg_database"
    assert detail(13, 17).endswith("CHANGED - 15 removed datlastsysoid; 17 removed daticulocale")
