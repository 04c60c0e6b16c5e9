"""The fault matrix: every Task state of the synthesized definition meets a transient and a terminal fault.

* transient: the state's Lambda fails with ``AwsThrottled`` twice, before its handler runs. The retrier
  (15 s, x2) must absorb it: the state runs a third time and the execution ends exactly as the
  fault-free run of the same scenario.
* terminal: ``InjectedTerminalFault`` (no retrier names it) once. The execution must end FAILED in a Fail
  state (rolled back, for the in-place states), a failure notification must name the state, and the
  invariants of ``tests/workflow/invariants.py`` must hold.

A state beside the upgrade (the switchover's write probe) or a progress message must not change how it ends.
A state is exercised in the first of ``VARIANTS`` whose fault-free run enters it. The states come from
the definition, and their number is pinned, so a new Task state cannot be forgotten.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from simulator.engine import runner
from simulator.engine.harness import task_functions
from simulator.engine.runner import run_scenario
from simulator.engine.template import SynthesizedWorkflow, load_workflow
from simulator.scenario.model import Scenario
from tests.workflow.conftest import SharedRuns, shipped
from tests.workflow.invariants import Run, violations

ASL = Path(__file__).resolve().parents[2] / "statemachines" / "upgrade.asl.json"
EXPECTED_TASK_STATES = 46
TRANSIENT, TRANSIENT_TIMES, TRANSIENT_BACKOFF = "AwsThrottled", 2, (15.0, 30.0)
TERMINAL = "InjectedTerminalFault"
# The notifier of failures cannot name its own failure in the notification it failed to send.
FAILURE_NOTIFIER = "NotifyFailure"
# The last notifiers of a failed run: when they fail there is nobody left to tell (the run still ends FAILED,
# which Step Functions' execution status events report); the capacity notifier's message would have been the fix.
LAST_NOTIFIERS = {FAILURE_NOTIFIER: ("step",), "NotifyCapacityNotRestored": ("step", "capacity")}
KINDS = ("transient", "terminal")
# Progress messages (Parameters.milestone): a failure to send one is caught and the upgrade goes on.
PROGRESS_NOTIFIERS = {
    name for name, state in json.loads(ASL.read_text())["States"].items() if "milestone" in state.get("Parameters", {})
}
# Beside the upgrade: the switchover's write probe (a Parallel branch); its failure is caught and recorded as "not
# measured", and the upgrade goes on.
BESIDE_THE_UPGRADE = {"ProbeWrites"}


def parallel_states(definition: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The states inside a Parallel's branches, and those of its later branches: the branches run at once, so the
    order of their states and invocations against each other is not fixed (the first branch's own order is)."""
    inside: set[str] = set()
    beside: set[str] = set()
    for state in definition["States"].values():
        for n, branch in enumerate(state.get("Branches", [])):
            names = set(branch["States"])
            inside |= names
            beside |= names if n else set()
    return inside, beside


IN_PARALLEL, BESIDE = parallel_states(json.loads(ASL.read_text()))

# The matrix compares a faulty run with the fault-free one: changes complete after a number of describes,
# not at a time, so the 15 s + 30 s of a retried fault do not move when green becomes ready.
_UNTIMED = {"durations": {}}
_SEED_CLUSTER = shipped("seed-blue-green").cluster.model_dump()


def task_state_names(definition: dict[str, Any]) -> list[str]:
    """Every Task state, nested branches included (works on the source ASL, whose ARNs are placeholders)."""
    names: list[str] = []
    for name, state in definition["States"].items():
        if state["Type"] == "Task":
            names.append(name)
        for branch in state.get("Branches", []):
            names += task_state_names(branch)
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                names += task_state_names(state[key])
    return names


# parametrized from the source ASL at collection; the synthesized definition is checked against it below
TASK_STATES = task_state_names(json.loads(ASL.read_text()))


@dataclass(frozen=True)
class Variant:
    """A shipped scenario, optionally changed, that the matrix runs with faults."""

    name: str
    scenario: str
    changes: dict[str, Any] = field(default_factory=dict)

    def build(self, faults: list[dict[str, Any]]) -> Scenario:
        raw = shipped(self.scenario).model_dump()
        raw.update(copy.deepcopy(self.changes))
        raw["faults"] = [*raw["faults"], *faults]
        return Scenario.model_validate(raw)


def _rollback_deleting_the_failed_cluster() -> Variant:
    cluster = shipped("in-place-failed-rollback").cluster.model_dump()
    given = {"cluster_id": "dev-db", "target_engine_version": "15.13", "strategy": "in_place"}
    changes = {"input": {**given, "delete_failed_cluster": True}, "cluster": {**cluster, "deletion_protection": False}}
    return Variant("rollback-deleting-failed-cluster", "in-place-failed-rollback", changes)


VARIANTS = (
    Variant("seed-blue-green", "seed-blue-green", _UNTIMED),  # preflight and every blue/green state
    # AbandonGreen and what follows it: a person rejects the switchover
    Variant(
        "approval-rejected", "seed-blue-green", {**_UNTIMED, "approval": {"decision": "reject", "after_seconds": 60}}
    ),
    Variant("in-place-custom-groups", "in-place-custom-groups"),  # the in-place states
    Variant("in-place-failed-rollback", "in-place-failed-rollback"),  # the rollback and restore states
    _rollback_deleting_the_failed_cluster(),  # DeleteFailedCluster
    Variant("preflight-report-only", "preflight-report-only"),  # NotifyPreflightReport
    # the variants below exercise permissions (test_every_permission_is_needed_by_a_run), not more states
    Variant("rollback-cmk", "in-place-failed-rollback-cmk"),  # KMS through RDS for an encrypted snapshot
    Variant("provisioned-custom-groups", "provisioned-custom-groups"),  # custom groups read, old cluster deleted
    Variant("standalone-restore", "standalone-restore"),  # a named snapshot found
    # RDS events end the waits (Wake), green of a cluster with a customer managed key, an RDS proxy in front
    Variant(
        "events-cmk-proxy",
        "seed-blue-green",
        {"cluster": {**_SEED_CLUSTER, "encryption": "customer", "rds_proxies": ["app-proxy"]}},
    ),
    Variant("global-member", "global-member-blue-green"),  # what RDS does to the global cluster for the caller
    Variant("interrupted-rollback", "interrupted-rollback"),  # the cluster moved aside found and named
    Variant("interrupted-rollback-finished", "interrupted-rollback-finished"),
    Variant("rerun-after-success", "rerun-after-success"),  # NotifyAlreadyUpgraded (second run)
    Variant("green-invalid-configuration", "green-invalid-configuration"),  # NotifyFailure and its clean-up
    # NotifyCapacityNotRestored: the capacity restore after a failure fails too
    Variant(
        "capacity-not-restored",
        "green-invalid-configuration",
        {
            "faults": [
                {"kind": "blue_green_invalid_configuration"},
                {"kind": "task_error", "state": "RestoreCapacityAfterFailure", "error": "Boom", "times": 1},
            ]
        },
    ),
)


# (state, kind) -> the problems found; filled by the matrix tests, checked by the last test of the module
class Matrix:
    """Runs the variants against one synthesis; their fault-free runs are the session's shared runs (made once, by
    whichever pytest-xdist worker needs one first: the same synthesized sources give the same run)."""

    def __init__(self, cdk_out: Path, shared_runs: SharedRuns) -> None:
        self.cdk_out = cdk_out
        self.shared_runs = shared_runs
        self.definition = load_workflow(cdk_out, "us-east-1").definition
        self.functions = task_functions(self.definition)
        self._baselines: dict[str, Run] = {}

    def concurrent(self, state: str) -> set[str]:
        """The functions that may run at once with ``state``'s (those of the Parallel it is in)."""
        return {self.functions[s] for s in IN_PARALLEL if s in self.functions} if state in IN_PARALLEL else set()

    def run(self, variant: Variant, faults: list[dict[str, Any]]) -> Run:
        scenario = variant.build(faults)
        return Run(scenario, run_scenario(scenario, self.cdk_out), self.definition)

    def baseline(self, variant: Variant) -> Run:
        if variant.name not in self._baselines:
            scenario = variant.build([])
            self._baselines[variant.name] = Run(scenario, self.shared_runs.run(scenario), self.definition)
        return self._baselines[variant.name]

    def variant_for(self, state: str) -> Variant | None:
        """The first variant whose fault-free run enters ``state``."""
        return next((v for v in VARIANTS if state in self.baseline(v).outcome["states"]), None)


@pytest.fixture(scope="module")
def matrix(cdk_out: Path, shared_runs: SharedRuns) -> Matrix:
    return Matrix(cdk_out, shared_runs)


def task_error(state: str, error: str, times: int) -> dict[str, Any]:
    return {"kind": "task_error", "state": state, "error": error, "times": times}


def fired(run: Run, state: str, times: int) -> list[str]:
    count = sum(1 for f in run.outcome["faults_injected"] if f["kind"] == "task_error" and f["operation"] == state)
    return [] if count == times else [f"the fault at {state} fired {count} times, not {times}"]


def ending(outcome: dict[str, Any]) -> dict[str, Any]:
    """What a run leaves behind, without the names moto draws at random (green clusters)."""
    cluster = outcome["cluster"] or {}
    keys = ("engine_version", "status", "db_cluster_parameter_group", "min_capacity", "max_capacity")
    return {
        "status": outcome["status"],
        "states": [state for state in outcome["states"] if state not in BESIDE],
        "states_beside": sorted(state for state in outcome["states"] if state in BESIDE),
        "cluster": {key: cluster.get(key) for key in keys},
        "instances": [(i["id"], i["writer"], i["engine_version"], i["parameter_group"]) for i in cluster["instances"]]
        if cluster
        else [],
        "clusters": len(outcome["clusters"]),
        "snapshots": sorted(s["status"] for s in outcome["snapshots"]),
        # forwarded RDS events name the deployment, whose id moto draws at random
        "notifications": [n["subject"] for n in outcome["notifications"] if n.get("event") != "rds_event"],
    }


def same_ending(run: Run, base: Run) -> list[str]:
    got, want = ending(run.outcome), ending(base.outcome)
    return [
        f"{key} differs from the fault-free run: {got[key]} != {want[key]}" for key in want if got[key] != want[key]
    ]


def retried(run: Run, base: Run, state: str, function: str, concurrent: set[str]) -> list[str]:
    """Two injected failures, each followed by the backoff sleep, then the handler ran: three attempts.

    ``concurrent``: the functions of the other states inside the same Parallel, whose events (and the Waits of its
    branches) interleave with the state's in no fixed order."""
    timeline = [
        e
        for e in run.outcome["timeline"]
        if e.get("via") != "event"  # the workflow's own steps
        and not (concurrent and (e["name"] in concurrent - {function} or e["kind"] == "wait"))
    ]
    injected = [i for i, e in enumerate(timeline) if e.get("injected") and e.get("state") == state]
    if len(injected) != TRANSIENT_TIMES:
        return [f"{len(injected)} injected failures of {state} in the timeline, not {TRANSIENT_TIMES}"]
    window = timeline[injected[0] : injected[-1] + 3]
    got = [(e["kind"], e["seconds"] if e["kind"] == "retry" else e["name"]) for e in window]
    want = [("error", function), ("retry", 15.0), ("error", function), ("retry", 30.0), ("invoke", function)]
    problems = [] if got == want else [f"{state} attempts were {got}, not {want}"]
    extra = Counter(run.outcome["retry_sleeps_seconds"]) - Counter(base.outcome["retry_sleeps_seconds"])
    if sorted(extra.elements()) != list(TRANSIENT_BACKOFF):
        problems.append(f"retry sleeps added by the fault: {sorted(extra.elements())}, not {TRANSIENT_BACKOFF}")
    return problems


def ended_failed(run: Run) -> list[str]:
    """FAILED, through the failure path: the last state entered is a Fail state (the error was caught)."""
    last = run.outcome["states"][-1]
    problems = [] if run.outcome["status"] == "FAILED" else [f"status {run.outcome['status']}, not FAILED"]
    if run.definition["States"][last]["Type"] != "Fail":
        problems.append(f"the execution stopped in {last}, uncaught, not in a Fail state")
    return problems


def record(state: str, kind: str, problems: list[str]) -> None:
    assert problems == [], f"{kind} fault at {state}:\n  " + "\n  ".join(problems)


def test_the_matrix_runs_every_task_state_of_the_synthesized_definition(matrix: Matrix) -> None:
    assert len(TASK_STATES) == EXPECTED_TASK_STATES, "a Task state was added or removed: update the matrix"
    assert sorted(matrix.functions) == sorted(TASK_STATES), "synthesized Task states differ from the source ASL"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_fault_free_runs_keep_the_invariants(matrix: Matrix, variant: Variant) -> None:
    assert violations(matrix.baseline(variant)) == []


@pytest.mark.parametrize("state", TASK_STATES)
def test_transient_fault_is_retried_and_the_run_ends_as_without_it(matrix: Matrix, state: str) -> None:
    variant = matrix.variant_for(state)
    if variant is None:
        record(state, "transient", [f"no variant reaches {state}: add a scenario to VARIANTS"])
        return
    base = matrix.baseline(variant)
    run = matrix.run(variant, [task_error(state, TRANSIENT, TRANSIENT_TIMES)])
    problems = [
        *fired(run, state, TRANSIENT_TIMES),
        *same_ending(run, base),
        *retried(run, base, state, matrix.functions[state], matrix.concurrent(state)),
        *violations(run),
    ]
    record(state, "transient", problems)


@pytest.mark.parametrize("state", TASK_STATES)
def test_terminal_fault_fails_the_run_safely_and_names_the_step(matrix: Matrix, state: str) -> None:
    variant = matrix.variant_for(state)
    if variant is None:
        record(state, "terminal", [f"no variant reaches {state}: add a scenario to VARIANTS"])
        return
    run = matrix.run(variant, [task_error(state, TERMINAL, 1)])
    if state in PROGRESS_NOTIFIERS | BESIDE_THE_UPGRADE:
        base = matrix.baseline(variant)
        ends_alike = (
            run.outcome["status"] == base.outcome["status"] and run.outcome["cluster"] == base.outcome["cluster"]
        )
        problems = [] if ends_alike else [f"a failed progress message changed the outcome: {run.outcome['status']}"]
        record(state, "terminal", [*fired(run, state, 1), *problems, *violations(run)])
        return
    exempt = LAST_NOTIFIERS.get(state, ())
    named = None if "step" in exempt else state
    problems = violations(run, failed_step=named)
    if "capacity" in exempt:
        problems = [p for p in problems if not p.startswith("Serverless v2 capacity")]
    record(state, "terminal", [*fired(run, state, 1), *ended_failed(run), *problems])


# --- after a failure, the next step the message advises works ------------------------------------------

ROLLBACK_STATES = ("AssessRollback", "MoveAside", "RestoreSnapshot", "CreateInstances", "VerifyRestore")


@pytest.mark.parametrize("state", ROLLBACK_STATES)
def test_after_a_rollback_fault_the_advised_restore_finishes_it(matrix: Matrix, state: str) -> None:
    """The rollback stops at ``state``; the restore input its message gives, started next, puts dev-db back."""
    failing = Variant("in-place-failed-rollback", "in-place-failed-rollback").build([task_error(state, TERMINAL, 1)])
    name = f"advised-restore-{state.lower()}"
    snapshot_id = f"dev-db-pre-upgrade-14-18-to-15-13-simulated-{name}-before-1"
    advised = {"action": "restore", "cluster_id": "dev-db", "snapshot_id": snapshot_id}
    scenario = failing.model_copy(update={"name": name, "before": [failing.input], "input": advised})
    outcome = run_scenario(scenario, matrix.cdk_out)
    failure = next(n for n in outcome["notifications"] if f"FAILED at {state}" in n["subject"])
    assert f"--input '{json.dumps(advised)}'" in failure["message"], "the message advises exactly this input"
    assert outcome["status"] == "SUCCEEDED", outcome["error"]
    cluster = outcome["cluster"]
    assert (cluster["engine_version"], cluster["db_cluster_parameter_group"]) == ("14.18", "dev-apg14")
    assert [(i["id"], i["writer"], i["promotion_tier"]) for i in cluster["instances"]] == [
        ("dev-db-1", True, 0),
        ("dev-db-2", False, 1),
    ]


# --- the harness fault itself -------------------------------------------------------------------------


def test_lambda_service_errors_meet_the_lambda_retrier(matrix: Matrix) -> None:
    run = matrix.run(VARIANTS[0], [task_error("CheckSnapshot", "Lambda.ServiceException", 2)])
    assert run.outcome["status"] == "SUCCEEDED", run.outcome["error"]
    assert run.outcome["retry_sleeps_seconds"] == [2.0, 4.0], "matched Lambda.ServiceException: 2 s, x2"


def test_faults_are_keyed_by_state_not_by_function(matrix: Matrix) -> None:
    # NotifyFailure and NotifySuccess run the same function; the successful run never enters NotifyFailure
    run = matrix.run(VARIANTS[0], [task_error(FAILURE_NOTIFIER, TERMINAL, 5)])
    assert run.outcome["status"] == "SUCCEEDED", run.outcome["error"]
    assert run.outcome["faults_injected"] == []


def test_a_fault_naming_no_task_state_is_refused(matrix: Matrix) -> None:
    with pytest.raises(ValueError, match="NoSuchState"):
        matrix.run(VARIANTS[0], [task_error("NoSuchState", TERMINAL, 1)])


# --- the checks can fail: the invariants against doctored outcomes, the matrix against a broken ASL -----


def _doctored(run: Run, change: Callable[[dict[str, Any]], None]) -> Run:
    outcome = copy.deepcopy(run.outcome)
    change(outcome)
    return Run(run.scenario, outcome, run.definition)


def _lose_snapshot(outcome: dict[str, Any]) -> None:
    outcome["snapshots"] = [{**s, "status": "creating"} for s in outcome["snapshots"]]


def _green_serves_without_old1(outcome: dict[str, Any]) -> None:
    outcome["clusters"].remove("prod-db-old1")


def _failed_with_green_serving(outcome: dict[str, Any]) -> None:
    outcome["status"] = "FAILED"
    outcome["clusters"].remove("prod-db-old1")


def _wait_past_deadline(outcome: dict[str, Any]) -> None:
    outcome["waits_seconds"][0] = 60 * 60 + 1  # the first wait is the parameter sync's: its deadline is 60 min


def _capacity_left_raised(outcome: dict[str, Any]) -> None:
    outcome["cluster"]["min_capacity"] = 1.0


DOCTORED = {
    "snapshot not available": (_lose_snapshot, "without an available manual snapshot"),
    "old1 deleted": (_green_serves_without_old1, "prod-db-old1 is gone"),
    "failed with green serving": (_failed_with_green_serving, "after a failure before the switchover"),
    "wait past its deadline": (_wait_past_deadline, "past its deadline of 3600 s"),
    "capacity left raised": (_capacity_left_raised, "not the original (0.5, 8.0)"),
}


@pytest.mark.parametrize("breakage", DOCTORED)
def test_each_invariant_fails_a_doctored_outcome(matrix: Matrix, breakage: str) -> None:
    change, expected = DOCTORED[breakage]
    base = matrix.baseline(VARIANTS[0])
    assert violations(base) == []
    problems = violations(_doctored(base, change))
    assert any(expected in p for p in problems), problems


def test_a_notification_naming_another_step_is_a_violation(matrix: Matrix) -> None:
    run = matrix.run(VARIANTS[0], [task_error("CheckSnapshot", TERMINAL, 1)])
    assert violations(run, failed_step="CheckSnapshot") == []
    assert violations(run, failed_step="CheckSnapshotAgain") != [], "a longer state name must not match"
    assert violations(run, failed_step="StartSnapshot") != []


def _without(state: str, field_name: str) -> Callable[..., SynthesizedWorkflow]:
    def broken(cdk_out: Path, region: str) -> SynthesizedWorkflow:
        workflow = load_workflow(cdk_out, region)
        definition = copy.deepcopy(workflow.definition)
        del definition["States"][state][field_name]
        return replace(workflow, definition=definition)

    return broken


@pytest.fixture
def broken_definition(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str, str], None]]:
    def use(state: str, field_name: str) -> None:
        monkeypatch.setattr(runner, "load_workflow", _without(state, field_name))

    yield use


def test_the_terminal_checks_fail_a_state_without_its_catch(matrix: Matrix, broken_definition: Any) -> None:
    broken_definition("CheckGreen", "Catch")
    run = matrix.run(VARIANTS[0], [task_error("CheckGreen", TERMINAL, 1)])
    problems = [*ended_failed(run), *violations(run, failed_step="CheckGreen")]
    assert any("uncaught" in p for p in problems), problems
    assert any("no notification names the failed step CheckGreen" in p for p in problems), problems
    assert any("Serverless v2 capacity" in p for p in problems), "RaiseCapacity's change stays: " + str(problems)


def test_the_transient_checks_fail_a_state_without_its_retry(matrix: Matrix, broken_definition: Any) -> None:
    broken_definition("CheckGreen", "Retry")
    run = matrix.run(VARIANTS[0], [task_error("CheckGreen", TRANSIENT, TRANSIENT_TIMES)])
    base = matrix.baseline(VARIANTS[0])
    problems = same_ending(run, base) + retried(run, base, "CheckGreen", matrix.functions["CheckGreen"], set())
    assert any(p.startswith("status differs") for p in problems), problems
    assert any("injected failures of CheckGreen" in p for p in problems), problems


# --- the matrix covers every Task state with both kinds of fault -------------------------------------------
# Each (state, kind) is a test of its own, so that `pytest -n` spreads them over the workers and a violation fails
# its own test with its problems listed; this test checks that none is missing.

MATRIX_TESTS = {
    test_transient_fault_is_retried_and_the_run_ends_as_without_it.__name__: "transient",
    test_terminal_fault_fails_the_run_safely_and_names_the_step.__name__: "terminal",
}


def test_the_matrix_covers_every_task_state_with_both_faults(matrix: Matrix, request: pytest.FixtureRequest) -> None:
    collected = {
        (item.callspec.params["state"], MATRIX_TESTS[item.originalname])
        for item in request.session.items
        if getattr(item, "originalname", None) in MATRIX_TESTS
    }
    if len(collected) < len(MATRIX_TESTS) * len(TASK_STATES):
        pytest.skip("only part of the matrix was selected")
    expected = {(state, kind) for state in matrix.functions for kind in KINDS}
    assert sorted(expected - collected) == []
    assert len(matrix.functions) == EXPECTED_TASK_STATES


# --- IAM is exactly sufficient: every permission of every step's role is needed by a fault-free run ---------

# Statements no simulated run can need, each with why; everything else must be the only statement allowing
# at least one call of some variant's run, so that removing it fails that run with AccessDenied.
NOT_EXERCISED = {
    "logs:": "the Lambda runtime writes the function's logs, not the handler's SDK calls",
    "xray:": "the X-Ray SDK sends segments to the daemon; tracing is off in the simulator",
    "sqs:": "Lambda's on-failure destination and the scheduler's dead-letter queue are written by those services",
    "rds-data:": "the Data API executor runs only when database access uses the Data API (unit-tested with a Stubber)",
    "secretsmanager:DescribeSecret": "CDK's grant_read adds it; the functions only call GetSecretValue",
    "dynamodb:PutItem@ApprovalDecision": "the decision puts its lock back only when Step Functions cannot be reached",
    "ConsistencyCheck": "the consistency check reads clusters only when database access is configured",
    "SwitchoverProbe": "the probe calls AWS only with database access, on real servers: test_rehearsal_on_real_servers "
    "checks each of its grants is used (the secret, the cluster's endpoint, the deployment's status)",
    "rds:DescribeDBInstances@PrepareSourceParameterGroup": "read on a re-run that finds logical replication set",
    "rds:DescribeDBClusters@RequestApproval": "the approval message goes through the notifier, which may read it",
    "rds:DescribeBlueGreenDeployments@RequestApproval": "the approval message goes through the notifier",
    "rds:ModifyDBCluster@CleanUp": "deletion protection is turned off only when the old cluster has it",
    "rds:ModifyDBCluster@AbandonBlueGreen": "deletion protection is turned off only when green has it",
    "rds:DeleteGlobalCluster@AbandonBlueGreen": "backing out of a global member's deployment (rejected approval)",
    "states:GetExecutionHistory@Notify": "the safety net reads a stopped run's history; moto sends no status events",
    "Schedules": "EventBridge Scheduler starts executions; the template test checks its role",
    "states:StopExecution@fleet": "Step Functions stops a fleet's child when the fleet is stopped; no run is stopped",
}

# fleet runs whose authorizations count too: a stopped fleet (a child's failure read from its history), a
# fleet preflight (the table written to the report bucket), a fleet refused at planning (its failure message)
FLEET_RUNS = (
    ("fleet-canary-fails", {}),
    ("fleet-canary-fails", {"mode": "preflight", "name": "pg-check"}),
    ("fleet-canary-fails", {"clusters": ["dev-1", "elsewhere-db"]}),  # refused at planning: the failure message
)


def _not_exercised(principal: str, action: str) -> bool:
    return any(
        action.startswith(key)
        or key in principal
        or (key.partition("@")[0] == action and key.partition("@")[2] in principal)
        for key in NOT_EXERCISED
    )


def test_every_permission_is_needed_by_a_run(matrix: Matrix) -> None:
    from fnmatch import fnmatchcase

    from simulator.enforcement.iam import function_roles, role_policies, state_machine_roles
    from simulator.engine.stack_resources import StackResources

    resources = load_workflow(matrix.cdk_out, "us-east-1").resources
    resolve = StackResources(resources, "us-east-1").resolve
    policies = role_policies(resources, resolve)
    principals = {role: {function} for function, role in function_roles(resources).items()}
    # a state machine invokes its functions as "StateMachine" and starts and reads child executions as itself
    principals |= {role: {"StateMachine", machine} for machine, role in state_machine_roles(resources, resolve).items()}
    used = [a for variant in VARIANTS for a in matrix.baseline(variant).outcome["authorizations"]]
    for name, changes in FLEET_RUNS:
        raw = shipped(name).model_dump()
        fleet = Scenario.model_validate({**raw, "input": {**raw["input"], **changes}, "expect": None})
        used += run_scenario(fleet, matrix.cdk_out)["authorizations"]
    unneeded = []
    for role, policy in policies.items():
        named = principals.get(role, {role})
        for statement in policy.statements:
            for action in statement.actions:
                if any(_not_exercised(principal, action) for principal in named):
                    continue
                needed = any(
                    a["principal"] in named
                    and fnmatchcase(a["action"].lower(), action.lower())
                    and a["allowed_by"] == [statement.sid]
                    for a in used
                )
                if not needed:
                    unneeded.append(f"{sorted(named)} {statement.sid} {action}")
    assert unneeded == [], "\n".join(unneeded)


# after a blue/green step fails, the same input started again is the advised next step: it adopts what the failed
# run made, or stops before any change until the earlier switchover is done, and then finishes the upgrade
RERUN_STATES = ("CreateBlueGreenDeployment", "Switchover", "CheckSwitchover")


@pytest.mark.parametrize("state", RERUN_STATES)
def test_after_a_blue_green_fault_the_same_input_again_finishes_the_upgrade(matrix: Matrix, state: str) -> None:
    scenario = VARIANTS[0].build([task_error(state, TERMINAL, 1)])
    scenario = scenario.model_copy(update={"name": f"rerun-after-{state.lower()}", "repeat": 3})
    outcome = run_scenario(scenario, matrix.cdk_out)
    runs = [*outcome["earlier_runs"], {"status": outcome["status"], "states": outcome["states"]}]
    assert runs[0]["status"] == "FAILED"
    assert outcome["status"] == "SUCCEEDED", outcome["error"]
    assert outcome["cluster"]["engine_version"] == "14.18"
    assert outcome["clusters"] == ["prod-db", "prod-db-old1"], "one green, one old cluster: nothing made twice"
    for later in runs[1:]:
        if later["status"] == "FAILED":  # it stopped before any change, as its message says
            assert "RaiseCapacity" not in later["states"], later["states"]
