"""The probe loop, its stop rule and the summary, with the connection, the clock and the sleep injected.

The heartbeat table is made by the preflight before green exists (``upgrade.database.heartbeat``), so logical
replication carries it to green and nothing needs DDL during the switchover window; each write is a plain INSERT,
refused by a server that does not take writes (blue once the switchover stopped them). A session never sets its own
read/write mode, so the server's default decides, as for the application's own sessions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from upgrade.database.heartbeat import SERVER_VERSION, WRITE
from upgrade.database.sql import ConnectFailed, Executor, QueryFailed
from upgrade.shared.switchover_probe_result import MAX_SEGMENTS, ProbeSegment, Stop, SwitchoverProbeResult

INTERVAL_SECONDS = 0.5
SETTLED_WRITES = 4  # this many writes in a row answered by one version after a change: the endpoint settled
# while the old version takes every write, the deployment's status is read this often: a switchover that ended
# without switching (guardrail refused, failed, cancelled) never refuses a write, so the writes alone cannot tell
STATUS_EVERY_SECONDS = 5.0
# the switchover's end as the blue/green deployment shows it (RDS API, BlueGreenDeployment.Status)
_ENDED_WITHOUT_SWITCHING = {"SWITCHOVER_FAILED", "DELETING", "INVALID_CONFIGURATION"}

Clock = Callable[[], float]  # epoch seconds
Connect = Callable[[], Executor]  # a fresh session through the cluster endpoint


@dataclass(frozen=True)
class Write:
    at: float  # epoch seconds when the write started
    ok: bool
    version: str | None  # the server version that answered (None: no session)
    error: str | None = None


def run_probe(
    connect: Connect,
    target_version: str,
    deadline_seconds: float,
    now: Clock,
    sleep: Callable[[float], None],
    deployment_status: Callable[[], str | None] | None = None,
) -> tuple[list[Write], Stop]:
    """Write every ``INTERVAL_SECONDS`` until the stop rule says the switchover is over, or the deadline."""
    started = now()
    writes: list[Write] = []
    session: tuple[Executor, str] | None = None
    status_read_at, switching_seen = started, False
    try:
        while True:
            at = now()
            if at - started >= deadline_seconds:
                return writes, "deadline"
            write, session = _write(connect, session, at)
            writes.append(write)
            # the first write refused, or already answered by the target (the switchover ended before the probe
            # began: no other version will answer again, and the loop would last until its deadline)
            if len(writes) == 1 and (not write.ok or write.version == target_version):
                return writes, "not_measured"
            stop = stop_rule(writes, target_version)
            if stop is not None:
                return writes, stop
            due = now() - status_read_at >= STATUS_EVERY_SECONDS
            if deployment_status is not None and due and _old_version_answering(writes, target_version):
                status_read_at = now()
                status = deployment_status()
                switching_seen |= status == "SWITCHOVER_IN_PROGRESS"
                if _ended_without_switching(status, switching_seen):
                    return writes, "switchover_ended"
            sleep(max(0.0, at + INTERVAL_SECONDS - now()))
    finally:
        if session is not None:
            session[0].close()


def _write(
    connect: Connect, session: tuple[Executor, str] | None, at: float
) -> tuple[Write, tuple[Executor, str] | None]:
    """One write; after a refusal the session is dropped and the next write connects anew, as a client would."""
    version = session[1] if session else None
    try:
        if session is None:
            executor = connect()
            try:
                version = _version(executor.query(SERVER_VERSION)[0]["server_version"])
            except QueryFailed:
                executor.close()
                raise
            session = (executor, version)
        answered = session[0].query(WRITE)[0]["server_version"]
        return Write(at, True, _version(answered)), session
    except (ConnectFailed, QueryFailed) as error:
        if session is not None:
            session[0].close()
        return Write(at, False, version, str(error)[:300]), None


def _version(server_version: object) -> str:
    """``14.18`` from ``14.18`` or ``14.18 (Debian 14.18-1)``."""
    return str(server_version).split(" ")[0]


def stop_rule(writes: list[Write], target_version: str) -> Stop | None:
    """Switched: the target answered the last ``SETTLED_WRITES`` writes after another version was seen. Rolled
    back: after a refusal, the old version answered the last ``SETTLED_WRITES`` writes."""
    last = writes[-SETTLED_WRITES:]
    if len(last) < SETTLED_WRITES or not all(w.ok and w.version == last[0].version for w in last):
        return None
    before = writes[:-SETTLED_WRITES]
    if last[0].version == target_version:
        return "switched" if any(w.ok and w.version != target_version for w in before) else None
    return "rolled_back" if any(not w.ok for w in before) else None


def _old_version_answering(writes: list[Write], target_version: str) -> bool:
    return writes[-1].ok and writes[-1].version != target_version


def _ended_without_switching(status: str | None, switching_seen: bool) -> bool:
    """Gone, failed, or AVAILABLE again after SWITCHOVER_IN_PROGRESS (a rolled-back switchover)."""
    return status is None or status in _ENDED_WITHOUT_SWITCHING or (status == "AVAILABLE" and switching_seen)


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def summarize(writes: list[Write], stopped: Stop, target_version: str) -> SwitchoverProbeResult:
    """The write unavailability: from the first refused write to the first write that succeeded after it."""
    if stopped == "not_measured" or not writes:
        first = writes[0] if writes else None
        if first is None:
            reason = "no write made"
        elif first.ok:
            reason = (
                f"the first write through the cluster endpoint was already answered by {first.version}: the switchover "
                "had ended before the probe began"
            )
        else:
            reason = f"the first write through the cluster endpoint failed: {first.error}"
        return SwitchoverProbeResult(measured=False, not_measured=reason, writes_attempted=len(writes))
    old = writes[0].version if writes[0].version != target_version else None
    new_version = next((w for w in writes if w.ok and w.version == target_version), None)
    first_refused = next((n for n, w in enumerate(writes) if not w.ok), None)
    segments = timeline(writes)
    kept = segments if len(segments) <= MAX_SEGMENTS else segments[: MAX_SEGMENTS // 2] + segments[-MAX_SEGMENTS // 2 :]
    result = SwitchoverProbeResult(
        measured=True,
        stopped=stopped,
        old_version=old,
        new_version=target_version,
        writes_attempted=len(writes),
        writes_succeeded=sum(w.ok for w in writes),
        writes_refused=sum(not w.ok for w in writes),
        first_new_version_write_at=iso(new_version.at) if new_version else None,
        timeline=kept,
        segments_left_out=len(segments) - len(kept),
        unavailable_seconds=0.0,
    )
    if first_refused is None:
        return result
    start = writes[first_refused].at
    back = next((w for w in writes[first_refused:] if w.ok), None)
    return result.model_copy(
        update={
            "unavailable_seconds": round((back.at if back else writes[-1].at) - start, 1),
            "unavailable_from": iso(start),
            "unavailable_until": iso(back.at) if back else None,
        }
    )


def timeline(writes: list[Write]) -> list[ProbeSegment]:
    """Run-length segments: consecutive writes with the same outcome and the same answering version."""
    segments: list[ProbeSegment] = []
    for write in writes:
        last = segments[-1] if segments else None
        if last is not None and last.ok == write.ok and last.version == write.version:
            last.end, last.count = iso(write.at), last.count + 1
            continue
        segments.append(
            ProbeSegment(
                start=iso(write.at),
                end=iso(write.at),
                ok=write.ok,
                version=write.version,
                count=1,
                first_error=write.error,
            )
        )
    return segments
