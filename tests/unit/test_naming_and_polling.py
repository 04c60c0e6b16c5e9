import re

import pytest

from upgrade import naming, polling
from upgrade.errors import PollDeadlineExceeded

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
    poll = polling.start(polling.SNAPSHOT, deadline_minutes=5)
    assert poll.wait_seconds == 60
    for _ in range(3):
        poll = polling.advance(poll, polling.SNAPSHOT, "snapshot")
    assert poll.waited_seconds == 180 and poll.attempts == 3
    poll = polling.advance(poll, polling.SNAPSHOT, "snapshot")
    with pytest.raises(PollDeadlineExceeded, match="snapshot"):
        polling.advance(poll, polling.SNAPSHOT, "snapshot")


def test_last_wait_never_runs_past_the_deadline():
    poll = polling.start(polling.BLUE_GREEN_READY, deadline_minutes=15)
    waited = 0
    with pytest.raises(PollDeadlineExceeded):
        while True:
            waited += poll.wait_seconds
            poll = polling.advance(poll, polling.BLUE_GREEN_READY, "green")
    assert waited == 15 * 60
