"""Risks that do not (always) stop pg_upgrade but a person must see before an upgrade: P21-P26.

Each is a warning: the upgrade can succeed while leaving broken views, a slow or memory-starved
pg_upgrade, a stuck switchover, or indexes built under a different collation.
"""

from __future__ import annotations

from upgrade.preflight.sql_checks.model import Context, Row, SqlCheck, source_at_least, text
from upgrade.preflight.sql_checks.removed_builtins import removed_builtins
from upgrade.shared.preflight_report import Evidence

LONG_TRANSACTION_MINUTES = 5
XID_AGE_WARNING = 150_000_000  # AWS precheck tool: warn above 150 M, critical above 200 M


def _changed_relations() -> dict[str, list[tuple[int, str]]]:
    """relation -> [(major, what it changed)]: pg_catalog columns and relations each major removed, as the
    real catalogs say (removed_builtins.json), plus the one extension view views are commonly built on."""
    removed: dict[tuple[str, int], list[str]] = {}
    for kind, name, major in removed_builtins():
        if kind in ("column", "relation"):
            relation, _, column = name.partition(".")
            removed.setdefault((relation, major), []).append(column or "the relation itself")
    changed: dict[str, list[tuple[int, str]]] = {}
    for (relation, major), columns in sorted(removed.items()):
        changed.setdefault(relation, []).append((major, f"{major} removed {', '.join(sorted(columns))}"))
    # an extension's view, not in pg_catalog: its 1.11 script (shipped with 17) renamed these columns
    changed.setdefault("pg_stat_statements", []).append(
        (17, "blk_read_time/blk_write_time renamed to shared_blk_* after the 17 extension update")
    )
    return changed


CHANGED_RELATIONS = _changed_relations()

_NOT_AN_EXTENSION_MEMBER = """NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
      WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND e.objid = {view}.oid AND e.deptype = 'e')"""

# Two halves, because PostgreSQL records no dependencies on pinned objects (the catalog tables themselves,
# pg_class or pg_database): pg_depend finds views on the system views (pg_stat_*), and the view text
# finds the columns removed from pinned catalogs. An extension's own views (PostGIS) are left out: the
# extension recreates them with its new version.
VIEWS_ON_CATALOGS_SQL = f"""SELECT DISTINCT dn.nspname AS view_schema, dv.relname AS view_name,
       sn.nspname AS depends_on_schema, st.relname AS depends_on
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_rewrite r ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid
JOIN pg_catalog.pg_class dv ON r.ev_class = dv.oid
JOIN pg_catalog.pg_class st ON d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = st.oid
JOIN pg_catalog.pg_namespace dn ON dn.oid = dv.relnamespace
JOIN pg_catalog.pg_namespace sn ON sn.oid = st.relnamespace
WHERE (sn.nspname = 'pg_catalog' OR st.relname = 'pg_stat_statements')
  AND dv.oid <> st.oid
  AND dn.nspname NOT IN ('pg_catalog', 'information_schema')
  AND {_NOT_AN_EXTENSION_MEMBER.format(view="dv")}
UNION
SELECT n.nspname, v.relname, 'pg_catalog', removed.relation
FROM pg_catalog.pg_class v
JOIN pg_catalog.pg_namespace n ON n.oid = v.relnamespace,
(VALUES ('pg_database', 'daticulocale'), ('pg_collation', 'colliculocale')) AS removed(relation, column_name)
WHERE v.relkind IN ('v', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND pg_catalog.strpos(pg_catalog.pg_get_viewdef(v.oid), removed.column_name) > 0
  AND {_NOT_AN_EXTENSION_MEMBER.format(view="v")}
ORDER BY 1, 2, 4"""


def long_transactions_sql(minutes: int) -> str:
    # no query text: it may carry personal data and the report goes out by e-mail
    return f"""SELECT pid, datname, usename, application_name, state,
       pg_catalog.date_trunc('second', pg_catalog.now() - xact_start)::text AS xact_age
FROM pg_catalog.pg_stat_activity
WHERE backend_type = 'client backend' AND xact_start IS NOT NULL
  AND pid <> pg_catalog.pg_backend_pid()
  AND pg_catalog.now() - xact_start > interval '{int(minutes)} minutes'
ORDER BY xact_start"""


def xid_age_sql(threshold: int) -> str:
    return (
        "SELECT datname, pg_catalog.age(datfrozenxid) AS xid_age FROM pg_catalog.pg_database "
        f"WHERE pg_catalog.age(datfrozenxid) > {int(threshold)} ORDER BY 2 DESC"
    )


def _views_on_catalogs(rows: list[Row], context: Context, database: str | None) -> list[Evidence]:
    found = []
    for row in rows:
        relation = str(row["depends_on"])
        detail = f"depends on {text(row['depends_on_schema'])}.{relation}"
        changes = [
            what
            for major, what in CHANGED_RELATIONS.get(relation, [])
            if context.source.major < major <= context.target.major
        ]
        if changes:
            detail += f": CHANGED - {'; '.join(changes)}"
        found.append(
            Evidence(
                database=database,
                schema_name=text(row["view_schema"]),
                object_name=text(row["view_name"]),
                detail=detail,
            )
        )
    return found


RISKS: tuple[SqlCheck, ...] = (
    SqlCheck(
        id="P21-views-on-system-catalogs",
        title="User views on system catalog views that change between majors",
        scope="database",
        sql=VIEWS_ON_CATALOGS_SQL,
        severity="warn",
        remediation="Review each view; those marked CHANGED break the schema restore or their readers: drop them "
        "before the upgrade and recreate them against the new columns after.",
        evaluate=_views_on_catalogs,
    ),
    SqlCheck(
        id="P22-large-objects",
        title="Large objects (pg_upgrade memory and time)",
        scope="database",
        sql="SELECT count(*) AS large_objects FROM pg_catalog.pg_largeobject_metadata HAVING count(*) > 0",
        severity="warn",
        remediation="pg_upgrade handles every large object's metadata: millions can exhaust memory (AWS: 25-30 M "
        "need >= 32 GB). Remove orphans with vacuumlo and size the writer up before the upgrade.",
        detail="{large_objects} large objects",
    ),
    SqlCheck(
        id="P23-long-transactions",
        title=f"No transactions open for more than {LONG_TRANSACTION_MINUTES} minutes",
        scope="cluster",
        sql=long_transactions_sql(LONG_TRANSACTION_MINUTES),
        severity="warn",
        remediation="Long or idle-in-transaction sessions delay the upgrade's shutdown and fail a blue/green "
        "switchover guardrail: end them (pg_terminate_backend(pid)) or schedule around them.",
        object_column="application_name",
        database_column="datname",
        detail="pid {pid} ({usename}, {state}) in a transaction for {xact_age}",
    ),
    SqlCheck(
        id="P24-transaction-id-age",
        title=f"Transaction ID age below {XID_AGE_WARNING:,}",
        scope="cluster",
        sql=xid_age_sql(XID_AGE_WARNING),
        severity="warn",
        remediation="VACUUM (FREEZE) the oldest tables of the database before the upgrade "
        "(AWS recommends it before creating a blue/green deployment too).",
        database_column="datname",
        detail="age(datfrozenxid) = {xid_age}",
    ),
    SqlCheck(
        id="P25-collation-versions",
        title="Collations match the library version they were recorded with",
        scope="database",
        sql="SELECT n.nspname, c.collname, c.collversion AS recorded, "
        "pg_catalog.pg_collation_actual_version(c.oid) AS actual "
        "FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace "
        "WHERE c.collversion IS NOT NULL "
        "AND c.collversion IS DISTINCT FROM pg_catalog.pg_collation_actual_version(c.oid) ORDER BY 1, 2",
        severity="warn",
        remediation="Indexes on text using these collations may be corrupt: REINDEX them, then "
        "ALTER COLLATION <name> REFRESH VERSION;",
        schema_column="nspname",
        object_column="collname",
        detail="recorded version {recorded}, library has {actual}",
    ),
    SqlCheck(
        id="P25-database-collation-version",
        title="The database's default collation matches its recorded version",
        scope="database",
        sql="SELECT d.datname, d.datcollversion AS recorded, "
        "pg_catalog.pg_database_collation_actual_version(d.oid) AS actual "
        "FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database() "
        "AND d.datcollversion IS NOT NULL "
        "AND d.datcollversion IS DISTINCT FROM pg_catalog.pg_database_collation_actual_version(d.oid)",
        severity="warn",
        remediation="REINDEX the database's text indexes, then ALTER DATABASE <name> REFRESH COLLATION VERSION;",
        versions=source_at_least(15),  # datcollversion exists from 15 on
        object_column="datname",
        detail="recorded version {recorded}, library has {actual}",
    ),
    SqlCheck(
        id="P26-invalid-indexes",
        title="No invalid indexes",
        scope="database",
        sql="SELECT n.nspname, c.relname AS table_name, i.relname AS index_name "
        "FROM pg_catalog.pg_index x "
        "JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid "
        "JOIN pg_catalog.pg_class c ON c.oid = x.indrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE NOT x.indisvalid ORDER BY 1, 2, 3",
        severity="warn",
        # measured on a real pg_upgrade (tests/sql/test_against_pg_upgrade.py): the index is missing afterwards
        remediation="An invalid index (failed CREATE INDEX CONCURRENTLY) is not carried over by pg_upgrade: it is "
        "missing after the upgrade. REINDEX INDEX CONCURRENTLY to rebuild it before, or DROP INDEX CONCURRENTLY it.",
        schema_column="nspname",
        object_column="index_name",
        detail="invalid index on table {table_name}",
    ),
)
