"""P27: user objects whose stored expressions use a built-in the target major no longer has.

pg_upgrade dumps every view, column default, constraint, index expression, trigger condition and row
security policy as SQL text and restores it on the target; a function, operator, catalog relation or
catalog column the target removed makes that restore fail, after ``pg_upgrade --check`` passed and the
cluster was taken down (measured on 13.20/14.18 -> 15.18: tests/sql/test_against_pg_upgrade.py).

What each major removed is not listed here: scripts/derive_removed_builtins.py computes it from the real
catalogs of every major into removed_builtins.json, shipped next to this module. Built-ins are pinned,
so pg_depend records no dependency on them: the stored parse trees (pg_node_tree) are read instead,
whose ``:funcid``, ``:opno`` and ``:relid`` fields name them by OID.
"""

from __future__ import annotations

import json
from pathlib import Path

from upgrade.preflight.sql_checks.model import Context, Row, SqlCheck, text
from upgrade.shared.preflight_report import Evidence

DATA_FILE = Path(__file__).with_name("removed_builtins.json")

_KIND_OF_LIST = {"functions": "function", "operators": "operator", "relations": "relation", "columns": "column"}


def removed_builtins() -> list[tuple[str, str, int]]:
    """(kind, pg_catalog name, the major that removed it) from the shipped data file."""
    data = json.loads(DATA_FILE.read_text())
    return [
        (_KIND_OF_LIST[kind], name, int(major))
        for major, lists in sorted(data["removed_in"].items(), key=lambda item: int(item[0]))
        for kind, names in sorted(lists.items())
        for name in names
    ]


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _values() -> str:
    return ",\n  ".join(f"({_literal(kind)}, {_literal(name)}, {major})" for kind, name, major in removed_builtins())


_USER_SCHEMA = "{n}.nspname NOT IN ('pg_catalog', 'information_schema') AND {n}.nspname !~ '^pg_(toast_)?temp_'"
# an extension's own objects are recreated by the extension's script on the target, not restored as text
_NOT_EXTENSION_MEMBER = """NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid =
  'pg_catalog.pg_class'::pg_catalog.regclass AND e.objid = {rel} AND e.deptype = 'e')"""


def _stored(kind: str, name: str, tree: str, source: str, where: str = "TRUE") -> str:
    """One kind of stored expression: (object kind, schema, object, relation oid, detail name, parse tree)."""
    return f"""SELECT {_literal(kind)} AS objkind, n.nspname::text AS nspname, c.relname::text AS relname,
    c.oid AS relid, {name} AS part, ({tree})::text AS tree
  FROM {source}
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE {_USER_SCHEMA.format(n="n")} AND {_NOT_EXTENSION_MEMBER.format(rel="c.oid")} AND {where}"""


STORED = "\n  UNION ALL\n  ".join(
    (
        _stored(
            "view",
            "CASE WHEN r.rulename = '_RETURN' THEN NULL ELSE r.rulename::text END",
            "r.ev_action",
            "pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class",
        ),
        _stored(
            "column default",
            "a.attname::text",
            "d.adbin",
            "pg_catalog.pg_attrdef d JOIN pg_catalog.pg_class c ON c.oid = d.adrelid "
            "JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum",
        ),
        _stored(
            "constraint",
            "k.conname::text",
            "k.conbin",
            "pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid",
            "k.conbin IS NOT NULL",
        ),
        _stored(
            "index",
            "NULL",
            "pg_catalog.concat(x.indexprs, ' ', x.indpred)",
            "pg_catalog.pg_index x JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid",
            "(x.indexprs IS NOT NULL OR x.indpred IS NOT NULL)",
        ),
        _stored(
            "trigger",
            "t.tgname::text",
            "t.tgqual",
            "pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid",
            "t.tgqual IS NOT NULL",
        ),
        _stored(
            "policy",
            "p.polname::text",
            "pg_catalog.concat(p.polqual, ' ', p.polwithcheck)",
            "pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid",
        ),
    )
)

# Fields of a stored parse tree that name a built-in: a function call (also an aggregate or a window
# function), an operator, a relation in a range table. (An operator's own :opfuncid is not followed:
# the dump names the operator, not its function.)
REMOVED_BUILTINS_SQL = f"""WITH removed(kind, name, removed_in) AS (VALUES
  {_values()}
), resolved AS (
  SELECT kind, name, removed_in,
    CASE kind
      WHEN 'function' THEN pg_catalog.to_regprocedure('pg_catalog.' || name)::pg_catalog.oid
      WHEN 'operator' THEN pg_catalog.to_regoperator('pg_catalog.' || name)::pg_catalog.oid
      ELSE pg_catalog.to_regclass('pg_catalog.' || pg_catalog.split_part(name, '.', 1))::pg_catalog.oid
    END AS oid,
    CASE kind WHEN 'function' THEN 'funcid|aggfnoid|winfnoid' WHEN 'operator' THEN 'opno' ELSE 'relid' END AS fields
  FROM removed
), stored AS (
  {STORED}
), refs AS (
  SELECT DISTINCT s.objkind, s.nspname, s.relname, s.relid, s.part, m[1] AS field, m[2]::pg_catalog.oid AS oid
  FROM stored s, pg_catalog.regexp_matches(s.tree, ':(funcid|aggfnoid|winfnoid|opno|relid) ([0-9]+)', 'g') m
)
SELECT DISTINCT r.objkind, r.nspname, r.relname, r.part, v.kind, v.name, v.removed_in
FROM refs r JOIN resolved v ON v.oid = r.oid AND r.field ~ ('^(' || v.fields || ')$')
WHERE v.kind <> 'column'
   -- a view names every column of a relation in its range table: the column must be in its definition
   OR (r.objkind = 'view' AND pg_catalog.pg_get_viewdef(r.relid)
       ~ ('\\m' || pg_catalog.split_part(v.name, '.', 2) || '\\M'))
ORDER BY 2, 3, 1, 6"""


def _removed_on_the_way(rows: list[Row], context: Context, database: str | None) -> list[Evidence]:
    """Only what a major after the source and up to the target removed."""
    return [
        Evidence(
            database=database,
            schema_name=text(row["nspname"]),
            object_name=text(row["relname"]),
            detail=(
                f"{row['objkind']}{'' if row['part'] is None else ' ' + text(row['part'])} uses "
                f"{row['kind']} pg_catalog.{row['name']}, which PostgreSQL {row['removed_in']} removed"
            ),
        )
        for row in rows
        if context.source.major < int(row["removed_in"]) <= context.target.major
    ]


REMOVED_BUILTINS_CHECKS: tuple[SqlCheck, ...] = (
    SqlCheck(
        id="P27-removed-builtins",
        title="No views, defaults, constraints or indexes built on built-ins the target removed",
        scope="database",
        sql=REMOVED_BUILTINS_SQL,
        severity="fail",
        remediation="pg_upgrade restores each of these from its SQL text, and the target has no such built-in: "
        "the schema restore fails and the upgrade stops after the downtime began. Rewrite the object with the "
        "target's replacement (e.g. pg_backup_start for pg_start_backup, <@ for @, factorial() for !) or drop it "
        "before the upgrade and recreate it after.",
        evaluate=_removed_on_the_way,
    ),
)
