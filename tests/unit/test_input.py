"""The execution input: a bad input fails with a message naming the field."""

import pytest

from upgrade.shared.errors import InvalidUpgradeInput
from upgrade.shared.models import parse_upgrade_input

VALID = {"cluster_id": "prod-db", "target_engine_version": "14.18", "strategy": "blue_green"}


def test_minimal_input_gets_safe_defaults():
    request = parse_upgrade_input(VALID)
    assert request.switchover_timeout_seconds == 300
    assert request.delete_old_cluster is False
    assert request.deadlines.blue_green_ready_minutes == 720
    assert request.target_version == (14, 18)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"cluster_id": None}, "cluster_id"),
        ({"cluster_id": "prod_db"}, "cluster_id"),
        ({"cluster_id": "prod--db"}, "cluster_id"),
        ({"cluster_id": "1prod"}, "cluster_id"),
        ({"target_engine_version": "14"}, "target_engine_version"),
        ({"target_engine_version": "fourteen"}, "target_engine_version"),
        ({"target_engine_version": 14.18}, "target_engine_version"),
        ({"strategy": "big_bang"}, "strategy"),
        ({"switchover_timeout_seconds": 29}, "switchover_timeout_seconds"),
        ({"switchover_timeout_seconds": 3601}, "switchover_timeout_seconds"),
        ({"switchover_timeout_seconds": "300"}, "switchover_timeout_seconds"),
        ({"delete_old_cluster": "yes"}, "delete_old_cluster"),
        ({"deadlines": {"snapshot_minutes": 1}}, "deadlines.snapshot_minutes"),
        ({"deadlines": {"coffee_minutes": 5}}, "deadlines.coffee_minutes"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_bad_input_names_the_field(change, named):
    raw = {**VALID, **change}
    raw = {key: value for key, value in raw.items() if value is not None}
    with pytest.raises(InvalidUpgradeInput) as error:
        parse_upgrade_input(raw)
    assert named in str(error.value)


@pytest.mark.parametrize("missing", ["cluster_id", "target_engine_version", "strategy"])
def test_missing_required_field_is_named(missing):
    raw = {key: value for key, value in VALID.items() if key != missing}
    with pytest.raises(InvalidUpgradeInput, match=missing):
        parse_upgrade_input(raw)
