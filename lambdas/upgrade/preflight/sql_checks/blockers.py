"""Checks that make Aurora's own prechecks (pg_upgrade and RDS) cancel the upgrade: P1-P19.

SQL and version thresholds follow reference §1.2/§1.3 (pg_upgrade's check.c runs a check when
old_major <= threshold). Every name is catalog-qualified so a user's search_path cannot change a result.
Both strategies run pg_upgrade (blue/green upgrades the green clone), so these apply to both.
"""

from __future__ import annotations

from upgrade.preflight.sql_checks.model import (
    ALL_VERSIONS,
    BLUE_GREEN,
    Context,
    Gate,
    Severity,
    SqlCheck,
    all_of,
    source_at_most,
    target_at_least,
)

_USER_SCHEMAS = (
    "n.nspname !~ '^pg_temp_' AND n.nspname !~ '^pg_toast_temp_' "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
)


def columns_of_types(seed: str) -> str:
    """pg_upgrade's recursive query: columns whose type is a seed type, or a domain/array/composite/range of one.

    ``seed`` selects one column named ``oid`` of type oid (cast regtype literals with ``::pg_catalog.oid``).
    """
    return f"""WITH RECURSIVE oids AS (
    {seed}
  UNION ALL
    SELECT * FROM (
      WITH x AS (SELECT oid FROM oids)
        SELECT t.oid FROM pg_catalog.pg_type t, x WHERE t.typbasetype = x.oid AND t.typtype = 'd'
      UNION ALL
        SELECT t.oid FROM pg_catalog.pg_type t, x WHERE t.typelem = x.oid AND t.typtype = 'b'
      UNION ALL
        SELECT t.oid FROM pg_catalog.pg_type t, pg_catalog.pg_class c, pg_catalog.pg_attribute a, x
        WHERE t.typtype = 'c' AND t.oid = c.reltype AND c.oid = a.attrelid
          AND NOT a.attisdropped AND a.atttypid = x.oid
      UNION ALL
        SELECT t.oid FROM pg_catalog.pg_type t, pg_catalog.pg_range r, x
        WHERE t.typtype = 'r' AND r.rngtypid = t.oid AND r.rngsubtype = x.oid
    ) foo
)
SELECT n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS column_type
FROM pg_catalog.pg_class c, pg_catalog.pg_namespace n, pg_catalog.pg_attribute a
WHERE c.oid = a.attrelid AND NOT a.attisdropped
  AND a.atttypid IN (SELECT oid FROM oids)
  AND c.relkind IN ('r', 'm', 'i')
  AND c.relnamespace = n.oid
  AND {_USER_SCHEMAS}
ORDER BY 1, 2, 3"""


def _regtypes(*names: str) -> str:
    return "\n    UNION ALL ".join(f"SELECT '{name}'::pg_catalog.regtype::pg_catalog.oid AS oid" for name in names)


def _type_check(check_id: str, title: str, seed: str, remediation: str, versions: Gate = ALL_VERSIONS) -> SqlCheck:
    return SqlCheck(
        id=check_id,
        title=title,
        scope="database",
        sql=columns_of_types(seed),
        severity="fail",
        remediation=remediation,
        schema_column="nspname",
        object_column="relname",
        detail="column {attname} has type {column_type}",
        versions=versions,
    )


def _slot_severity(context: Context) -> Severity:
    # pg_upgrade carries logical slots over only from a source >= 17 (and only fully consumed ones); blue
    # must not be a publisher at all
    return "fail" if context.source.major <= 16 or context.strategy == BLUE_GREEN else "warn"


BLOCKERS: tuple[SqlCheck, ...] = (
    SqlCheck(
        id="P1-prepared-transactions",
        title="No open prepared transactions",
        scope="cluster",
        sql="SELECT gid, prepared::text AS prepared, owner, database FROM pg_catalog.pg_prepared_xacts ORDER BY 1",
        severity="fail",
        remediation="Connect to the row's database and COMMIT PREPARED '<gid>' or ROLLBACK PREPARED '<gid>'.",
        object_column="gid",
        database_column="database",
        detail="prepared transaction owned by {owner} since {prepared}",
    ),
    SqlCheck(
        id="P2-logical-replication-slots",
        title="No logical replication slots",
        scope="cluster",
        sql="SELECT slot_name, plugin, database, active, confirmed_flush_lsn::text AS confirmed_flush_lsn "
        "FROM pg_catalog.pg_replication_slots WHERE slot_type = 'logical' ORDER BY 1",
        severity="fail",
        severity_for=_slot_severity,
        remediation="Once the consumer is confirmed unused (DMS tasks, pglogical subscribers), "
        "SELECT pg_drop_replication_slot('<slot_name>'); recreate it after the upgrade (pg_upgrade does not "
        "carry a slot over from a source below 17).",
        # pg_upgrade itself accepts the slot and drops it (measured: tests/sql/test_against_pg_upgrade.py)
        beyond_pg_upgrade="Aurora's upgrade precheck stops the upgrade while any logical replication slot exists "
        'on a source below 17 (Aurora User Guide, "Managing logical replication slots for Aurora PostgreSQL"); '
        'blue must not be a publisher ("Limitations and considerations for Amazon Aurora blue/green '
        'deployments")',
        object_column="slot_name",
        database_column="database",
        detail="logical slot (plugin {plugin}, active {active}, confirmed flush {confirmed_flush_lsn})",
    ),
    SqlCheck(
        id="P3-subscriptions",
        title="Cluster is not a logical replication subscriber",
        scope="cluster",
        sql="SELECT s.subname, d.datname, s.subenabled, s.subslotname FROM pg_catalog.pg_subscription s "
        "JOIN pg_catalog.pg_database d ON d.oid = s.subdbid ORDER BY 1",
        severity="fail",
        remediation="ALTER SUBSCRIPTION <name> DISABLE; ALTER SUBSCRIPTION <name> SET (slot_name = NONE); "
        "DROP SUBSCRIPTION <name>; recreate it after the upgrade (pg_upgrade would bring it back disabled).",
        # pg_upgrade itself carries the subscription over, disabled (measured: tests/sql/test_against_pg_upgrade.py)
        beyond_pg_upgrade="Aurora: a logical replication subscriber cannot undergo a major version upgrade "
        '(Aurora User Guide, "Upgrading the PostgreSQL DB engine for Aurora PostgreSQL"), and blue must not '
        'be a subscriber ("Limitations and considerations for Amazon Aurora blue/green deployments")',
        object_column="subname",
        database_column="datname",
        detail="subscription (enabled {subenabled}, slot {subslotname})",
    ),
    _type_check(
        "P4-reg-types",
        "No reg* data types in user tables",
        "SELECT t.oid FROM pg_catalog.pg_type t\n    WHERE t.typnamespace = "
        "(SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'pg_catalog')\n"
        "      AND t.typname IN ('regcollation', 'regconfig', 'regdictionary', 'regnamespace',\n"
        "                        'regoper', 'regoperator', 'regproc', 'regprocedure')",
        "pg_upgrade cannot keep reg* values (they store OIDs): change the column to text (e.g. regproc::text) "
        "or drop it, and convert back after the upgrade. regclass, regtype and regrole are fine.",
    ),
    _type_check(
        "P5-system-composite-types",
        "No system-defined composite types in user tables",
        "SELECT t.oid FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid\n"
        "    WHERE t.typtype = 'c' AND (t.oid < 16384 OR n.nspname = 'information_schema')",
        "The row types of system catalogs change between majors: store the needed fields in ordinary columns "
        "instead and drop the column before the upgrade.",
    ),
    _type_check(
        "P6-aclitem-columns",
        "No aclitem columns in user tables",
        _regtypes("pg_catalog.aclitem"),
        "aclitem's storage format changed in 16: convert the column to text (aclitem::text) before the upgrade.",
        versions=all_of(source_at_most(15), target_at_least(16)),
    ),
    _type_check(
        "P7-sql-identifier-columns",
        "No information_schema.sql_identifier columns in user tables",
        _regtypes("information_schema.sql_identifier"),
        "sql_identifier's storage changed in 12: ALTER the column to type name or text before the upgrade.",
        versions=source_at_most(11),
    ),
    _type_check(
        "P8-removed-datetime-types",
        "No abstime/reltime/tinterval columns",
        _regtypes("pg_catalog.abstime", "pg_catalog.reltime", "pg_catalog.tinterval"),
        "These types were removed in 12: convert the columns to timestamptz/interval before the upgrade.",
        versions=source_at_most(11),
    ),
    SqlCheck(
        id="P9-tables-with-oids",
        title="No tables WITH OIDS",
        scope="database",
        sql="SELECT n.nspname, c.relname FROM pg_catalog.pg_class c, pg_catalog.pg_namespace n "
        "WHERE c.relnamespace = n.oid AND c.relhasoids AND n.nspname NOT IN ('pg_catalog') ORDER BY 1, 2",
        severity="fail",
        remediation="ALTER TABLE <table> SET WITHOUT OIDS; (WITH OIDS was removed in 12).",
        versions=source_at_most(11),
        schema_column="nspname",
        object_column="relname",
        detail="table has OIDs",
    ),
    _type_check(
        "P10-unknown-columns",
        "No columns of type unknown",
        _regtypes("pg_catalog.unknown"),
        "ALTER the column to text before the upgrade.",
        versions=source_at_most(9),
    ),
    SqlCheck(
        id="P12-encoding-conversions",
        title="No user-defined encoding conversions",
        scope="database",
        sql="SELECT c.oid AS conoid, c.conname, n.nspname FROM pg_catalog.pg_conversion c, pg_catalog.pg_namespace n "
        "WHERE c.connamespace = n.oid AND c.oid >= 16384 ORDER BY 3, 2",
        severity="fail",
        remediation="The conversion function signature changed in 14: DROP CONVERSION before the upgrade and "
        "recreate it against the new signature after.",
        versions=source_at_most(13),
        schema_column="nspname",
        object_column="conname",
        detail="user-defined encoding conversion",
    ),
    SqlCheck(
        id="P13-postfix-operators",
        title="No user-defined postfix operators",
        scope="database",
        sql="SELECT o.oid AS oproid, n.nspname AS oprnsp, o.oprname, tn.nspname AS typnsp, t.typname "
        "FROM pg_catalog.pg_operator o, pg_catalog.pg_namespace n, pg_catalog.pg_type t, pg_catalog.pg_namespace tn "
        "WHERE o.oprnamespace = n.oid AND o.oprleft = t.oid AND t.typnamespace = tn.oid "
        "AND o.oprright = 0 AND o.oid >= 16384 ORDER BY 2, 3",
        severity="fail",
        remediation="Postfix operators were removed in 14: DROP OPERATOR and rewrite callers to a function call.",
        versions=source_at_most(13),
        schema_column="oprnsp",
        object_column="oprname",
        detail="postfix operator on {typnsp}.{typname}",
    ),
    SqlCheck(
        id="P14-polymorphic-array-functions",
        title="No objects built on the old anyarray polymorphic functions",
        scope="database",
        # the ::regprocedure casts only resolve on <= 13, which is why the gate must hold before running it
        sql="""WITH fns(f) AS (SELECT ARRAY[
  'array_append(anyarray,anyelement)', 'array_cat(anyarray,anyarray)', 'array_prepend(anyelement,anyarray)',
  'array_remove(anyarray,anyelement)', 'array_replace(anyarray,anyelement,anyelement)',
  'array_position(anyarray,anyelement)', 'array_position(anyarray,anyelement,integer)',
  'array_positions(anyarray,anyelement)', 'width_bucket(anyelement,anyarray)']::pg_catalog.regprocedure[])
SELECT 'aggregate' AS objkind, p.oid::pg_catalog.regprocedure::text AS objname
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid, fns
WHERE p.oid >= 16384 AND a.aggtransfn = ANY(fns.f)
  AND a.aggtranstype = ANY(ARRAY['anyarray', 'anyelement']::pg_catalog.regtype[])
UNION ALL
SELECT 'aggregate', p.oid::pg_catalog.regprocedure::text
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid, fns
WHERE p.oid >= 16384 AND a.aggfinalfn = ANY(fns.f)
  AND a.aggtranstype = ANY(ARRAY['anyarray', 'anyelement']::pg_catalog.regtype[])
UNION ALL
SELECT 'operator', op.oid::pg_catalog.regoperator::text
FROM pg_catalog.pg_operator op, fns
WHERE op.oid >= 16384 AND op.oprcode = ANY(fns.f)
  AND op.oprleft = ANY(ARRAY['anyarray', 'anyelement']::pg_catalog.regtype[])""",
        severity="fail",
        remediation="Drop these objects before the upgrade and recreate them afterwards with "
        "anycompatiblearray/anycompatible signatures.",
        versions=source_at_most(13),
        object_column="objname",
        detail="{objkind} uses a polymorphic array function whose signature changed in 14",
    ),
    SqlCheck(
        id="P15-database-connections",
        title="Every database except template0 allows connections; template0 does not",
        scope="cluster",
        # rdsadmin is Aurora's own database; Aurora handles it during the upgrade
        sql="SELECT datname, 'does not allow connections (datallowconn = false)' AS problem "
        "FROM pg_catalog.pg_database WHERE NOT datallowconn AND datname NOT IN ('template0', 'rdsadmin') "
        "UNION ALL SELECT datname, 'template0 must not allow connections' "
        "FROM pg_catalog.pg_database WHERE datname = 'template0' AND datallowconn ORDER BY 1",
        severity="fail",
        remediation="ALTER DATABASE <name> ALLOW_CONNECTIONS true; (or drop it); for template0: "
        "ALTER DATABASE template0 ALLOW_CONNECTIONS false;",
        object_column="datname",
        database_column="datname",
        detail="{problem}",
    ),
    SqlCheck(
        id="P16-template-databases",
        title="template0 and template1 exist and are templates",
        scope="cluster",
        sql="SELECT w.datname, CASE WHEN d.oid IS NULL THEN 'missing' ELSE 'datistemplate is false' END AS problem "
        "FROM (VALUES ('template0'::pg_catalog.name), ('template1'::pg_catalog.name)) AS w(datname) "
        "LEFT JOIN pg_catalog.pg_database d ON d.datname = w.datname "
        "WHERE d.oid IS NULL OR NOT d.datistemplate ORDER BY 1",
        severity="fail",
        remediation="Recreate a missing template1 from template0 (CREATE DATABASE template1 TEMPLATE template0) "
        "and mark it: ALTER DATABASE template1 IS_TEMPLATE true;",
        object_column="datname",
        database_column="datname",
        detail="{problem}",
    ),
    SqlCheck(
        id="P17-invalid-databases",
        title="No invalid databases (interrupted DROP DATABASE)",
        scope="cluster",
        sql="SELECT datname FROM pg_catalog.pg_database WHERE datconnlimit = -2 ORDER BY 1",
        severity="fail",
        remediation="DROP DATABASE <name>; (an invalid database cannot be connected to or repaired).",
        object_column="datname",
        database_column="datname",
        detail="invalid database (datconnlimit = -2)",
    ),
    SqlCheck(
        id="P18-pg-prefixed-roles",
        title="No user-created roles named pg_*",
        scope="cluster",
        sql="SELECT rolname FROM pg_catalog.pg_roles WHERE rolname LIKE 'pg\\_%' AND oid >= 16384 ORDER BY 1",
        severity="fail",
        remediation="ALTER ROLE <name> RENAME TO <name without the pg_ prefix>; (pg_ is reserved for system roles).",
        object_column="rolname",
        detail="user role with the reserved pg_ prefix",
    ),
    SqlCheck(
        id="P19-not-null-inheritance",
        title="Inheritance children keep their parents' NOT NULL columns",
        scope="database",
        sql="SELECT nc.nspname, cc.relname, ac.attname, pc.relname AS parent "
        "FROM pg_catalog.pg_inherits i, pg_catalog.pg_attribute ac, pg_catalog.pg_attribute ap, "
        "pg_catalog.pg_class cc, pg_catalog.pg_class pc, pg_catalog.pg_namespace nc "
        "WHERE cc.oid = ac.attrelid AND i.inhrelid = ac.attrelid AND i.inhparent = ap.attrelid "
        "AND pc.oid = i.inhparent AND ac.attname = ap.attname AND cc.relnamespace = nc.oid "
        "AND ap.attnum > 0 AND ap.attnotnull AND NOT ac.attnotnull ORDER BY 1, 2, 3",
        severity="fail",
        remediation="ALTER TABLE <child> ALTER COLUMN <column> SET NOT NULL; (the schema restore cannot create a "
        "child without its parent's NOT NULL, so pg_upgrade refuses the cluster).",
        # pg_upgrade's check_for_not_null_inheritance (2025, back-patched to every supported branch) runs for
        # sources up to 17; 18 cannot produce the inconsistency. Measured on 13.20/14.18 -> 15.18.
        versions=source_at_most(17),
        schema_column="nspname",
        object_column="relname",
        detail="column {attname} is NOT NULL in parent {parent} but nullable here",
    ),
)
