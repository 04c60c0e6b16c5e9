"""Green made as Aurora makes it for PostgreSQL, and the switchover's work on the servers.

Green is a copy of blue's schema and data on the target version, then logical replication from blue, database by
database (Aurora User Guide, "Overview of Amazon Aurora Blue/Green Deployments": for Aurora PostgreSQL the green
environment is kept in step by logical replication; "Limitations ... logical replication": DDL, sequences and large
objects are not replicated, tables need a replica identity for UPDATE and DELETE).

Why ``copy_data = false`` after a dump taken at the slot's exported snapshot, rather than ``copy_data = true`` on an
empty schema: Aurora clones blue's storage, so green starts with blue's data *and* its sequence values and large
objects as of the clone; ``copy_data = true`` copies table rows only (sequences would start at 1, large objects
would be missing) and gives no single point in time across tables. The slot is created first and exports its
snapshot; the dump reads exactly that snapshot and the slot streams every change committed after it, so nothing is
lost or applied twice.
"""

from __future__ import annotations

import contextlib
import re
import time
import zlib
from dataclasses import dataclass

import pg8000.native

from simulator.databases.servers import SUPERUSER, Server, copy_roles, dump, restore

PUBLICATION = "aurora_upgrade_rehearsal"
CATCH_UP_SECONDS = 10.0  # locally an apply worker catches up in well under a second; past this it has stopped


@dataclass(frozen=True)
class Link:
    """One database replicated from blue to green."""

    database: str
    slot: str  # also the subscription's name on green

    @classmethod
    def for_database(cls, database: str) -> Link:
        safe = re.sub(r"[^a-z0-9_]", "_", database.lower())[:40]
        return cls(database, f"rehearsal_{safe}_{zlib.crc32(database.encode()) % 10_000}")


def databases_of(server: Server) -> list[str]:
    session = server.connect()
    try:
        rows = session.run("SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1")
    finally:
        session.close()
    return [str(row[0]) for row in rows]


def build_green(blue: Server, green: Server) -> list[Link]:
    """Roles, then every database: schema and data as of one snapshot, then a subscription from that point; done
    once every subscription streams (Aurora's green provisions for many minutes: replication runs by then)."""
    copy_roles(blue, green)
    links = [_copy_and_subscribe(blue, green, Link.for_database(database)) for database in databases_of(blue)]
    _wait_streaming(green, links)
    return links


def _wait_streaming(green: Server, links: list[Link], seconds: float = CATCH_UP_SECONDS) -> None:
    session = green.connect()
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            rows = session.run(
                "SELECT count(*) FROM pg_stat_subscription WHERE subname = ANY(:names) AND received_lsn IS NOT NULL",
                names=[link.slot for link in links],
            )
            if int(rows[0][0]) == len(links):
                return
            time.sleep(0.05)
    finally:
        session.close()


def _copy_and_subscribe(blue: Server, green: Server, link: Link) -> Link:
    source = blue.connect(link.database)
    try:
        source.run(f"CREATE PUBLICATION {PUBLICATION} FOR ALL TABLES")
        extensions = source.run(
            "SELECT e.extname, e.extversion FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname <> 'plpgsql' AND n.nspname = 'public'"
        )
    finally:
        source.close()
    replication = blue.connect(link.database, timeout=30, replication="database")
    try:
        snapshot = replication.run(f"CREATE_REPLICATION_SLOT {link.slot} LOGICAL pgoutput EXPORT_SNAPSHOT")[0][2]
        script = dump(blue, link.database, str(snapshot))  # the snapshot lives while this connection stays idle
    finally:
        replication.close()
    if link.database != "postgres":
        admin = green.connect()
        try:
            admin.run(f'CREATE DATABASE "{link.database}"')
        finally:
            admin.close()
    _pin_extension_versions(green, link.database, [(str(name), str(version)) for name, version in extensions])
    restore(green, link.database, script)
    target = green.connect(link.database)
    try:
        target.run(
            f"CREATE SUBSCRIPTION {link.slot} CONNECTION 'host={blue.host} port={blue.port} user={SUPERUSER} "
            f"dbname={link.database}' PUBLICATION {PUBLICATION} "
            f"WITH (create_slot = false, slot_name = {link.slot}, copy_data = false)"
        )
    finally:
        target.close()
    return link


def _pin_extension_versions(green: Server, database: str, extensions: list[tuple[str, str]]) -> None:
    """A clone upgraded by pg_upgrade keeps each extension's version: ``ALTER EXTENSION ... UPDATE`` is left to do
    (the post-upgrade step's work). A dump would create the target's default version instead, so the extensions
    are made first at blue's versions; the dump's ``CREATE EXTENSION IF NOT EXISTS`` then leaves them."""
    session = green.connect(database)
    try:
        for name, version in extensions:
            # a version the target no longer offers fails: the dump then creates its default one
            with contextlib.suppress(pg8000.native.DatabaseError):
                session.run(f"CREATE EXTENSION IF NOT EXISTS \"{name}\" VERSION '{version}' SCHEMA public")
    finally:
        session.close()


# What the switchover guardrail "Unsupported PostgreSQL changes" looks at, as a state (Aurora watches the DDL as it
# happens; a change made and undone before the switchover is not seen here): the columns and indexes of user tables,
# and the large objects, neither of which logical replication carries.
_REPLICATED_SHAPE = """
SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname || ' '
       || pg_catalog.format_type(a.atttypid, a.atttypmod) AS item
FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
UNION ALL
SELECT 'index ' || n.nspname || '.' || c.relname
FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
UNION ALL
SELECT 'large objects: ' || count(*) FROM pg_catalog.pg_largeobject_metadata
"""


def unsupported_changes(blue: Server, green: Server, links: list[Link]) -> list[str]:
    """Per database, what blue has that green lacks (a DDL or a large object made on blue after the copy).

    Aurora User Guide, "Switching a blue/green deployment", switchover guardrails: for Aurora PostgreSQL, no DDL
    change on blue and no large object added or modified; otherwise the replication state turns "Replication
    degraded" and the deployment can't be switched over.
    """
    found = []
    for link in links:
        shapes = []
        for server in (blue, green):
            session = server.connect(link.database)
            try:
                shapes.append({str(row[0]) for row in session.run(_REPLICATED_SHAPE)})
            finally:
                session.close()
        found += [f"{link.database}: {item}" for item in sorted(shapes[0] - shapes[1])]
    return found


def refuse_writes(blue: Server) -> None:
    """What the switchover does first: blue read-only, its sessions ended (the old blue stays read-only)."""
    session = blue.connect()
    try:
        session.run("ALTER SYSTEM SET default_transaction_read_only = on")
        session.run("SELECT pg_reload_conf()")
        # pg_reload_conf only signals the postmaster: until it has reread the file, a new session still takes
        # writes, and one that came in after the terminate below would write to a blue said to refuse them
        _await_new_sessions(blue, read_only="on")
        session.run(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
    finally:
        session.close()


def _await_new_sessions(blue: Server, read_only: str, seconds: float = 5.0) -> None:
    """Until blue's new sessions start with ``default_transaction_read_only`` as the reloaded configuration says."""
    deadline = time.monotonic() + seconds
    while True:
        probe = blue.connect()
        try:
            [[setting]] = probe.run("SHOW default_transaction_read_only")
        finally:
            probe.close()
        if setting == read_only:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"blue's new sessions still start with read-only {setting} {seconds:.0f} s after reload")
        time.sleep(0.01)


def allow_writes(blue: Server) -> None:
    """A switchover that fails is rolled back: blue takes writes again."""
    session = blue.connect()
    try:
        session.run("ALTER SYSTEM RESET default_transaction_read_only")
        session.run("SELECT pg_reload_conf()")
        _await_new_sessions(blue, read_only="off")
    finally:
        session.close()


def client_wrote(blue: Server, seconds: float) -> bool:
    """Whether, within ``seconds``, a client has written to blue: its WAL moved past where it was when asked (a write
    by a short session), or a client session is idle after an INSERT (pg_stat_activity shows an idle session's most
    recent query: a write made before this was asked, by a session kept open, as the probe keeps its own)."""
    session = blue.connect()
    try:
        start = session.run("SELECT pg_current_wal_lsn()")[0][0]
        deadline = time.monotonic() + seconds
        while True:
            [[wrote]] = session.run(
                "SELECT pg_current_wal_lsn() > CAST(:start AS pg_lsn) OR EXISTS (SELECT FROM pg_stat_activity "
                "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND state = 'idle' "
                "AND query ILIKE 'insert %')",
                start=str(start),
            )
            if wrote or time.monotonic() > deadline:
                return bool(wrote)
            time.sleep(0.05)
    finally:
        session.close()


def not_caught_up(blue: Server, links: list[Link], seconds: float = CATCH_UP_SECONDS) -> list[str]:
    """The databases whose subscriber has not confirmed blue's current WAL position within ``seconds``."""
    session = blue.connect()
    try:
        target = session.run("SELECT pg_current_wal_lsn()")[0][0]
        deadline = time.monotonic() + seconds
        while True:
            rows = session.run(
                "SELECT slot_name FROM pg_replication_slots WHERE slot_name = ANY(:slots) "
                "AND (confirmed_flush_lsn IS NULL OR confirmed_flush_lsn < CAST(:target AS pg_lsn))",
                slots=[link.slot for link in links],
                target=str(target),
            )
            behind = {str(row[0]) for row in rows}
            if not behind or time.monotonic() > deadline:
                return [link.database for link in links if link.slot in behind]
            time.sleep(0.05)
    finally:
        session.close()


def synchronize_sequences(blue: Server, green: Server, links: list[Link]) -> int:
    """Replication does not carry sequence values; RDS sets green's from blue's during the switchover."""
    synchronized = 0
    for link in links:
        source, target = blue.connect(link.database), green.connect(link.database)
        try:
            rows = source.run(
                "SELECT schemaname, sequencename, last_value FROM pg_sequences WHERE last_value IS NOT NULL"
            )
            for schema, name, value in rows:
                target.run(
                    "SELECT setval(format('%I.%I', CAST(:s AS text), CAST(:n AS text)), :v, true)",
                    s=schema,
                    n=name,
                    v=int(value),
                )
                synchronized += 1
        finally:
            source.close()
            target.close()
    return synchronized


def drop_publications(blue: Server, links: list[Link]) -> None:
    """Blue stops publishing (a deleted green's replication is gone; a new green makes its own)."""
    for link in links:
        session = blue.connect(link.database)
        try:
            session.run("SET default_transaction_read_only = off")
            session.run(f"DROP PUBLICATION IF EXISTS {PUBLICATION}")
        finally:
            session.close()


def drop_subscriptions(green: Server, links: list[Link]) -> None:
    """Green stops replicating (its subscriptions and blue's slots go)."""
    for link in links:
        session = green.connect(link.database)
        try:
            session.run(f"DROP SUBSCRIPTION IF EXISTS {link.slot}")
        finally:
            session.close()
