"""The switchover probe's loop, stop rule and summary on a fake clock: a scripted cluster endpoint that answers on
blue, refuses, then answers on green (or comes back on blue), as a switchover looks from a client."""

from __future__ import annotations

from typing import Any

import pytest

from upgrade.database.sql import ConnectFailed, QueryFailed
from upgrade.shared.models import WorkflowState
from upgrade.shared.switchover_probe_result import MAX_SEGMENTS
from upgrade.switchover_probe.probe import INTERVAL_SECONDS, STATUS_EVERY_SECONDS, run_probe, summarize
from upgrade.switchover_probe.step import ProbeRequest, measure_switchover

T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Endpoint:
    """The server behind the cluster's name over time: ``phases`` of (until seconds, version, mode)."""

    def __init__(self, clock: Clock, phases: list[tuple[float, str, str]]) -> None:
        self.clock, self.phases, self.connects, self.closed = clock, phases, 0, 0

    def phase(self) -> tuple[str, str]:
        elapsed = self.clock() - T0
        return next(((v, m) for until, v, m in self.phases if elapsed < until), self.phases[-1][1:])

    def connect(self) -> Any:
        self.connects += 1
        version, mode = self.phase()
        if mode == "down":
            raise ConnectFailed("connection refused")
        return _Session(self, version)


class _Session:
    def __init__(self, endpoint: Endpoint, version: str) -> None:
        self.endpoint, self.version = endpoint, version

    def query(self, sql: str) -> list[dict[str, Any]]:
        if sql.startswith("INSERT") and self.endpoint.phase()[1] == "read_only":
            raise QueryFailed("25006: cannot execute INSERT in a read-only transaction")
        if self.endpoint.phase()[1] == "down":
            raise QueryFailed("network error")
        return [{"server_version": f"{self.version} (Debian)"}]

    def close(self) -> None:
        self.endpoint.closed += 1


def _probe(phases: list[tuple[float, str, str]], status: Any = None, deadline: float = 60) -> tuple[Any, Endpoint]:
    clock = Clock()
    endpoint = Endpoint(clock, phases)
    writes, stopped = run_probe(endpoint.connect, "14.18", deadline, clock, clock.sleep, status)
    return summarize(writes, stopped, "14.18"), endpoint


SWITCH = [(2.0, "13.20", "ok"), (3.0, "13.20", "read_only"), (4.0, "13.20", "down"), (99.0, "14.18", "ok")]


def test_the_window_is_measured_from_the_first_refusal_to_the_first_write_on_green() -> None:
    result, endpoint = _probe(SWITCH)
    assert result.measured and result.stopped == "switched"
    assert result.unavailable_seconds == 2.0
    assert (result.unavailable_from, result.unavailable_until) == (
        "2027-01-15T08:00:02.000Z",
        "2027-01-15T08:00:04.000Z",
    )
    assert result.first_new_version_write_at == "2027-01-15T08:00:04.000Z"
    assert [(s.ok, s.version, s.count) for s in result.timeline] == [
        (True, "13.20", 4),
        (False, "13.20", 2),  # blue refused the INSERT: read-only
        (False, None, 2),  # nobody answered
        (True, "14.18", 4),  # the stop rule: the target settled
    ]
    assert result.timeline[1].first_error == "25006: cannot execute INSERT in a read-only transaction"
    assert (result.writes_attempted, result.writes_refused, result.old_version) == (12, 4, "13.20")
    # a fresh connection after each refusal, as a client would make: 1 + 4 refusals (the last opens green's); each
    # refused session is closed (2 on blue), and green's when the probe ends
    assert endpoint.connects == 5 and endpoint.closed == 3


def test_writes_back_on_the_old_version_after_a_refusal_end_the_probe_as_a_rollback() -> None:
    result, _ = _probe([(1.0, "13.20", "ok"), (2.0, "13.20", "read_only"), (99.0, "13.20", "ok")])
    assert result.stopped == "rolled_back" and result.unavailable_seconds == 1.0
    assert result.first_new_version_write_at is None
    assert "14.18 never answered a probe write (rolled_back)" in result.line()


def test_a_switchover_that_ends_without_stopping_writes_is_read_off_the_deployment() -> None:
    clock_reads: list[str] = []

    def status() -> str:
        clock_reads.append("read")
        return "SWITCHOVER_IN_PROGRESS" if len(clock_reads) == 1 else "AVAILABLE"  # rolled back by AWS

    result, _ = _probe([(99.0, "13.20", "ok")], status)
    assert result.stopped == "switchover_ended" and result.writes_refused == 0 and result.unavailable_seconds == 0.0
    assert len(clock_reads) == 2  # every STATUS_EVERY_SECONDS while blue takes every write
    assert result.writes_attempted == pytest.approx(2 * STATUS_EVERY_SECONDS / INTERVAL_SECONDS, abs=2)


def test_the_status_is_not_read_while_writes_are_refused() -> None:
    reads: list[float] = []
    phases = [(1.0, "13.20", "ok"), (20.0, "13.20", "read_only"), (99.0, "14.18", "ok")]
    result, _ = _probe(phases, lambda: reads.append(1) or "SWITCHOVER_IN_PROGRESS")
    assert result.stopped == "switched" and reads == []


def test_the_deadline_ends_a_probe_that_never_sees_the_switchover() -> None:
    result, _ = _probe([(999.0, "13.20", "ok")], deadline=10)
    assert result.stopped == "deadline" and result.writes_attempted == 20 and result.measured


def test_a_first_write_that_fails_measures_nothing_and_says_why() -> None:
    result, endpoint = _probe([(99.0, "13.20", "read_only")])
    assert not result.measured and result.stopped == "not_measured" and endpoint.connects == 1
    assert result.line() == (
        "Write unavailability during the switchover: not measured: the first write through the cluster endpoint "
        "failed: 25006: cannot execute INSERT in a read-only transaction"
    )


def test_a_probe_that_begins_after_the_switchover_stops_at_its_first_write() -> None:
    """The endpoint already answers on the target: no other version will answer, so the probe does not wait for a
    switch until its deadline (a probe started late, a Lambda cold start past a fast switchover)."""
    result, endpoint = _probe([(999.0, "14.18", "ok")], deadline=600)
    assert not result.measured and result.stopped == "not_measured" and result.writes_attempted == 1
    assert endpoint.connects == 1
    assert result.line() == (
        "Write unavailability during the switchover: not measured: the first write through the cluster endpoint was "
        "already answered by 14.18: the switchover had ended before the probe began"
    )


def test_a_flapping_endpoint_keeps_the_first_and_last_segments() -> None:
    phases = [(n * 0.5 + 0.5, "13.20", "ok" if n % 2 == 0 else "down") for n in range(100)]
    result, _ = _probe([*phases, (999.0, "14.18", "ok")])
    assert len(result.timeline) == MAX_SEGMENTS and result.segments_left_out > 0
    assert result.timeline[0].start == "2027-01-15T08:00:00.000Z" and result.timeline[-1].version == "14.18"


def test_the_line_of_a_measured_switchover() -> None:
    result, _ = _probe(SWITCH)
    assert result.line() == (
        "Write unavailability during the switchover (a write through the cluster endpoint every 0.5 s): 2.0 s, "
        "from 2027-01-15T08:00:02.000Z until 2027-01-15T08:00:04.000Z (4 of 12 writes refused); first write on "
        "14.18 at 2027-01-15T08:00:04.000Z"
    )


def _state(**input_changes: Any) -> dict[str, Any]:
    return {
        "input": {"cluster_id": "prod-db", "target_engine_version": "14.18", "strategy": "blue_green", **input_changes},
        "execution": {"name": "run", "id": "arn:x", "state_machine": "arn:y", "start_time": "2027-01-15T08:00:00Z"},
    }


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({}, "no database access in the input"),
        (
            {
                "database": {
                    "secret_arn": "arn:aws:secretsmanager:eu-west-2:123456789012:secret:db",
                    "connect_via": "data_api",
                }
            },
            "the probe needs a direct connection",
        ),
        ({"strategy": "in_place"}, "an in-place upgrade has no switchover"),
    ],
)
def test_what_cannot_be_measured_is_said_at_once_without_any_call(changes: dict[str, Any], reason: str) -> None:
    request = ProbeRequest(state=WorkflowState.model_validate(_state(**changes)), deadline_seconds=840)
    result = measure_switchover(request, rds=None, secrets=None, rds_data_client=None)  # type: ignore[arg-type]
    assert not result.measured and result.not_measured is not None and result.not_measured.startswith(reason)


def test_the_deadline_stays_below_the_function_timeout() -> None:
    with pytest.raises(ValueError, match="less than or equal to 870"):
        ProbeRequest(state=WorkflowState.model_validate(_state()), deadline_seconds=900)
