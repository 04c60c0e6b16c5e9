"""Schema fingerprints of blue and green, database by database: a schema change on blue while green exists.

Logical replication carries rows, not DDL (PostgreSQL documentation, "Logical Replication - Restrictions": "The
database schema and DDL commands are not replicated"). Aurora's blue/green for PostgreSQL therefore breaks on a
schema change on blue: the switchover guardrail refuses it and the replication state turns "Replication degraded"
(Aurora User Guide, "Switching a blue/green deployment", switchover guardrails: "Unsupported PostgreSQL changes");
an added column with no write yet even passes a row count, and the next write stops replication of the database.

Large objects are counted too: replication does not carry them either (the same guardrail refuses a large object
added or modified on blue).

Two catalog reads per side: one digest per table (its columns with types and NOT NULL, its indexes and
constraints) plus every sequence and extension; then, only for the tables whose digest differs, their items, so
the message names the column, index or constraint. Objects that belong to an extension are left out, and an
extension counts by name only: green's extensions are updated to the target's versions before the comparison.
"""

from __future__ import annotations

from upgrade.database.sql import Executor, literal
from upgrade.shared.consistency_result import SchemaChange

_USER_RELATIONS = """
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_'
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
"""

# the items of one table, each a line "<kind> <name>: <definition>"
_TABLE_ITEMS = """
SELECT 'column ' || quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END AS item
FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'index ' || quote_ident(ic.relname) || ': ' || pg_catalog.pg_get_indexdef(i.indexrelid)
FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid
UNION ALL
SELECT 'constraint ' || quote_ident(k.conname) || ': ' || pg_catalog.pg_get_constraintdef(k.oid)
FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid
"""

FINGERPRINT = f"""
SELECT 'table' AS kind, n.nspname || '.' || c.relname AS name,
       md5(COALESCE((SELECT string_agg(item, E'\\n' ORDER BY item) FROM ({_TABLE_ITEMS}) items), '')) AS digest
FROM pg_catalog.pg_class c {_USER_RELATIONS} AND c.relkind IN ('r', 'p')
UNION ALL
SELECT 'sequence', n.nspname || '.' || c.relname, pg_catalog.format_type(s.seqtypid, NULL)
FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid {_USER_RELATIONS}
UNION ALL
SELECT 'extension', e.extname, '' FROM pg_catalog.pg_extension e
UNION ALL
SELECT 'large objects', 'count', count(*)::text FROM pg_catalog.pg_largeobject_metadata
ORDER BY 1, 2
"""


def table_items(schema: str, table: str) -> str:
    return (
        f"SELECT item FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace, "
        f"LATERAL ({_TABLE_ITEMS}) items WHERE n.nspname = {literal(schema)} AND c.relname = {literal(table)} "
        "ORDER BY 1"
    )


def fingerprint(executor: Executor) -> dict[tuple[str, str], str]:
    return {(str(r["kind"]), str(r["name"])): str(r["digest"]) for r in executor.query(FINGERPRINT)}


def schema_changes(database: str, blue: Executor, green: Executor) -> list[SchemaChange]:
    """What blue has that green does not, or has differently (and what green still has that blue dropped)."""
    on_blue, on_green = fingerprint(blue), fingerprint(green)
    changes = []
    for kind, name in sorted(on_blue.keys() | on_green.keys()):
        if (kind, name) not in on_green:
            changes.append(SchemaChange(database=database, object=f"{kind} {name}", change="created on blue"))
        elif (kind, name) not in on_blue:
            changes.append(SchemaChange(database=database, object=f"{kind} {name}", change="dropped on blue"))
        elif on_blue[kind, name] != on_green[kind, name]:
            if kind == "table":
                changes.extend(_table_changes(database, name, blue, green))
            elif kind == "large objects":
                counts = f"{on_blue[kind, name]} on blue, {on_green[kind, name]} on green (not replicated)"
                changes.append(SchemaChange(database=database, object="large objects", change=counts))
            else:
                detail = f"{on_green[kind, name]} on green, {on_blue[kind, name]} on blue"
                changes.append(SchemaChange(database=database, object=f"{kind} {name}", change=f"changed: {detail}"))
    return changes


def _table_changes(database: str, name: str, blue: Executor, green: Executor) -> list[SchemaChange]:
    schema, _, table = name.partition(".")
    statement = table_items(schema, table)
    on_blue = {str(r["item"]) for r in blue.query(statement)}
    on_green = {str(r["item"]) for r in green.query(statement)}
    changed = [f"{item} (on blue only)" for item in sorted(on_blue - on_green)]
    changed += [f"{item} (on green only)" for item in sorted(on_green - on_blue)]
    return [SchemaChange(database=database, object=f"table {name}", change=item) for item in changed]
