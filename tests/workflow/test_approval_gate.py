"""The approval gate and the event-woken waits, in the executed state machine.

The person at the gate uses the real links of the real awaiting-approval message (GET shows a
page, POST decides) through the real decision function; RDS events reach the waits through the
stack's real EventBridge rule patterns.
"""

from __future__ import annotations

TIMED = {"snapshot": 600, "blue_green_provisioning": 2500, "switchover": 60}


def _input(**extra):
    return {"cluster_id": "prod-db", "target_engine_version": "14.18", "strategy": "blue_green", **extra}


def _callbacks(outcome):
    return [event for event in outcome["timeline"] if event["kind"] == "callback"]


def test_approved_after_ten_minutes_the_switchover_goes_on(simulate):
    outcome = simulate("seed-blue-green", approval={"decision": "approve", "after_seconds": 600})
    assert outcome["status"] == "SUCCEEDED"
    states = outcome["states"]
    assert states.index("NotifyGreenReady") < states.index("AwaitApproval") < states.index("Switchover")
    assert any(c["seconds"] == 600 and "approve" in c["name"] for c in _callbacks(outcome))
    assert outcome["cluster"]["engine_version"] == "14.18"
    asking = [n for n in outcome["notifications"] if "decision=approve" in n["message"]]
    assert len(asking) == 1, "exactly one awaiting-approval message, with the approve link"
    assert "decision=reject" in asking[0]["message"]
    assert "send-task-success" in asking[0]["message"], "the command-line equivalent is offered"


def test_rejected_green_is_deleted_and_blue_serves_as_before(simulate):
    outcome = simulate("seed-blue-green", approval={"decision": "reject", "after_seconds": 120})
    assert outcome["status"] == "FAILED"
    assert "Switchover" not in outcome["states"]
    assert outcome["states"][-3:] == ["RestoreCapacityAfterAbandon", "NotifyAbandoned", "UpgradeAbandoned"]
    assert outcome["clusters"] == ["prod-db"], "green is deleted, nothing else is left"
    assert outcome["blue_green_deployments"] == []
    assert outcome["cluster"]["engine_version"] == "13.20"
    assert outcome["cluster"]["min_capacity"] == 0.5, "the capacity raised for the upgrade is given back"
    assert len(outcome["snapshots"]) == 1, "the pre-upgrade snapshot is kept"
    last = outcome["notifications"][-1]
    assert "prod-db" in last["subject"] and "reject" in (last["subject"] + last["message"]).lower()


def test_no_answer_before_the_timeout_backs_out(simulate):
    outcome = simulate(
        "seed-blue-green",
        input=_input(approval_timeout_seconds=3600),
        approval={"decision": "timeout"},
    )
    assert outcome["status"] == "FAILED"
    assert any(c["seconds"] == 3600 for c in _callbacks(outcome)), "the gate waited its whole timeout"
    assert "AbandonGreen" in outcome["states"] and "Switchover" not in outcome["states"]
    assert outcome["clusters"] == ["prod-db"] and outcome["blue_green_deployments"] == []
    assert outcome["cluster"]["engine_version"] == "13.20"


def test_no_approval_asked_goes_straight_to_the_switchover(simulate):
    outcome = simulate("seed-blue-green", input=_input(require_approval=False))
    assert outcome["status"] == "SUCCEEDED"
    assert "AwaitApproval" not in outcome["states"]
    assert not [n for n in outcome["notifications"] if "decision=approve" in n["message"]]


def test_long_waits_are_woken_by_rds_events_not_by_polling(simulate):
    outcome = simulate("seed-blue-green", durations=TIMED, input=_input(require_approval=False))
    assert outcome["status"] == "SUCCEEDED"
    woken = [e for e in outcome["timeline"] if e["kind"] == "invoke" and e["name"].startswith("WakeFunction")]
    assert woken, "the RDS events reached the wake function through the rule"
    green_ready = next(r for r in outcome["reaction_delays"] if r["change"] == "blue_green_provisioning")
    assert green_ready["delay_seconds"] == 0, "the check ran as the event arrived"
    assert outcome["states"].count("AwaitGreen") <= 5, "40 minutes of provisioning, few wake-ups"
    assert outcome["simulated_duration_seconds"] >= 2500 + 600


def test_without_events_the_timeout_is_the_polling_fallback(simulate):
    outcome = simulate("seed-blue-green", durations=TIMED, input=_input(require_approval=False), rds_events=False)
    assert outcome["status"] == "SUCCEEDED"
    green_ready = next(r for r in outcome["reaction_delays"] if r["change"] == "blue_green_provisioning")
    assert green_ready["delay_seconds"] == 500, "found by the 10-minute fallback check (due 2500 s, checked at 3000 s)"
