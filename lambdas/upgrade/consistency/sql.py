"""The catalog queries and counts of the blue/green consistency check (read-only, plain SELECTs)."""

from __future__ import annotations

from upgrade.database.sql import ident, literal

SESSION_NAME = "SET application_name = 'aurora-upgrade-consistency'"

# Ordinary and partitioned tables (a partitioned one sized by its partitions), permanent ones only: unlogged
# tables are not replicated to green, temporary ones belong to other sessions.
_LARGEST_TABLES = """
WITH RECURSIVE tree AS (
    SELECT c.oid AS root, c.oid AS relid
    FROM pg_catalog.pg_class c
    WHERE c.relkind = 'p' AND NOT c.relispartition
    UNION ALL
    SELECT tree.root, i.inhrelid FROM tree JOIN pg_catalog.pg_inherits i ON i.inhparent = tree.relid
), partitioned AS (
    SELECT root, sum(pg_catalog.pg_total_relation_size(relid)) AS bytes FROM tree GROUP BY root
)
SELECT n.nspname AS schema_name, c.relname AS table_name, c.relkind::text AS kind,
       COALESCE(p.bytes, pg_catalog.pg_total_relation_size(c.oid))::bigint AS bytes
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN partitioned p ON p.root = c.oid
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence = 'p'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_'
ORDER BY bytes DESC, 1, 2
LIMIT {limit}
"""

SEQUENCES = """
SELECT schemaname AS schema_name, sequencename AS sequence_name, last_value
FROM pg_catalog.pg_sequences
ORDER BY 1, 2
"""


def largest_tables(limit: int) -> str:
    return _LARGEST_TABLES.format(limit=int(limit))


def present_tables(tables: list[tuple[str, str]]) -> str:
    """Which of ``tables`` (schema, name) exist as tables on the other side."""
    wanted = ", ".join(f"({literal(schema)}, {literal(name)})" for schema, name in tables)
    return (
        "SELECT n.nspname AS schema_name, c.relname AS table_name "
        "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE c.relkind IN ('r', 'p') AND (n.nspname, c.relname) IN (VALUES {wanted})"
    )


def count_rows(schema: str, table: str, kind: str) -> str:
    """ONLY for an ordinary table (inheritance children are tables of their own); a partitioned one counts all."""
    only = "" if kind == "p" else "ONLY "
    return f"SELECT count(*) AS row_count FROM {only}{ident(schema)}.{ident(table)}"
