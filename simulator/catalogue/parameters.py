"""Engine default parameter tables for the aurora-postgresql families of the simulator catalogue.

A modest, realistic subset: the parameters the upgrade workflow reads or migrates, plus ordinary
tuning parameters so that lists are long enough to paginate. Each entry carries the family range in
which it exists, so that parameters removed or renamed by newer PostgreSQL majors disappear from
newer families, as they do on AWS (see aurora-upgrade-facts.md §5.2):

* ``vacuum_cleanup_index_scale_factor`` and ``operator_precedence_warning``: up to 13;
* ``stats_temp_directory``: up to 14;
* ``force_parallel_mode``: up to 15, renamed ``debug_parallel_query`` from 16;
* ``old_snapshot_threshold``: up to 16.

``shared_preload_libraries`` also changes its AllowedValues between families (``pg_tle`` appears in
14, ``pg_similarity`` goes away in 16) so that value filtering during migration can be tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Literal

Scope = Literal["cluster", "instance"]

_OLDEST, _NEWEST = 11, 17
_BOOL = "0,1"
_INT_MAX = "2147483647"
_LIBS = "auto_explain,orafce,pgaudit,pglogical,pg_bigm,pg_cron,pg_hint_plan,pg_prewarm,pg_stat_statements"
_ZONES = ",".join(
    (
        "UTC",
        "Africa/Cairo",
        "America/Chicago",
        "America/New_York",
        "America/Sao_Paulo",
        "Asia/Tokyo",
        "Australia/Sydney",
        "Europe/Berlin",
        "Europe/London",
        "Europe/Paris",
    )
)


@dataclass(frozen=True)
class ParamSpec:
    """One engine default parameter and the majors (inclusive) whose family has it."""

    name: str
    apply_type: Literal["static", "dynamic"]
    data_type: str
    allowed_values: str
    default: str | None = None
    description: str = ""
    first: int = _OLDEST
    last: int = _NEWEST
    modifiable: bool = True


def _param(
    apply_type: str,
    name: str,
    data_type: str,
    allowed: str,
    default: str | None,
    description: str,
    first: int = _OLDEST,
    last: int = _NEWEST,
) -> ParamSpec:
    return ParamSpec(name, apply_type, data_type, allowed, default, description, first, last)


_static = partial(_param, "static")
_dynamic = partial(_param, "dynamic")


_VERSIONED: tuple[ParamSpec, ...] = (
    _dynamic(
        "vacuum_cleanup_index_scale_factor",
        "float",
        "0-10000000000",
        None,
        "Fraction of tuples inserted before index cleanup.",
        last=13,
    ),
    _dynamic(
        "operator_precedence_warning",
        "boolean",
        _BOOL,
        None,
        "Emit a warning for constructs that changed meaning since PostgreSQL 9.4.",
        last=13,
    ),
    _static(
        "stats_temp_directory",
        "string",
        "",
        "pg_stat_tmp",
        "Writes temporary statistics files to the specified directory.",
        last=14,
    ),
    _dynamic(
        "force_parallel_mode", "string", "off,on,regress", "off", "Forces use of parallel query facilities.", last=15
    ),
    _dynamic(
        "debug_parallel_query", "string", "off,on,regress", "off", "Forces use of parallel query facilities.", first=16
    ),
    _static(
        "old_snapshot_threshold",
        "integer",
        "-1-86400",
        "-1",
        "Time before a snapshot is too old to read pages changed after it was taken.",
        last=16,
    ),
)

_SHARED_PRELOAD = (
    _static(
        "shared_preload_libraries",
        "list",
        _LIBS + ",pg_similarity",
        "pg_stat_statements",
        "Lists shared libraries to preload into server.",
        last=13,
    ),
    _static(
        "shared_preload_libraries",
        "list",
        _LIBS + ",pg_similarity,pg_tle",
        "pg_stat_statements",
        "Lists shared libraries to preload into server.",
        first=14,
        last=15,
    ),
    _static(
        "shared_preload_libraries",
        "list",
        _LIBS + ",pg_tle",
        "pg_stat_statements",
        "Lists shared libraries to preload into server.",
        first=16,
    ),
)

_CLUSTER: tuple[ParamSpec, ...] = (
    _static(
        "rds.logical_replication",
        "boolean",
        _BOOL,
        "0",
        "Enables logical decoding (wal_level = logical); required by blue/green deployments.",
    ),
    _dynamic(
        "rds.logically_replicate_unlogged_tables",
        "boolean",
        _BOOL,
        "0",
        "Replicates unlogged tables during logical replication.",
    ),
    _static("max_replication_slots", "integer", "5-8388607", "20", "Sets the maximum number of replication slots."),
    _static(
        "max_wal_senders",
        "integer",
        "5-262143",
        "20",
        "Sets the maximum number of simultaneously running WAL sender processes.",
    ),
    _static(
        "max_logical_replication_workers",
        "integer",
        "0-262143",
        "4",
        "Maximum number of logical replication worker processes.",
    ),
    _static(
        "max_worker_processes",
        "integer",
        "8-262143",
        "GREATEST(${DBInstanceClassMemory/9531392},8)",
        "Maximum number of concurrent worker processes.",
    ),
    _dynamic(
        "synchronous_commit", "string", "local,on,off", "on", "Sets the current transaction's synchronization level."
    ),
    _dynamic("timezone", "string", _ZONES, "UTC", "Sets the time zone for displaying and interpreting time stamps."),
    _dynamic(
        "log_min_duration_statement",
        "integer",
        "-1-" + _INT_MAX,
        None,
        "Sets the minimum execution time above which statements will be logged.",
    ),
    _dynamic("log_statement", "string", "none,ddl,mod,all", None, "Sets the type of statements logged."),
    _dynamic("log_connections", "boolean", _BOOL, None, "Logs each successful connection."),
    _dynamic("log_disconnections", "boolean", _BOOL, None, "Logs end of a session, including duration."),
    _dynamic("work_mem", "integer", "64-" + _INT_MAX, None, "Sets the maximum memory to be used for query workspaces."),
    _static(
        "autovacuum_max_workers",
        "integer",
        "1-262143",
        "GREATEST({DBInstanceClassMemory/64371566592},3)",
        "Sets the maximum number of simultaneously running autovacuum worker processes.",
    ),
    _dynamic("autovacuum_naptime", "integer", "1-2147483", "5", "Time to sleep between autovacuum runs."),
    _dynamic(
        "idle_in_transaction_session_timeout",
        "integer",
        "0-" + _INT_MAX,
        "86400000",
        "Sets the maximum allowed duration of any idling transaction.",
    ),
    _dynamic(
        "password_encryption",
        "string",
        "md5,scram-sha-256,on,off",
        "md5",
        "Chooses the algorithm for encrypting passwords.",
        last=13,
    ),
    _dynamic(
        "password_encryption",
        "string",
        "md5,scram-sha-256",
        "scram-sha-256",
        "Chooses the algorithm for encrypting passwords.",
        first=14,
    ),
    _dynamic("rds.force_ssl", "boolean", _BOOL, "0", "Force SSL connections."),
    _static("track_commit_timestamp", "boolean", _BOOL, "0", "Collects transaction commit time."),
    _dynamic(
        "wal_sender_timeout", "integer", "0-3600000", "60000", "Sets the maximum time to wait for WAL replication."
    ),
    _dynamic(
        "apg_plan_mgmt.capture_plan_baselines",
        "string",
        "automatic,manual,off",
        "off",
        "Capture query plan baselines (Aurora query plan management).",
    ),
    *_SHARED_PRELOAD,
    *_VERSIONED,
)

_INSTANCE: tuple[ParamSpec, ...] = (
    _dynamic("work_mem", "integer", "64-" + _INT_MAX, None, "Sets the maximum memory to be used for query workspaces."),
    _dynamic(
        "maintenance_work_mem",
        "integer",
        "1024-" + _INT_MAX,
        "GREATEST({DBInstanceClassMemory*1024/63963136},65536)",
        "Sets the maximum memory to be used for maintenance operations.",
    ),
    _static(
        "shared_buffers",
        "integer",
        "16-1073741823",
        "SUM({DBInstanceClassMemory/12038},-50003)",
        "Sets the number of shared memory buffers used by the server.",
    ),
    _static(
        "max_connections",
        "integer",
        "6-262143",
        "LEAST({DBInstanceClassMemory/9531392},5000)",
        "Sets the maximum number of concurrent connections.",
    ),
    _dynamic(
        "effective_cache_size",
        "integer",
        "1-" + _INT_MAX,
        "SUM({DBInstanceClassMemory/12038},-50003)",
        "Sets the planner's assumption about the size of the disk cache.",
    ),
    _dynamic(
        "random_page_cost",
        "float",
        "0-" + _INT_MAX,
        None,
        "Sets the planner's estimate of the cost of a nonsequentially fetched disk page.",
    ),
    _dynamic(
        "log_min_duration_statement",
        "integer",
        "-1-" + _INT_MAX,
        None,
        "Sets the minimum execution time above which statements will be logged.",
    ),
    _dynamic("log_statement", "string", "none,ddl,mod,all", None, "Sets the type of statements logged."),
    _dynamic("log_lock_waits", "boolean", _BOOL, None, "Logs long lock waits."),
    _dynamic(
        "statement_timeout", "integer", "0-" + _INT_MAX, None, "Sets the maximum allowed duration of any statement."
    ),
    _dynamic(
        "idle_in_transaction_session_timeout",
        "integer",
        "0-" + _INT_MAX,
        "86400000",
        "Sets the maximum allowed duration of any idling transaction.",
    ),
    _dynamic(
        "max_parallel_workers",
        "integer",
        "0-1024",
        "GREATEST(${DBInstanceVCPU/2},8)",
        "Sets the maximum number of parallel workers that can be active at one time.",
    ),
    _dynamic(
        "max_parallel_workers_per_gather",
        "integer",
        "0-1024",
        None,
        "Sets the maximum number of parallel processes per executor node.",
    ),
    _dynamic("track_io_timing", "boolean", _BOOL, "1", "Collects timing statistics for database I/O activity."),
    _static(
        "track_activity_query_size",
        "integer",
        "100-1048576",
        "4096",
        "Sets the size reserved for pg_stat_activity.query, in bytes.",
    ),
    _dynamic(
        "pg_stat_statements.track",
        "string",
        "all,none,top",
        None,
        "Selects which statements are tracked by pg_stat_statements.",
    ),
    _dynamic(
        "auto_explain.log_min_duration",
        "integer",
        "-1-" + _INT_MAX,
        None,
        "Sets the minimum execution time above which plans will be logged.",
    ),
    _dynamic(
        "apg_plan_mgmt.use_plan_baselines",
        "boolean",
        "false,true",
        "false",
        "Use only approved or fixed plans for managed statements.",
    ),
    _dynamic(
        "temp_buffers",
        "integer",
        "100-1073741823",
        None,
        "Sets the maximum number of temporary buffers used by each session.",
    ),
    *(
        spec
        for spec in _VERSIONED
        if spec.name in {"force_parallel_mode", "debug_parallel_query", "old_snapshot_threshold"}
    ),
)


def specs_for(scope: Scope, major: int) -> list[ParamSpec]:
    """Parameter specs that exist in the family of ``major`` for the given scope, sorted by name."""
    table = _CLUSTER if scope == "cluster" else _INSTANCE
    return sorted((s for s in table if s.first <= major <= s.last), key=lambda s: s.name)
