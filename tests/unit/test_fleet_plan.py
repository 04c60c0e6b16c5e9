"""A fleet is planned whole before anything starts, and each wave decides whether the fleet goes on."""

from __future__ import annotations

from typing import Any

import pytest

from upgrade.fleet.models import ChildResult, FleetState, InvalidFleetInput, parse_fleet_input
from upgrade.fleet.planning import EXECUTION_NAME_LIMIT, child_execution_name, plan_fleet
from upgrade.fleet.report import Row, table
from upgrade.fleet.waves import finish_wave

# what DescribeDBEngineVersions lists as major targets (the simulator's catalogue agrees)
TARGETS = {
    "13.20": ["13.21", "14.17", "14.18", "15.12", "15.13", "16.8"],
    "14.18": ["15.13", "16.9"],
    "13.9": ["14.6", "15.4", "15.10"],
}


class FakeRds:
    """The two reads planning makes: a cluster by identifier, a version's catalogue entry."""

    def __init__(self, clusters: dict[str, tuple[str, dict[str, str]]]) -> None:
        self.clusters = clusters
        self.described: list[str] = []

    def find_cluster(self, cluster_id: str) -> dict[str, Any] | None:
        self.described.append(cluster_id)
        if cluster_id not in self.clusters:
            return None
        version, tags = self.clusters[cluster_id]
        return {
            "DBClusterIdentifier": cluster_id,
            "Engine": "aurora-postgresql",
            "EngineVersion": version,
            "TagList": [{"Key": k, "Value": v} for k, v in tags.items()],
        }

    def engine_version(self, version: str, include_unavailable: bool = False) -> dict[str, Any] | None:
        assert include_unavailable, "a cluster may run a deprecated minor: IncludeAll"
        targets = [
            {"EngineVersion": t, "IsMajorVersionUpgrade": t.split(".")[0] != version.split(".")[0]}
            for t in TARGETS[version]
        ]
        return {"EngineVersion": version, "ValidUpgradeTarget": targets}


WORLD = {
    "dev-1": ("13.20", {"upgrade-wave": "canary"}),
    "stage-1": ("13.20", {"upgrade-wave": "1"}),
    "stage-2": ("14.18", {"upgrade-wave": "1"}),
    "prod-1": ("13.20", {"upgrade-wave": "10"}),
    "prod-2": ("14.18", {"upgrade-wave": "2"}),
    "other": ("13.20", {"team": "x"}),
}
CONFIGURED = tuple(WORLD)


def _plan(**given: Any) -> FleetState:
    raw = {"name": "pg13", "strategy": "in_place", "target": {"major": 15}, **given}
    return plan_fleet(parse_fleet_input(raw), CONFIGURED, FakeRds(WORLD), "fleet-run-1")  # type: ignore[arg-type]


def test_a_tag_selection_plans_canary_then_waves_in_the_tags_natural_order() -> None:
    state = _plan(
        select={"tag": "upgrade-wave"},
        plan={"canary": ["dev-1"], "wave_tag": "upgrade-wave", "bake_seconds": 600, "canary_bake_seconds": 60},
    )
    assert [(w.name, [r.cluster_id for r in w.clusters], w.bake_seconds) for w in state.waves] == [
        ("canary", ["dev-1"], 60),
        ("wave 1", ["stage-1", "stage-2"], 600),
        ("wave 2", ["prod-2"], 600),
        ("wave 10", ["prod-1"], 0),  # nothing to bake after the last wave
    ]
    assert "other" not in {r.cluster_id for r in state.clusters}


def test_the_latest_minor_every_cluster_reaches_is_the_target() -> None:
    state = _plan(clusters=["stage-1", "stage-2"])
    assert {r.cluster_id: r.target_version for r in state.clusters} == {"stage-1": "15.13", "stage-2": "15.13"}
    run = state.clusters[0]
    assert run.input == {
        "cluster_id": "stage-1",
        "target_engine_version": "15.13",
        "strategy": "in_place",
        "mode": "upgrade",
    }
    assert run.execution_name == "fleet-stage-1-to-15-13"


def test_no_common_minor_is_refused_naming_what_each_cluster_reaches() -> None:
    world = {**WORLD, "old": ("13.9", {})}
    given = parse_fleet_input(
        {"name": "pg13", "strategy": "in_place", "target": {"major": 15}, "clusters": ["old", "stage-2"]}
    )
    with pytest.raises(InvalidFleetInput, match=r"no 15.x version .* \(old: 15.4, 15.10; stage-2: 15.13\)"):
        plan_fleet(given, (*CONFIGURED, "old"), FakeRds(world), "run")  # type: ignore[arg-type]


def test_targets_per_major_and_clusters_already_there_are_skipped() -> None:
    world = {"a": ("13.20", {}), "b": ("15.13", {})}
    given = parse_fleet_input({"name": "f", "strategy": "in_place", "targets": {"13": "15.13"}, "clusters": ["a", "b"]})
    state = plan_fleet(given, ("a", "b"), FakeRds(world), "run")  # type: ignore[arg-type]
    assert [r.cluster_id for r in state.clusters] == ["a"]
    assert [o.line for o in state.outcomes] == ["b: skipped, already on 15.13"]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"clusters": ["dev-1", "nope"]}, "not in the deployment's configuration .*: nope"),
        ({"clusters": ["dev-1"], "plan": {"canary": ["stage-1"]}}, "plan.canary names clusters that are not selected"),
        ({"clusters": ["dev-1"], "select": {"tag": "x"}}, "either by list .* or by tag"),
        ({"clusters": ["dev-1"], "upgrade": {"cluster_id": "x"}}, "cluster_id are set by the fleet"),
        ({"clusters": ["dev-1"], "upgrade": {"require_approval": True}}, "dev-1 would be refused: .*require_approval"),
        ({"select": {"tag": "team", "values": ["nobody"]}}, "no configured cluster has the tag team=nobody"),
        ({"clusters": ["dev-1", "other"], "plan": {"wave_tag": "upgrade-wave"}}, "no tag upgrade-wave: other"),
        ({"clusters": ["dev-1", "dev-1"]}, "clusters listed twice: dev-1"),
        ({"clusters": ["dev-1"], "plan": {"max_concurrency": 0}}, "plan.max_concurrency"),
        ({"clusters": ["dev-1"], "nme": "x"}, "nme: Extra inputs are not permitted"),
    ],
)
def test_an_input_that_cannot_be_planned_is_refused_before_anything_starts(given: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidFleetInput, match=message):
        _plan(**given)


def test_child_names_are_deterministic_fit_80_characters_and_change_with_the_attempt() -> None:
    long_id = "c" + "-x" * 31  # 63 characters, the longest cluster identifier
    given = parse_fleet_input({"name": "f", "strategy": "in_place", "targets": {"13": "15.13"}, "clusters": [long_id]})
    name = child_execution_name(given, long_id, "15.13", "run-1")
    assert name == child_execution_name(given, long_id, "15.13", "run-2"), "the fleet's own run does not matter"
    assert len(name) <= EXECUTION_NAME_LIMIT and name.startswith("fleet-c-x") and name.endswith("-to-15-13")
    again = given.model_copy(update={"attempt": 2})
    assert child_execution_name(again, "a", "15.13", "run") == "fleet-a-to-15-13-a2"
    preflight = given.model_copy(update={"mode": "preflight"})
    assert child_execution_name(preflight, "a", "15.13", "run-1") != child_execution_name(
        preflight, "a", "15.13", "run-2"
    )


def _three_waves() -> FleetState:
    return _plan(
        select={"tag": "upgrade-wave"},
        plan={"canary": ["dev-1"], "wave_tag": "upgrade-wave", "failure_threshold": 2},
    )


def _results(state: FleetState, failed: set[str]) -> list[ChildResult]:
    wave = state.waves[state.next_wave]
    return [
        ChildResult(
            cluster_id=r.cluster_id,
            execution_name=r.execution_name,
            status="FAILED" if r.cluster_id in failed else "SUCCEEDED",
            error="States.TaskFailed",
        )
        for r in wave.clusters
    ]


def _failed_child(name: str) -> dict[str, Any]:
    return {"status": "FAILED", "error": "UpgradeFailed", "cause": "The upgrade failed"}


def _stopped_in_preflight(name: str) -> dict[str, Any]:
    return {
        "failure": {"Preflight": {"Error": "PreflightFailed", "Cause": "..."}},
        "plan": {"report": {"checks": [{"id": "CP-global-database", "status": "fail"}, {"id": "x", "status": "pass"}]}},
    }


def test_one_canary_failure_stops_every_wave_and_names_the_clusters_not_started() -> None:
    state = _three_waves()
    state = finish_wave(state, _results(state, {"dev-1"}), _failed_child, _stopped_in_preflight)
    assert state.stopped and state.done and state.failures == 1
    assert state.stop_reason.startswith("canary: 1 of 1 clusters failed (dev-1)")
    assert [o.cluster_id for o in state.with_status("not_started")] == ["stage-1", "stage-2", "prod-2", "prod-1"]
    [failed] = state.with_status("failed")
    assert failed.line == (
        "dev-1: failed (13.20 -> 15.13): Preflight: PreflightFailed (CP-global-database) "
        "(execution fleet-dev-1-to-15-13)"
    )


def test_a_wave_below_its_threshold_goes_on_and_one_at_it_stops_the_later_waves() -> None:
    state = _three_waves()
    state = finish_wave(state, _results(state, set()), _failed_child, lambda name: None)
    state = finish_wave(state, _results(state, {"stage-1"}), _failed_child, lambda name: None)
    assert not state.stopped and state.next_wave == 2 and state.failures == 1, "1 failure, threshold 2: go on"
    assert state.with_status("failed")[0].line.startswith("stage-1: failed (13.20 -> 15.13): UpgradeFailed")
    state = state.model_copy(update={"failure_threshold": 1})
    state = finish_wave(state, _results(state, {"prod-2"}), _failed_child, lambda name: None)
    assert state.stopped
    assert [o.line for o in state.with_status("not_started")] == [
        "prod-1: not started (wave 10), the fleet stopped after wave 2"
    ]


def test_a_name_used_before_takes_the_earlier_executions_outcome() -> None:
    state = _plan(clusters=["stage-1", "stage-2"])
    results = [
        ChildResult(cluster_id=r.cluster_id, execution_name=r.execution_name, status="EXISTS") for r in state.clusters
    ]
    earlier = {
        "fleet-stage-1-to-15-13": {"status": "SUCCEEDED"},
        "fleet-stage-2-to-15-13": {"status": "FAILED", "error": "UpgradeFailed"},
    }
    state = finish_wave(state, results, earlier.get, lambda name: None)
    assert [o.status for o in state.outcomes] == ["succeeded", "failed"]
    assert "by an earlier execution (fleet-stage-1-to-15-13)" in state.outcomes[0].line
    assert 'ended FAILED: UpgradeFailed; once fixed, start the fleet again with a higher "attempt"' in (
        state.outcomes[1].line
    )


def test_the_preflight_table_has_a_row_per_cluster_and_lists_the_first_blockers() -> None:
    rows = [
        Row(cluster_id="a", version="13.20", target="15.13", strategy="in_place", verdict="ready", execution="x"),
        Row(
            cluster_id="bb",
            version="14.18",
            target="15.13",
            strategy="in_place",
            verdict="blocked",
            blockers=[f"B{i}: no" for i in range(5)],
            execution="y",
            report="s3://r/bb.json",
        ),
    ]
    lines = table(rows).splitlines()
    assert lines[0].split() == ["cluster", "version", "target", "strategy", "verdict", "blockers", "warnings"]
    assert lines[2].split() == ["bb", "14.18", "15.13", "in_place", "blocked", "5", "0"]
    assert lines[3:] == [
        "bb blocker: B0: no",
        "bb blocker: B1: no",
        "bb blocker: B2: no",
        "bb: 2 more blockers in s3://r/bb.json",
    ]


def test_the_readme_example_is_a_valid_fleet_input() -> None:
    import json
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "fleet-input.json"
    given = parse_fleet_input(json.loads(example.read_text()))
    assert given.select is not None and given.target is not None and given.plan.canary == ["dev-orders"]


def test_a_fleet_too_large_for_the_state_quota_is_refused_before_anything_starts() -> None:
    world = {f"db-{n:04d}": ("13.20", {}) for n in range(900)}
    given = parse_fleet_input(
        {"name": "huge", "strategy": "in_place", "targets": {"13": "15.13"}, "clusters": list(world)}
    )
    with pytest.raises(InvalidFleetInput, match=r"the plan of 900 clusters takes \d+ bytes; .* split it"):
        plan_fleet(given, tuple(world), FakeRds(world), "run")  # type: ignore[arg-type]
    fits = parse_fleet_input(
        {"name": "big", "strategy": "in_place", "targets": {"13": "15.13"}, "clusters": list(world)[:300]}
    )
    assert len(plan_fleet(fits, tuple(world), FakeRds(world), "run").clusters) == 300  # type: ignore[arg-type]


def test_a_failed_fleet_step_says_what_had_finished_and_the_next_attempt() -> None:
    from upgrade.fleet.messages import fleet_failed

    state = _three_waves()
    state = finish_wave(state, _results(state, set()), _failed_child, lambda name: None)
    message = fleet_failed("pg13", "in_place", state, "Lambda.ServiceException", "Rate exceeded", "run-1")
    assert message.title == "fleet pg13 stopped: Lambda.ServiceException"
    assert message.body == [
        "Lambda.ServiceException: Rate exceeded",
        "Outcomes so far:",
        "dev-1: upgraded 13.20 -> 15.13 (execution fleet-dev-1-to-15-13)",
    ]
    assert '"attempt": 2' in message.next_steps[0].text
