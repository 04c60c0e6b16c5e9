"""One rehearsal on real servers: blue at the start of the run, green when the simulated blue/green deployment is
created, the switchover when the simulated one runs; the simulated RDS calls the hooks below (``rds.state``'s
``DatabaseHooks``), and the engine reads ``outcome()`` into the run's output.

The switchover on the servers runs in a thread of its own, started when the simulated switchover starts and joined
when it finishes: the workflow's simulated clock moves in no real time, and the workflow's write probe (its real
handler, a Parallel branch beside the switchover) must see it happen in real seconds, blue first.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pg8000.native

from simulator.databases import replication, servers
from simulator.databases.servers import Server

DEFAULT_SEED = Path(__file__).with_name("seed.sql")
BLUE_SETTINGS = {
    "wal_level": "logical",  # rds.logical_replication = 1 on Aurora
    "max_replication_slots": "20",
    "max_wal_senders": "20",
    # the walsender asks the subscriber for its position at half this interval: catch-up is seen within a second
    "wal_sender_timeout": "2s",
}
GREEN_SETTINGS = {
    "max_logical_replication_workers": "20",
    "max_worker_processes": "30",
    "wal_receiver_status_interval": "1",
    "wal_retrieve_retry_interval": "200ms",  # the launcher starts a new subscription's apply worker this soon
}
# Aurora checks its guardrails before it stops writes (Aurora User Guide, "Switching a blue/green deployment"): blue
# still takes writes meanwhile, long enough for the probe's first writes (and its cold start) to reach it
GUARDRAIL_SECONDS = 1.5
# On AWS the switchover takes tens of seconds, so the workflow's probe, started beside it in the same Parallel, has
# written through the endpoint long before writes stop. Here the whole switchover takes about two seconds of real
# time, and a busy machine can start the probe's thread later than that (its first write then finds green: nothing
# to measure): the guardrail phase starts once a client has written to blue, or after this long without one.
FIRST_WRITE_SECONDS = 15.0


@dataclass
class Traffic:
    """Writes to blue while green exists: ``sql`` in ``database`` every ``interval`` seconds."""

    database: str
    sql: str
    interval: float = 0.2
    written: int = 0
    refused: list[str] = field(default_factory=list)


class Rehearsal:
    def __init__(
        self,
        source_version: str,
        target_version: str,
        seed_sql: Path = DEFAULT_SEED,
        traffic: Traffic | None = None,
        changes_on_blue: list[str] | None = None,
    ) -> None:
        self.source_version, self.target_version = source_version, target_version
        self.seed_sql, self.traffic = seed_sql, traffic
        self.changes_on_blue = list(changes_on_blue or [])
        self.blue: Server | None = None
        self.green: Server | None = None
        self.links: list[replication.Link] = []
        self.events: list[dict[str, Any]] = []  # what happened on the servers, in real time
        self.change_errors: list[str] = []
        self._clusters: list[tuple[Any, Server]] = []  # simulated cluster object -> its server
        self._switching: threading.Thread | None = None  # the switchover on the servers, in real time
        self._degraded: list[str] = []  # what the switchover guardrail found on blue that green lacks
        self._behind: list[str] = []  # databases whose replication did not catch up once writes stopped
        self._traffic_stop = threading.Event()
        self._traffic_thread: threading.Thread | None = None
        self._started = time.monotonic()
        self._servers: list[Server] = []  # every server started, each stopped and removed by close()
        self._changes_made = False
        self._previous_sigterm: Any = None

    # --- life cycle -------------------------------------------------------------------------------------------
    def __enter__(self) -> Rehearsal:
        try:
            self.start_blue()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start_blue(self) -> None:
        if threading.current_thread() is threading.main_thread():
            # a run stopped by SIGTERM unwinds like one stopped by Ctrl-C, so the servers are still removed
            self._previous_sigterm = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        self.blue = servers.start("blue", self.source_version, BLUE_SETTINGS)
        self._servers.append(self.blue)
        # no heartbeat table here: the workflow's preflight makes it on blue, as it does on AWS
        servers.run_sql_file(self.blue, self.seed_sql)
        self._note("blue started and seeded", server=self.blue.address, version=self.source_version)

    def close(self) -> None:
        """Stop the threads and both servers, remove their data; safe to call twice and after any failure."""
        self._stop_traffic()
        self._join_switching()
        while self._servers:
            servers.stop(self._servers.pop())
        if self._previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._previous_sigterm = None

    # --- the simulated RDS's hooks -----------------------------------------------------------------------------
    def attach(self, cluster: Any, role: str) -> None:
        server = self.blue if role == "blue" else self.green
        if server is not None:
            self._clusters.append((cluster, server))

    def endpoint(self, cluster: Any) -> tuple[str, int] | None:
        server = next((s for c, s in self._clusters if c is cluster), None)
        return (server.host, server.port) if server else None

    def green_created(self, blue_cluster: Any, green_cluster: Any) -> None:
        assert self.blue is not None
        if self.green is not None:  # an earlier deployment's green (deleted since): its replication goes with it
            replication.drop_subscriptions(self.green, self.links)
            replication.drop_publications(self.blue, self.links)
            self._servers.remove(self.green)
            servers.stop(self.green)
        started = time.monotonic()
        self.green = servers.start("green", self.target_version, GREEN_SETTINGS)
        self._servers.append(self.green)
        self.links = replication.build_green(self.blue, self.green)
        self.attach(green_cluster, "green")
        self._note(
            "green copied from blue and subscribed",
            seconds=round(time.monotonic() - started, 2),
            databases=[link.database for link in self.links],
            server=self.green.address,
        )
        self._start_traffic()
        if not self._changes_made:  # once: a later green is copied from blue with them
            self._changes_made = True
            for statement in self.changes_on_blue:
                self._change_on_blue(statement)

    def switchover_started(self) -> None:
        """The switchover on the servers starts in real time; the simulated RDS goes on at once."""
        assert self.blue is not None and self.green is not None
        self._stop_traffic()
        self._degraded, self._behind = [], []
        self._switching = threading.Thread(target=self._switch_servers, name="switchover-on-servers", daemon=True)
        self._switching.start()

    def _switch_servers(self) -> None:
        """The guardrails first (nothing changes when they refuse), then writes to blue stop and green catches up."""
        assert self.blue is not None and self.green is not None
        if not replication.client_wrote(self.blue, FIRST_WRITE_SECONDS):
            self._note(f"switchover: no client wrote to blue within {FIRST_WRITE_SECONDS:.0f} s")
        time.sleep(GUARDRAIL_SECONDS)
        self._degraded = replication.unsupported_changes(self.blue, self.green, self.links)
        if self._degraded:
            self._note("switchover guardrail: replication degraded", changes=self._degraded)
            return
        replication.refuse_writes(self.blue)
        self._note("switchover: writes to blue refused, its sessions ended")
        self._behind = replication.not_caught_up(self.blue, self.links)
        if self._behind:
            self._note("switchover: replication did not catch up", databases=self._behind)

    def settle(self) -> None:
        # outside any RDS call: the probe, whose every new connection describes the cluster, writes meanwhile
        self._join_switching()

    def _join_switching(self) -> None:
        if self._switching is not None:
            self._switching.join()
            self._switching = None

    def switchover_finishing(self) -> str | None:
        """Synchronize sequences, stop replicating; a reason when the switchover cannot complete."""
        assert self.blue is not None and self.green is not None
        self._join_switching()
        if self._degraded:
            return (
                "replication degraded: changes logical replication does not carry were made on blue ("
                + "; ".join(self._degraded[:5])
                + "). Delete the blue/green deployment with its green and create it again"
            )
        if self._behind:
            return (
                f"logical replication to green did not catch up within {replication.CATCH_UP_SECONDS:.0f} s in "
                f"database(s) {', '.join(self._behind)}"
            )
        synchronized = replication.synchronize_sequences(self.blue, self.green, self.links)
        replication.drop_subscriptions(self.green, self.links)
        self._note("switchover: replication caught up, sequences synchronized", sequences=synchronized)
        return None

    def switchover_completed(self) -> None:
        # the cluster's name is green's now (simulator.rds.blue_green._switch): its endpoint reaches green's server
        self._note("switchover: the cluster endpoint now points at green")

    def switchover_rolled_back(self) -> None:
        assert self.blue is not None
        self._join_switching()
        if not self._degraded:  # the guardrail refused before writes stopped: nothing to give back
            replication.allow_writes(self.blue)
        self._note("switchover rolled back: blue takes writes")

    # --- what happened -----------------------------------------------------------------------------------------
    def outcome(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "blue": self.source_version,
            "green": self.target_version if self.green else None,
            "servers": {
                server.role: {"address": server.address, "data_directory": str(server.root)}
                for server in (self.blue, self.green)
                if server is not None
            },
            "events": self.events,
            "changes_on_blue_refused": self.change_errors,
        }
        if self.traffic is not None:
            result["traffic"] = {"writes": self.traffic.written, "refused": self.traffic.refused[:5]}
        return result

    # --- helpers ----------------------------------------------------------------------------------------------
    def _note(self, what: str, **detail: Any) -> None:
        self.events.append({"after_seconds": round(time.monotonic() - self._started, 2), "what": what, **detail})

    def _execute(self, server: Server, database: str, statement: str) -> None:
        session = server.connect(database)
        try:
            session.run(statement)
        finally:
            session.close()

    def _change_on_blue(self, statement: str) -> None:
        """A change made on blue while green exists (``database: statement`` or a statement for the seed's first)."""
        database, _, sql = statement.partition(":") if ":" in statement.split(" ")[0] else ("", "", statement)
        assert self.blue is not None
        try:
            self._execute(self.blue, database or self._first_database(), sql.strip())
            self._note("changed on blue", statement=statement)
        except pg8000.native.DatabaseError as error:
            message = error.args[0].get("M") if error.args and isinstance(error.args[0], dict) else str(error)
            self.change_errors.append(f"{statement}: {message}")
            self._note("blue refused a change", statement=statement, error=message)

    def _first_database(self) -> str:
        names = [link.database for link in self.links if link.database != "postgres"]
        return names[0] if names else "postgres"

    def _start_traffic(self) -> None:
        traffic, blue = self.traffic, self.blue
        if traffic is None or blue is None:
            return
        self._traffic_stop.clear()

        def write() -> None:
            session = None
            while not self._traffic_stop.is_set():
                try:
                    session = session or blue.connect(traffic.database)
                    session.run(traffic.sql)
                    traffic.written += 1
                except (pg8000.native.InterfaceError, pg8000.native.DatabaseError, OSError) as error:
                    traffic.refused.append(str(error)[:200])
                    session = None
                self._traffic_stop.wait(traffic.interval)
            if session is not None:
                session.close()

        self._traffic_thread = threading.Thread(target=write, name="blue-traffic", daemon=True)
        self._traffic_thread.start()

    def _stop_traffic(self) -> None:
        self._traffic_stop.set()
        if self._traffic_thread is not None:
            self._traffic_thread.join(timeout=5)
            self._traffic_thread = None
