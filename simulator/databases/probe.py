"""The write probe: a write to the cluster endpoint every half second while the switchover runs, recording each
success, each refusal and which server answered; the write downtime users saw is read off that timeline.

The heartbeat table is made on blue before green exists (so it is replicated and needs no DDL during the window).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import pg8000.native

from simulator.databases.servers import Server

HEARTBEAT_DATABASE = "postgres"
HEARTBEAT_TABLE = "aurora_upgrade_heartbeat"
CREATE_HEARTBEAT = (
    f"CREATE TABLE IF NOT EXISTS {HEARTBEAT_TABLE} (id bigserial PRIMARY KEY, "
    "written_at timestamptz NOT NULL DEFAULT clock_timestamp())"
)
WRITE = f"INSERT INTO {HEARTBEAT_TABLE} DEFAULT VALUES RETURNING current_setting('server_version')"
INTERVAL_SECONDS = 0.5


@dataclass(frozen=True)
class Beat:
    at: float  # epoch seconds
    ok: bool
    server: str | None  # "blue 13.20", "green 14.18": who answered (None: nobody did)
    version: str | None
    detail: str = ""


class WriteProbe:
    """Writes through ``endpoint()`` (the server the cluster's name points at now) until stopped."""

    def __init__(self, endpoint: Callable[[], Server | None], interval: float = INTERVAL_SECONDS) -> None:
        self._endpoint, self._interval = endpoint, interval
        self.beats: list[Beat] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="write-probe", daemon=True)
        self._session: tuple[Server, pg8000.native.Connection] | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._close()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self.beats.append(self._beat())
            self._stop.wait(max(0.0, self._interval - (time.monotonic() - started)))

    def _beat(self) -> Beat:
        at, server = time.time(), self._endpoint()
        if server is None:
            return Beat(at, False, None, None, "the endpoint does not resolve")
        try:
            if self._session is None or self._session[0] is not server:
                self._close()  # the name points somewhere else now: connect anew, as a client would
                self._session = (server, server.connect(HEARTBEAT_DATABASE, timeout=1.0))
            version = str(self._session[1].run(WRITE)[0][0])
            return Beat(at, True, f"{server.role} {server.version}", version.split(" ")[0])
        except (pg8000.native.InterfaceError, pg8000.native.DatabaseError, OSError) as error:
            self._close()
            return Beat(at, False, f"{server.role} {server.version}", None, _reason(error))

    def _close(self) -> None:
        if self._session is not None:
            with contextlib.suppress(pg8000.native.InterfaceError, OSError):
                self._session[1].close()
            self._session = None


def _reason(error: Exception) -> str:
    if isinstance(error, pg8000.native.DatabaseError) and error.args and isinstance(error.args[0], dict):
        return str(error.args[0].get("M", error))
    return str(error) or type(error).__name__


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


def downtime(beats: list[Beat], target_version: str) -> dict[str, Any]:
    """The write unavailability: from the first refused write to the first write that succeeded after it."""
    first_refused = next((n for n, beat in enumerate(beats) if not beat.ok), None)
    new_version = next((b for b in beats if b.ok and b.version == target_version), None)
    summary: dict[str, Any] = {
        "writes_attempted": len(beats),
        "writes_succeeded": sum(b.ok for b in beats),
        "writes_refused": sum(not b.ok for b in beats),
        "first_new_version_write_at": _iso(new_version.at) if new_version else None,
        "timeline": [{**asdict(b), "at": _iso(b.at)} for b in beats],
    }
    if first_refused is None:
        return {**summary, "unavailable_seconds": 0.0, "unavailable_from": None, "unavailable_until": None}
    back = next((b for b in beats[first_refused:] if b.ok), None)
    start = beats[first_refused].at
    return {
        **summary,
        "unavailable_seconds": round((back.at if back else beats[-1].at) - start, 1),
        "unavailable_from": _iso(start),
        "unavailable_until": _iso(back.at) if back else None,  # None: writes never came back while probed
    }
