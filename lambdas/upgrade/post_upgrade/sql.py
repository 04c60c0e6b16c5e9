"""The SQL of the post-upgrade step, and the commands a person runs to finish what the budget left.

ANALYZE in stages is what ``vacuumdb --analyze-in-stages`` sends (minimal statistics first, then better ones);
extension updates are what pg_upgrade's ``update_extensions.sql`` would hold, in dependency order.
"""

from __future__ import annotations

import shlex

from upgrade.database.sql import ident, literal
from upgrade.shared.models import PostUpgradeOptions
from upgrade.shared.post_upgrade_result import LeftoverWork

LARGE_DATABASE_BYTES = 1024**3  # above this a database gets vacuumdb's three stages, below it one ANALYZE

# vacuumdb --analyze-in-stages, per stage: the session settings, then a plain ANALYZE
ANALYZE_STAGES: tuple[tuple[str, ...], ...] = (
    ("SET default_statistics_target = 1", "SET vacuum_cost_delay = 0"),
    ("SET default_statistics_target = 10", "RESET vacuum_cost_delay"),
    ("RESET default_statistics_target",),
)
ANALYZE = "ANALYZE"
ANALYZE_LOCK_TIMEOUT = "SET lock_timeout = '60s'"  # waits behind DDL, but never forever
DATABASE_SIZE = "SELECT pg_catalog.pg_database_size(pg_catalog.current_database()) AS bytes"

# green is read-only by default (blue/green keeps it so); ALTER EXTENSION needs a read-write session
READ_WRITE_SESSION = (
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
    "SET application_name = 'aurora-upgrade-post-upgrade'",
)

INSTALLED_EXTENSIONS = """
SELECT e.extname AS name, e.extversion AS installed_version, a.default_version, n.nspname AS schema_name
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
LEFT JOIN pg_catalog.pg_available_extensions a ON a.name = e.extname
ORDER BY e.extname
"""

# CREATE EXTENSION records "requires" as a normal ('n') dependency between two pg_extension rows
EXTENSION_REQUIRES = """
SELECT dependent.extname AS dependent, required.extname AS required
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_extension dependent ON dependent.oid = d.objid
JOIN pg_catalog.pg_extension required ON required.oid = d.refobjid
WHERE d.classid = 'pg_catalog.pg_extension'::pg_catalog.regclass
  AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
ORDER BY 1, 2
"""

# postgis_extensions_upgrade() updates these together (PostGIS >= 2.5); anything else of the family is ALTERed
POSTGIS_FAMILY = frozenset(
    {"postgis", "postgis_raster", "postgis_topology", "postgis_tiger_geocoder", "postgis_sfcgal"}
)
POSTGIS_CALLS = 2  # PostGIS 2 -> 3 needs a second call: raster moves into postgis_raster

# documented follow-ups once an extension is at its new version (aurora-upgrade-facts.md section 2)
FOLLOW_UPS: dict[str, tuple[str, ...]] = {
    "pg_stat_statements": ("{schema}.pg_stat_statements_reset()",),
    "apg_plan_mgmt": ("{schema}.validate_plans('update_plan_hash')", "{schema}.reload()"),
}

# dollar quotes, so the whole statement fits in one single-quoted shell word
OUTDATED_EXTENSIONS_GEXEC = (
    "SELECT format($$ALTER EXTENSION %I UPDATE$$, name) FROM pg_catalog.pg_available_extensions "
    "WHERE installed_version <> default_version \\gexec"
)


def alter_extension(name: str) -> str:
    return f"ALTER EXTENSION {ident(name)} UPDATE"


def postgis_upgrade(schema: str) -> str:
    return f"SELECT {ident(schema)}.postgis_extensions_upgrade()"


def follow_ups(name: str, schema: str) -> list[str]:
    return [f"SELECT {call.format(schema=ident(schema))}" for call in FOLLOW_UPS.get(name, ())]


def extension_versions(names: list[str]) -> str:
    wanted = ", ".join(literal(name) for name in names)
    return f"SELECT extname AS name, extversion AS version FROM pg_catalog.pg_extension WHERE extname IN ({wanted})"


def _connection(host: str, port: int, user: str) -> str:
    return f"-h {shlex.quote(host)} -p {port} -U {shlex.quote(user)}"


def vacuumdb(host: str, port: int, user: str, database: str | None, in_stages: bool) -> str:
    target = "--all" if database is None else f"-d {shlex.quote(database)}"
    how = "--analyze-in-stages" if in_stages else "--analyze-only"
    return f"vacuumdb {_connection(host, port, user)} {target} {how}"


# green's databases are read-only by default; a session of its own may write (what the step itself does)
_WRITABLE_PSQL = "PGOPTIONS='-c default_transaction_read_only=off' psql -v ON_ERROR_STOP=1"


def psql(host: str, port: int, user: str, database: str, sql: str) -> str:
    return f"{_WRITABLE_PSQL} {_connection(host, port, user)} -d {shlex.quote(database)} -c {shlex.quote(sql)}"


def psql_outdated_extensions(host: str, port: int, user: str, database: str) -> str:
    """psql takes \\gexec only from its input: ``-c`` cannot mix SQL and a meta-command."""
    statement = shlex.quote(OUTDATED_EXTENSIONS_GEXEC)
    return f"printf '%s\\n' {statement} | {_WRITABLE_PSQL} {_connection(host, port, user)} -d {shlex.quote(database)}"


def leftover_without_access(host: str, port: int, user: str, options: PostUpgradeOptions) -> list[LeftoverWork]:
    """Everything, by hand, when the step could not reach the databases at all."""
    left: list[LeftoverWork] = []
    if options.analyze:
        what = "ANALYZE of every database (if vacuumdb stops at rdsadmin, run it per database with -d)"
        left.append(LeftoverWork(what=what, command=vacuumdb(host, port, user, None, in_stages=True)))
    if options.update_extensions:
        command = psql_outdated_extensions(host, port, user, "<each database>")
        left.append(LeftoverWork(what="extension updates, in every database", command=command))
    return left
