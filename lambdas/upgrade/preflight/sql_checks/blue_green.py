"""Blue/green prerequisites that only SQL can see (reference §3.2/§3.3).

Aurora replicates blue to green with logical replication, one slot and one apply worker per database,
so anything logical replication cannot carry either breaks production (UPDATE/DELETE without a replica
identity error on blue) or degrades replication and forces a new deployment.
"""

from __future__ import annotations

from upgrade.preflight.sql_checks.model import BLUE_GREEN_ONLY, Context, Row, SqlCheck
from upgrade.shared.preflight_report import Evidence

BG_DOC = '"Limitations and considerations for Amazon Aurora blue/green deployments"'  # the page they come from

# The databases Aurora creates one replication slot and one apply worker for (reference §3.2 #3, N).
REPLICATED_DATABASES = (
    "datallowconn AND NOT datistemplate AND datname <> 'rdsadmin' AND datconnlimit <> -2"  # -2: invalid
)

CAPACITY_SQL = f"""SELECT
  (SELECT count(*) FROM pg_catalog.pg_database WHERE {REPLICATED_DATABASES}) AS databases,
  (SELECT count(*) FROM pg_catalog.pg_replication_slots) AS existing_slots,
  (SELECT setting::integer FROM pg_catalog.pg_settings WHERE name = 'max_replication_slots') AS max_replication_slots,
  (SELECT setting::integer FROM pg_catalog.pg_settings WHERE name = 'max_wal_senders') AS max_wal_senders,
  (SELECT setting::integer FROM pg_catalog.pg_settings WHERE name = 'max_logical_replication_workers')
    AS max_logical_replication_workers,
  (SELECT setting::integer FROM pg_catalog.pg_settings WHERE name = 'max_worker_processes') AS max_worker_processes"""


def capacity_shortfalls(row: Row) -> list[tuple[str, int, int, str]]:
    """(parameter, current, required, why) for every setting below the AWS precheck tool's formula."""
    databases, existing = int(row["databases"]), int(row["existing_slots"])
    slots, senders = int(row["max_replication_slots"]), int(row["max_wal_senders"])
    workers, processes = int(row["max_logical_replication_workers"]), int(row["max_worker_processes"])
    rules = [
        ("max_replication_slots", slots, databases + 1 + existing, f"{databases} databases + 1 + {existing} in use"),
        ("max_wal_senders", senders, slots, "at least max_replication_slots"),
        ("max_logical_replication_workers", workers, databases + 1, f"{databases} databases + 1"),
        ("max_worker_processes", processes, workers + 1, "more than max_logical_replication_workers"),
    ]
    return [(name, current, required, why) for name, current, required, why in rules if current < required]


def _capacity(rows: list[Row], context: Context, database: str | None) -> list[Evidence]:
    return [
        Evidence(object_name=name, detail=f"{current}, needs >= {required} ({why})")
        for row in rows
        for name, current, required, why in capacity_shortfalls(row)
    ]


_USER_RELATIONS = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema', 'rdsadmin') AND n.nspname NOT LIKE 'pg\\_toast%'"
)

BLUE_GREEN_CHECKS: tuple[SqlCheck, ...] = (
    SqlCheck(
        id="BG-replication-capacity",
        title="Replication slots, WAL senders and workers cover one per database",
        scope="cluster",
        sql=CAPACITY_SQL,
        severity="fail",
        remediation="Raise the parameters in the blue cluster parameter group (and the green one), reboot the "
        "writer until it is in-sync; AWS's logical replication guide also wants max_worker_processes >= "
        "max_logical_replication_workers + autovacuum_max_workers + max_parallel_workers.",
        strategies=BLUE_GREEN_ONLY,
        evaluate=_capacity,
        beyond_pg_upgrade="blue/green replicates each database to green over its own logical replication slot "
        "and apply worker (Aurora User Guide, " + BG_DOC + ")",
    ),
    SqlCheck(
        id="BG-no-primary-key",
        title="Every table has a primary key or a replica identity",
        scope="database",
        sql=f"""SELECT n.nspname, c.relname, c.relreplident::text AS replica_identity
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND c.relpersistence = 'p'
  AND {_USER_RELATIONS}
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)
  AND c.relreplident NOT IN ('f', 'i')
ORDER BY 1, 2""",
        severity="fail",
        remediation="ALTER TABLE <t> ADD PRIMARY KEY (...); or, with no unique key at all, "
        "ALTER TABLE <t> REPLICA IDENTITY FULL; otherwise UPDATE and DELETE fail on blue once it publishes.",
        strategies=BLUE_GREEN_ONLY,
        schema_column="nspname",
        object_column="relname",
        detail="no primary key and replica identity '{replica_identity}'",
        beyond_pg_upgrade="blue/green replicates blue to green logically: UPDATE and DELETE need a replica "
        "identity (Aurora User Guide, " + BG_DOC + ")",
    ),
    SqlCheck(
        id="BG-logical-replication-in-use",
        title="Blue is not a publisher and runs neither pglogical nor pgactive",
        scope="database",
        sql="""SELECT 'publication' AS kind, NULL::text AS nspname, p.pubname::text AS name
FROM pg_catalog.pg_publication p
UNION ALL
SELECT 'extension', n.nspname::text, e.extname::text
FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname IN ('pglogical', 'pgactive')
ORDER BY 1, 3""",
        severity="fail",
        remediation="Drop self-managed publications (DROP PUBLICATION <name>) and disable pglogical/pgactive on "
        "blue before creating the deployment; recreate them after switchover. Subscriptions and slots: P2, P3.",
        strategies=BLUE_GREEN_ONLY,
        schema_column="nspname",
        object_column="name",
        detail="{kind}",
        beyond_pg_upgrade="blue must not be a logical replication publisher (Aurora User Guide, " + BG_DOC + ")",
    ),
    SqlCheck(
        id="BG-unlogged-tables",
        title="Unlogged tables",
        scope="database",
        sql=f"""SELECT n.nspname, c.relname
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relpersistence = 'u' AND c.relkind IN ('r', 'p') AND {_USER_RELATIONS}
ORDER BY 1, 2""",
        severity="warn",
        remediation="Changes to unlogged tables reach green only with rds.logically_replicate_unlogged_tables = 1 "
        "on blue, set before creation and left alone; otherwise ALTER TABLE <t> SET LOGGED or accept the loss.",
        strategies=BLUE_GREEN_ONLY,
        schema_column="nspname",
        object_column="relname",
        detail="unlogged table",
    ),
    SqlCheck(
        id="BG-materialized-views",
        title="Materialized views",
        scope="database",
        sql="SELECT schemaname, matviewname FROM pg_catalog.pg_matviews ORDER BY 1, 2",
        severity="warn",
        remediation="REFRESH MATERIALIZED VIEW on blue breaks replication to green: pause the refresh jobs until "
        "after switchover, then refresh on the new production.",
        strategies=BLUE_GREEN_ONLY,
        schema_column="schemaname",
        object_column="matviewname",
        detail="materialized view",
    ),
    SqlCheck(
        id="BG-large-objects",
        title="Large objects are not replicated",
        scope="database",
        sql="SELECT count(*) AS large_objects FROM pg_catalog.pg_largeobject_metadata HAVING count(*) > 0",
        severity="warn",
        # the green starts as a clone, so existing objects are there; only writes during the deployment are lost
        remediation="Green starts with the existing large objects, but creating or changing one on blue during "
        "the deployment puts it in 'Replication degraded': freeze large-object writes until switchover.",
        strategies=BLUE_GREEN_ONLY,
        detail="{large_objects} large objects",
    ),
    SqlCheck(
        id="BG-extensions-attention",
        title="Extensions with blue/green rules",
        scope="database",
        sql="""SELECT e.extname, n.nspname FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname IN ('pg_partman', 'pg_cron', 'apg_plan_mgmt', 'pgaudit', 'aws_s3') ORDER BY 1""",
        severity="warn",
        remediation="pg_partman: disable its maintenance on blue (it runs DDL); pg_cron: keep it disabled on green; "
        "apg_plan_mgmt: capture_plan_baselines = off on green; pgaudit: keep it in shared_preload_libraries of "
        "both parameter groups; aws_s3: give green an IAM role.",
        strategies=BLUE_GREEN_ONLY,
        schema_column="nspname",
        object_column="extname",
        detail="installed; see the remediation for its blue/green rule",
    ),
)
