"""The SwitchoverWindow Parallel: the switchover in one branch, the write probe in the other. The probe never fails or
holds the upgrade; without database access (or when its function fails) the messages say "not measured" and why; a
failure of the switchover branch still ends at NotifyFailure named by its state. The measurement on real servers is
tested in test_rehearsal_on_real_servers.py."""

from __future__ import annotations

from tests.workflow.conftest import outcome_notifications


def _probe_invocations(outcome: dict) -> list[tuple[float, dict]]:
    """(seconds it ran, what it returned) of each invocation of the probe's function."""
    seconds = [
        e["seconds"]
        for e in outcome["timeline"]
        if e["kind"] == "invoke" and e["name"].startswith("SwitchoverProbeFunction")
    ]
    results = [r["result"] for r in outcome["step_results"] if r["name"].startswith("SwitchoverProbeFunction")]
    return list(zip(seconds, results, strict=True))


def test_without_database_access_the_probe_runs_and_says_not_measured_at_once(simulate) -> None:
    outcome = simulate("seed-blue-green")
    assert outcome["status"] == "SUCCEEDED", outcome["error"]
    states = outcome["states"]
    assert states.index("SwitchoverWindow") < states.index("Switchover") < states.index("VerifyUpgrade")
    assert {"ProbeWrites", "JoinSwitchoverWindow", "SwitchoverOutcome"} <= set(states)
    [(seconds, result)] = _probe_invocations(outcome)
    assert seconds < 1.0, seconds  # no server, no wait: the branch does not hold the join
    reason = "no database access in the input (database.secret_arn)"
    assert result["measured"] is False and result["not_measured"].startswith(reason)
    done = next(n for n in outcome["notifications"] if n["event"] == "switchover_done")["message"]
    final = outcome_notifications(outcome)[-1]["message"]
    for message in (done, final):
        assert f"Write unavailability during the switchover: not measured: {reason}" in message, message


def test_a_failed_probe_does_not_fail_the_upgrade(simulate) -> None:
    fault = {"kind": "task_error", "state": "ProbeWrites", "error": "DatabaseAccessFailed", "message": "no route"}
    outcome = simulate("seed-blue-green", faults=[fault])
    assert outcome["status"] == "SUCCEEDED", outcome["error"]
    assert [f["operation"] for f in outcome["faults_injected"]] == ["ProbeWrites"]
    assert "ProbeNotMeasured" in outcome["states"] and outcome["cluster"]["engine_version"] == "14.18"
    final = outcome_notifications(outcome)[-1]["message"]
    assert (
        "Write unavailability during the switchover: not measured: the probe failed (DatabaseAccessFailed)" in final
    ), final


def test_a_failed_switchover_still_fails_the_upgrade_at_its_own_state(simulate) -> None:
    fault = {"kind": "task_error", "state": "Switchover", "error": "SwitchoverFailed", "message": "refused"}
    outcome = simulate("seed-blue-green", faults=[fault])
    assert outcome["status"] == "FAILED"
    states = outcome["states"]
    assert states.index("SwitchoverOutcome") < states.index("NotifyFailure") and "VerifyUpgrade" not in states
    [failure] = outcome_notifications(outcome)
    assert "FAILED at Switchover" in failure["subject"], failure["subject"]
    assert "Write unavailability during the switchover: not measured" in failure["message"]
