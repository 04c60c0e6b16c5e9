import re
from datetime import UTC, datetime, timedelta

import pytest

from upgrade.shared import clock, naming
from upgrade.shared.errors import PollDeadlineExceeded
from upgrade.waiting import polling

RDS_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def test_names_are_deterministic_and_valid_rds_identifiers():
    first = naming.names_for("Prod-DB", "aurora-postgresql13", "aurora-postgresql14", "13.20", "14.18", "Run 42/b")
    again = naming.names_for("Prod-DB", "aurora-postgresql13", "aurora-postgresql14", "13.20", "14.18", "Run 42/b")
    assert first == again
    assert first.snapshot_id == "prod-db-pre-upgrade-13-20-to-14-18-run-42-b"
    assert first.blue_green_name == "prod-db-upgrade-13-20-to-14-18"
    assert first.target_cluster_parameter_group == "prod-db-aurora-postgresql14-cluster"
    for name in first.model_dump().values():
        assert RDS_NAME.match(name), name


def test_long_names_fit_rds_limits_and_stay_distinct():
    cluster = "c" + "x" * 62
    names_a = naming.names_for(cluster, "aurora-postgresql13", "aurora-postgresql14", "13.20", "14.18", "a" * 80)
    names_b = naming.names_for(cluster, "aurora-postgresql13", "aurora-postgresql14", "13.20", "14.15", "a" * 80)
    assert len(names_a.blue_green_name) <= 60
    assert names_a.blue_green_name != names_b.blue_green_name
    assert len(names_a.snapshot_id) <= 255
    assert RDS_NAME.match(names_a.blue_green_name)


def test_poll_counts_waited_time_and_stops_at_the_deadline():
    poll = polling.start(polling.ROLLBACK_SETTLE, deadline_minutes=5)
    assert poll.wait_seconds == 60 and poll.started_at is None
    for _ in range(3):
        poll = polling.advance(poll, polling.ROLLBACK_SETTLE, "the cluster")
    assert poll.waited_seconds == 180 and poll.attempts == 3
    poll = polling.advance(poll, polling.ROLLBACK_SETTLE, "the cluster")
    with pytest.raises(PollDeadlineExceeded, match="the cluster"):
        polling.advance(poll, polling.ROLLBACK_SETTLE, "the cluster")


def test_last_wait_never_runs_past_the_deadline():
    poll = polling.start(polling.RESTORE, deadline_minutes=15)
    waited = 0
    with pytest.raises(PollDeadlineExceeded):
        while True:
            waited += poll.wait_seconds
            poll = polling.advance(poll, polling.RESTORE, "the restore")
    assert waited == 15 * 60


def test_event_woken_waits_measure_time_from_their_start(monkeypatch):
    """Woken by events at any moment, the loop's deadline is wall time since it began, not the waits asked for."""
    now = [datetime(2026, 11, 25, 3, 0, tzinfo=UTC)]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    poll = polling.start(polling.BLUE_GREEN_READY, deadline_minutes=30)
    assert poll.wait_seconds == 600, "without an event, the fallback check comes after 10 minutes"
    now[0] += timedelta(minutes=2)  # an event woke the wait early
    poll = polling.advance(poll, polling.BLUE_GREEN_READY, "green")
    assert poll.waited_seconds == 120 and poll.attempts == 1
    now[0] += timedelta(minutes=25)
    poll = polling.advance(poll, polling.BLUE_GREEN_READY, "green")
    assert poll.wait_seconds == 180, "the fallback never sleeps past the deadline"
    now[0] += timedelta(minutes=3)
    with pytest.raises(PollDeadlineExceeded, match="after 30 minutes"):
        polling.advance(poll, polling.BLUE_GREEN_READY, "green")
