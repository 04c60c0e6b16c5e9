"""The benchmark's arithmetic: cost estimate, reaction delays, targets, the results file and the table."""

import pytest

from benchmarks.metrics import (
    PRICES,
    HandlerMetrics,
    Invocation,
    ScenarioMetrics,
    cold_starts,
    estimate_cost,
    evaluate,
    format_table,
    invocations_from_timeline,
    render,
    results_document,
    summarize_reactions,
    verdict,
)

CHECK_GREEN = "CheckBlueGreenFunctionB1C60D5F"
NOTIFY = "NotifyFunction0D8C391B"


def test_prices_are_the_published_list_prices():
    assert PRICES.step_functions_per_transition == pytest.approx(0.000025)
    assert PRICES.lambda_per_request == pytest.approx(0.0000002)
    assert PRICES.lambda_arm64_per_gb_second == pytest.approx(0.0000133334)


def test_cost_of_a_blue_green_upgrade_adds_transitions_requests_and_gb_seconds():
    # 140 transitions, 55 runs of 256 MB functions lasting 0.4 s each
    calls = [Invocation(CHECK_GREEN, 256, 0.4)] * 55
    cost = estimate_cost(140, calls)
    assert cost.step_functions_usd == pytest.approx(0.0035)
    assert cost.lambda_requests_usd == pytest.approx(0.000011)
    assert cost.gb_seconds == pytest.approx(5.5)
    assert cost.lambda_compute_usd == pytest.approx(5.5 * 0.0000133334)
    assert cost.total_usd == pytest.approx(0.0035 + 0.000011 + 5.5 * 0.0000133334)


def test_lambda_duration_is_billed_rounded_up_to_the_millisecond_and_inits_cost_compute_not_requests():
    cost = estimate_cost(0, [Invocation(NOTIFY, 1024, 0.0001)], inits=[Invocation(NOTIFY, 1024, 0.2864)])
    assert cost.gb_seconds == pytest.approx(0.001 + 0.287)
    assert cost.lambda_requests_usd == pytest.approx(PRICES.lambda_per_request)


def test_handler_runs_come_from_invoke_and_error_events_with_measured_or_assumed_durations():
    timeline = [
        {"at_seconds": 0, "kind": "invoke", "name": CHECK_GREEN, "invocation_seconds": 0.25},
        {"at_seconds": 0, "kind": "wait", "name": "Wait", "seconds": 60},
        {"at_seconds": 60, "kind": "retry", "name": "Retry", "seconds": 2.0},
        {"at_seconds": 62, "kind": "error", "name": CHECK_GREEN, "error": "AwsThrottled", "message": "slow down"},
        {"at_seconds": 62, "kind": "error", "name": NOTIFY, "error": "Lambda.ServiceException", "injected": True},
        {"at_seconds": 63, "kind": "invoke", "name": "UnknownFunction"},
        {"at_seconds": 63, "kind": "callback", "name": "approval", "seconds": 300.0},
        {"at_seconds": 363, "kind": "invoke", "name": NOTIFY, "seconds": 0.0123},
    ]
    calls, measured = invocations_from_timeline(timeline, {CHECK_GREEN: 512}, default_memory_mb=128)
    assert measured == 2
    assert calls == [
        Invocation(CHECK_GREEN, 512, 0.25),
        Invocation(CHECK_GREEN, 512, 1.0),
        Invocation("UnknownFunction", 128, 1.0),
        Invocation(NOTIFY, 128, 0.0123),
    ]


def test_one_cold_start_per_function_invoked_lasting_its_import():
    calls = [Invocation(CHECK_GREEN, 256, 0.3)] * 40 + [Invocation(NOTIFY, 256, 0.5)]
    inits = cold_starts(calls, {CHECK_GREEN: 0.28, "VerifyUpgradeFunction1": 0.3})
    assert inits == [Invocation(CHECK_GREEN, 256, 0.28)]


def test_reaction_delays_keep_the_worst_overall_and_per_change():
    delays = [
        {"resource": "prod-db-snapshot", "change": "snapshot", "changed_at": 610, "acted_at": 660, "delay_seconds": 50},
        {
            "resource": "prod-db-bg",
            "change": "blue_green_provisioning",
            "changed_at": 3000,
            "acted_at": 3055.5,
            "delay_seconds": 55.5,
        },
        {"resource": "prod-db-snapshot", "change": "snapshot", "changed_at": 700, "acted_at": 701, "delay_seconds": 1},
        {"resource": "prod-db", "change": "reboot", "changed_at": 4000, "acted_at": None, "delay_seconds": None},
    ]
    summary = summarize_reactions(delays)
    assert summary.reported
    assert summary.max_seconds == 55.5
    assert summary.worst == "blue_green_provisioning of prod-db-bg"
    assert summary.by_change == {"snapshot": 50.0, "blue_green_provisioning": 55.5}
    assert summary.unacted == 1


def test_reaction_delays_absent_or_empty():
    assert summarize_reactions(None).reported is False
    empty = summarize_reactions([])
    assert empty.reported and empty.max_seconds is None and empty.worst is None
    never = summarize_reactions([{"resource": "prod-db", "change": "reboot", "delay_seconds": None}])
    assert never.max_seconds is None and never.unacted == 1


@pytest.mark.parametrize(("value", "expected"), [(150, "pass"), (150.5, "FAIL"), (0, "pass"), (None, "n/a")])
def test_verdict_at_the_limit(value, expected):
    assert verdict(value, 150) == expected


def _document(bg_transitions=163, import_ms=386.3, delay=None):
    return results_document(
        {
            "blue_green": ScenarioMetrics(bg_transitions, 55, delay, 0.0045123456),
            "in_place": ScenarioMetrics(400, 90, 30.04, 0.0031),
        },
        {
            "PreflightFunction": HandlerMetrics(import_ms, 1_487_943),
            "NotifyFunction": HandlerMetrics(283.04, 205_708),
        },
        boto3_import_ms=150.04,
        synth_s=12.3456,
        suite_s=None,
    )


def test_results_file_has_exactly_the_agreed_keys_rounded_and_null_when_unmeasured():
    document = _document()
    assert list(document) == ["blue_green", "in_place", "boto3_import_ms", "handlers", "synth_s", "suite_s"]
    for name in ("blue_green", "in_place"):
        assert set(document[name]) == {"transitions", "lambda_invocations", "max_reaction_delay_s", "cost_usd"}
    assert document["blue_green"] == {
        "transitions": 163,
        "lambda_invocations": 55,
        "max_reaction_delay_s": None,
        "cost_usd": 0.004512,
    }
    assert document["boto3_import_ms"] == 150.0
    assert document["handlers"]["NotifyFunction"] == {
        "import_ms": 283.0,
        "import_ratio": 1.89,
        "import_instructions_ratio": None,  # valgrind absent: not measured
        "package_bytes": 205_708,
    }
    assert document["synth_s"] == 12.35 and document["suite_s"] is None


def test_targets_apply_to_blue_green_counts_to_every_reaction_delay_and_to_each_handler():
    checks = {(c.subject, c.label): c.verdict for c in evaluate(_document())}
    assert checks[("blue_green", "state transitions")] == "FAIL"
    assert checks[("blue_green", "Lambda invocations")] == "pass"
    assert ("in_place", "state transitions") not in checks  # 400 transitions in place: no target
    assert checks[("blue_green", "max reaction delay (s)")] == "n/a"
    assert checks[("in_place", "max reaction delay (s)")] == "pass"
    assert checks[("PreflightFunction", "handler import (x boto3)")] == "FAIL"  # 386.3 / 150.04 = 2.57
    assert checks[("NotifyFunction", "handler import (x boto3)")] == "pass"  # 1.89


def test_table_columns_line_up():
    table = format_table(["metric", "blue_green"], [["state transitions", "163 FAIL"], ["cost", "0.00451"]])
    lines = table.splitlines()
    assert lines[0] == "metric             blue_green"
    assert lines[1] == "-----------------  ----------"
    assert lines[2] == "state transitions    163 FAIL"
    assert lines[3] == "cost                  0.00451"


def test_report_shows_verdicts_next_to_numbers_and_lists_what_missed():
    report = render(
        _document(),
        {"PreflightFunction": "preflight.handler.handler", "NotifyFunction": "notify.handler.handler"},
        {"blue_green": {"outcome": "SUCCEEDED"}, "in_place": {"outcome": "SUCCEEDED"}},
        ["cost is an estimate"],
    )
    transitions = next(line for line in report.splitlines() if line.startswith("state transitions"))
    assert "163 FAIL" in transitions and "400" in transitions
    assert "400 pass" not in transitions and "400 FAIL" not in transitions
    reaction = next(line for line in report.splitlines() if line.startswith("max reaction delay"))
    assert "n/a" in reaction and "30.0 pass" in reaction
    assert "2.57 FAIL" in report and "1,487,943" in report and "bare `import boto3` 150 ms" in report
    assert "Targets: 3 pass, 2 FAIL, 1 n/a" in report
    assert "FAIL blue_green: state transitions 163 > 150" in report
    assert "FAIL PreflightFunction: handler import (x boto3) 2.57 > 2" in report
    assert report.rstrip().endswith("- cost is an estimate")


def test_report_when_every_target_passes():
    report = render(_document(bg_transitions=120, import_ms=250.0, delay=42.0), {}, {}, [])
    assert "Targets: 6 pass, 0 FAIL, 0 n/a" in report
    assert "FAIL" not in report.replace("0 FAIL", "")


def test_a_handlers_ratio_is_the_median_of_its_pairs_when_measured_so():
    # a handler measured while the machine was busy: 400 ms against a run-wide boto3 median of 200 ms, but each of
    # its pairs (handler right after boto3) was slow on both halves, 1.6 x
    document = results_document(
        {name: ScenarioMetrics(None, None, None, None) for name in ("blue_green", "in_place")},
        {"Busy": HandlerMetrics(400.0, 1, import_ratio=1.6), "Plain": HandlerMetrics(300.0, 1)},
        200.0,
        None,
        None,
    )
    assert document["handlers"]["Busy"]["import_ratio"] == 1.6
    assert document["handlers"]["Plain"]["import_ratio"] == 1.5


def test_the_instruction_ratio_is_shown_beside_the_wall_clock_one_and_judges_nothing():
    """The instruction ratio barely moves between runs: shown for reading the noisy wall-clock ratio, not a target."""
    handlers = {
        "Steady": HandlerMetrics(290.0, 1, import_ratio=2.1, import_instructions_ratio=1.8444),
        "Unmeasured": HandlerMetrics(280.0, 1, import_ratio=1.9),
    }
    scenarios = {name: ScenarioMetrics(None, None, None, None) for name in ("blue_green", "in_place")}
    document = results_document(scenarios, handlers, 140.0, None, None)
    assert document["handlers"]["Steady"]["import_instructions_ratio"] == 1.84
    report = render(document, {"Steady": "steady.handler.x"}, {}, [])
    assert "instructions x boto3" in report
    steady = next(line for line in report.splitlines() if line.strip().startswith("Steady"))
    assert "2.10 FAIL" in steady and "1.84" in steady
    unmeasured = next(line for line in report.splitlines() if line.strip().startswith("Unmeasured"))
    assert "n/a" in unmeasured
    assert [c.value for c in evaluate(document) if c.subject == "Steady"] == [2.1]
