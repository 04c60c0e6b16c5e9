"""``plan``: rehearse an upgrade of a scenario (a captured cluster) in the simulator and say what it would do.

The plan is read from what the rehearsal did, never predicted beside it: each step's own result, the
simulated RDS's timed changes (when each reboot, snapshot, green and switchover began and ended), the
preflight report, the clusters and snapshots left at the end. The durations of RDS's long operations are
assumptions (DEFAULT_DURATIONS, or the scenario's ``durations``), printed with the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulator.catalogue import versions
from simulator.scenario.model import Scenario
from simulator.scenario.report import clock, step_name

# Simulated seconds each kind of RDS change takes when the scenario does not say: round guesses to order
# the plan and size its outages, not measurements; put your own in the scenario's "durations".
DEFAULT_DURATIONS: dict[str, float] = {
    "snapshot": 600,
    "blue_green_provisioning": 1800,
    "switchover": 60,
    "reboot": 120,
    "in_place_upgrade": 1800,
    "rename": 60,
    "restore": 1800,
}

# Aurora User Guide, "Switching a blue/green deployment": RDS stops new writes on both environments and drops
# connections until the switchover completes or, past the switchover timeout (default 300 s), rolls back.
_DEFAULT_SWITCHOVER_TIMEOUT = 300


@dataclass
class PlannedStep:
    at: float
    text: str
    kind: str = "change"  # change | outage | wait
    until: float | None = None

    def line(self, number: int) -> str:
        span = f"-{clock(self.until)}" if self.until is not None else ""
        return f"{number:2d}. {clock(self.at)}{span}  {self.text}"


@dataclass
class Plan:
    title: str
    source: list[str]
    verdict: str
    stops: bool
    steps: list[PlannedStep] = field(default_factory=list)
    preflight: list[str] = field(default_factory=list)
    writes_stop: list[str] = field(default_factory=list)
    while_running: list[str] = field(default_factory=list)
    left_behind: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [self.title, *self.source, "", self.verdict, "", "Preflight (what the control plane shows):"]
        lines += [f"  {line}" for line in self.preflight]
        lines += ["", "Changes, in order (simulated clock):"]
        lines += [f"  {step.line(number)}" for number, step in enumerate(self.steps, start=1)]
        lines += ["", "Where writes stop:", *(f"  - {line}" for line in self.writes_stop or ["nowhere"])]
        lines += ["", "While it runs:", *(f"  - {line}" for line in self.while_running or ["nothing extra"])]
        lines += ["", "Left behind:", *(f"  - {line}" for line in self.left_behind or ["nothing"])]
        return "\n".join(lines)


def rehearsal(scenario: Scenario, target: str, strategy: str) -> Scenario:
    """The scenario with the upgrade's input and every RDS duration set (the scenario's own kept); a version the
    captured Region no longer offers is deprecated in the rehearsal too."""
    request = {**scenario.input, "cluster_id": scenario.cluster.id, "target_engine_version": target}
    request["strategy"] = strategy
    update: dict[str, Any] = {
        "input": request,
        "durations": {**DEFAULT_DURATIONS, **scenario.durations},
        "execution_name": scenario.execution_name or f"plan-{scenario.cluster.id}",
        "expect": None,
    }
    captured = scenario.captured.engine_versions if scenario.captured else []
    retired = {str(e["EngineVersion"]) for e in captured if e.get("Status", "available") != "available"}
    if retired:
        update["deprecated_versions"] = sorted(set(scenario.deprecated_versions or versions.DEPRECATED) | retired)
    return scenario.model_copy(update=update)


def build_plan(scenario: Scenario, outcome: dict[str, Any]) -> Plan:
    request = scenario.input
    cluster = scenario.cluster
    strategy = str(request["strategy"])
    results = _results_by_step(outcome)
    report = (results.get("Preflight") or [{}])[-1].get("report") or {}
    differences = catalogue_differences(scenario)
    verdict = _verdict(outcome, report)
    if differences and outcome["status"] == "SUCCEEDED":
        verdict = "Verdict: the rehearsal finished, but the real upgrade would STOP: the Region's catalogue differs."
    plan = Plan(
        title=f"Plan: {cluster.id} {cluster.engine_version} -> {request['target_engine_version']} "
        f"by {strategy.replace('_', '/' if strategy == 'blue_green' else ' ')}",
        source=_source(scenario, outcome) + [f"Catalogue: {line}" for line in differences],
        verdict=verdict,
        stops=outcome["status"] != "SUCCEEDED" or bool(differences),
    )
    plan.preflight = _preflight(report)
    plan.steps = sorted(_steps(scenario, outcome, results), key=lambda step: step.at)
    outages = [step for step in plan.steps if step.kind == "outage"]
    plan.writes_stop = [
        f"{step.text.split(':')[0]}: from {clock(step.at)} for about {_minutes(_length(step))}" for step in outages
    ]
    if len(outages) > 1:
        plan.writes_stop.append(f"in all: about {_minutes(sum(_length(step) for step in outages))}")
    plan.while_running = _while_running(scenario, outcome, results)
    plan.left_behind = _left_behind(scenario, outcome, results)
    return plan


def _length(step: PlannedStep) -> float:
    return (step.until or step.at) - step.at


def catalogue_differences(scenario: Scenario) -> list[str]:
    """Where the captured Region's catalogue disagrees with the simulator's about this upgrade."""
    captured = scenario.captured
    if captured is None or not captured.engine_versions:
        return []
    source, target = scenario.cluster.engine_version, str(scenario.input.get("target_engine_version"))
    by_version = {str(entry.get("EngineVersion")): entry for entry in captured.engine_versions}
    real_targets = {str(t["EngineVersion"]) for t in by_version.get(source, {}).get("ValidUpgradeTarget", [])}
    differences = []
    if target not in real_targets:
        differences.append(f"{target} is not a ValidUpgradeTarget of {source} in {captured.region}: AWS refuses it")
    elif not versions.is_valid_upgrade(source, target):
        differences.append(f"{captured.region} lists {target} as a target of {source}; the simulator does not")
    real_family = by_version.get(target, {}).get("DBParameterGroupFamily")
    if real_family and real_family != versions.family_of(target):
        differences.append(
            f"{target}'s family is {real_family} in {captured.region}, {versions.family_of(target)} here"
        )
    return differences


def _results_by_step(outcome: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    by_step: dict[str, list[dict[str, Any]]] = {}
    for entry in outcome.get("step_results", []):
        result = dict(entry["result"])
        result["_at"] = entry["at_seconds"]
        by_step.setdefault(step_name(entry["name"]), []).append(result)
    return by_step


def _source(scenario: Scenario, outcome: dict[str, Any]) -> list[str]:
    happened = {change["change"] for change in outcome.get("reaction_delays", [])}
    durations = ", ".join(
        f"{kind.replace('_', ' ')} {_minutes(seconds)}"
        for kind, seconds in scenario.durations.items()
        if kind in happened
    )
    lines = [f"Rehearsed offline in the simulator from scenario {scenario.name} (nothing in AWS changes)."]
    if scenario.captured is not None:
        c = scenario.captured
        lines.append(f"Captured {c.at} from account {c.account} in {c.region}.")
        if c.backtrack_window_seconds:
            lines.append(f"Backtrack window {c.backtrack_window_seconds} s (captured; the simulator has no backtrack).")
    if durations:
        lines.append(f'Assumed durations: {durations} (set yours in the scenario\'s "durations").')
    return lines


def _verdict(outcome: dict[str, Any], report: dict[str, Any]) -> str:
    blockers = [check["id"] for check in report.get("checks", []) if check["status"] == "fail"]
    if outcome["status"] != "SUCCEEDED" and blockers:
        return (
            f"Verdict: the upgrade would STOP at the preflight, before any change: {len(blockers)} blocking "
            f"finding{'s' if len(blockers) > 1 else ''} ({', '.join(blockers)})."
        )
    if outcome["status"] == "SUCCEEDED":
        final = outcome.get("cluster") or {}
        return (
            f"Verdict: the upgrade would finish: {final.get('id')} on {final.get('engine_version')} "
            f"after {clock(outcome['simulated_duration_seconds'])}."
        )
    error = outcome.get("error") or {}
    where = step_name(str(error.get("step") or "")) or "the workflow"
    said = error.get("message") or error.get("execution_cause") or error.get("execution_error") or outcome["status"]
    return f"Verdict: the upgrade would STOP at {where} ({outcome['status']}): {said}"


def _preflight(report: dict[str, Any]) -> list[str]:
    checks = report.get("checks") or []
    if not checks:
        return ["no preflight report (the run stopped before the checks)"]
    counts = {status: sum(1 for c in checks if c["status"] == status) for status in ("pass", "warn", "fail", "skipped")}
    lines = [
        f"{counts['pass']} passed, {counts['warn']} warnings, {counts['fail']} failed, {counts['skipped']} skipped"
    ]
    for check in checks:
        if check["status"] in {"warn", "fail"}:
            lines.append(f"[{check['status'].upper()}] {check['id']}: {check.get('finding') or check['title']}")
            lines += [
                f"    - {e.get('object_name') or e.get('database')}: {e.get('detail')}" for e in check["evidence"]
            ]
    skipped = [c["id"] for c in checks if c["status"] == "skipped"]
    if skipped:
        lines.append(
            f"skipped: {', '.join(skipped)} (the in-database checks need the real cluster: preflight --secret-arn)"
        )
    return lines


def _timed(outcome: dict[str, Any], change: str) -> list[dict[str, Any]]:
    return [r for r in outcome.get("reaction_delays", []) if r["change"] == change]


def _steps(scenario: Scenario, outcome: dict[str, Any], results: dict[str, list[dict[str, Any]]]) -> list[PlannedStep]:
    steps: list[PlannedStep] = []
    first = {name: found[0] for name, found in results.items()}
    last = {name: found[-1] for name, found in results.items()}
    raised = first.get("RaiseCapacity")
    if raised and raised.get("changed"):
        steps.append(
            PlannedStep(
                raised["_at"],
                f"Serverless v2 minimum capacity raised {raised['original_min_capacity']} -> "
                f"{raised['upgrade_min_capacity']} ACU (put back at the end)",
            )
        )
    source_group = last.get("CheckParameterSync") or last.get("PrepareSourceParameterGroup")
    if source_group:
        steps.append(PlannedStep(first["PrepareSourceParameterGroup"]["_at"], _source_group(source_group)))
    writers = {i.id for i in scenario.cluster.instances if i.writer}
    for reboot in _timed(outcome, "reboot"):
        start = reboot["started_at"]
        if reboot["resource"] in writers:
            text = f"writer {reboot['resource']} rebooted (OUTAGE): writes and reads through the writer stop"
            steps.append(PlannedStep(start, text, "outage", reboot["changed_at"]))
        else:
            text = f"reader {reboot['resource']} rebooted: its reads stop, writes go on"
            steps.append(PlannedStep(start, text, "change", reboot["changed_at"]))
    target = first.get("CreateTargetParameterGroups")
    if target:
        steps.append(PlannedStep(target["_at"], _target_groups(target)))
    snapshot = first.get("StartSnapshot")
    if snapshot:
        done = next(iter(_timed(outcome, "snapshot")), None)
        text = f"snapshot {snapshot['snapshot_id']} taken (WAIT; kept, never deleted by the workflow)"
        steps.append(PlannedStep(snapshot["_at"], text, "wait", done["changed_at"] if done else None))
    steps += _upgrade_steps(scenario, outcome, first, last)
    restored = first.get("RestoreCapacity")
    if restored and restored.get("restored") and raised and raised.get("changed"):
        original = f"{raised['original_min_capacity']}-{raised['original_max_capacity']}"
        text = f"Serverless v2 capacity put back to {original} ACU"
        steps.append(PlannedStep(restored["_at"], f"{text} on {', '.join(restored['restored'])}"))
    return steps


def _source_group(result: dict[str, Any]) -> str:
    name = result["name"]
    if result.get("created"):
        return f"cluster parameter group {name} created, attached, rds.logical_replication = 1 (static: needs a reboot)"
    if result.get("logical_replication_set"):
        return f"cluster parameter group {name} modified in place: rds.logical_replication = 1 (needs a reboot)"
    return f"cluster parameter group {name} already has rds.logical_replication = 1 in effect: no change, no reboot"


def _target_groups(result: dict[str, Any]) -> str:
    made = [result[key] for key in ("cluster_parameter_group", "instance_parameter_group") if result.get(key)]
    text = f"target parameter groups {' and '.join(made)} created ({result['family']})"
    for scope in ("cluster", "instance"):
        moved = result.get(f"{scope}_parameters") or {}
        parts = [f"carried {', '.join(sorted(moved['carried']))}"] if moved.get("carried") else []
        parts += [f"renamed {old} -> {new}" for old, new in sorted((moved.get("renamed") or {}).items())]
        parts += [f"dropped {name} ({why})" for name, why in sorted((moved.get("dropped") or {}).items())]
        if parts:
            text += f"; {scope}: {'; '.join(parts)}"
    return text


def _upgrade_steps(
    scenario: Scenario, outcome: dict[str, Any], first: dict[str, dict[str, Any]], last: dict[str, dict[str, Any]]
) -> list[PlannedStep]:
    steps: list[PlannedStep] = []
    target = scenario.input["target_engine_version"]
    green = first.get("CreateBlueGreen")
    if green:
        done = next(iter(_timed(outcome, "blue_green_provisioning")), None)
        name = str(green.get("green_cluster_arn") or "").rsplit(":", 1)[-1]
        text = f"blue/green deployment {green['name']} created: green {name} on {target} beside blue (WAIT)"
        steps.append(PlannedStep(green["_at"], text, "wait", done["changed_at"] if done else None))
    post = first.get("PostUpgrade")
    if post:
        where = "green" if post.get("role") == "green" else post.get("cluster_id")
        did = f"skipped ({post['sql_skipped']})" if post.get("sql_skipped") else "ANALYZE and extension updates"
        steps.append(PlannedStep(post["_at"], f"post-upgrade work on {where}: {did}"))
    approval = first.get("RequestApproval")
    decision = first.get("ApprovalDecision")
    if approval:
        until = decision["_at"] if decision else None
        steps.append(
            PlannedStep(
                approval["_at"],
                "approval asked: WAIT for a person (rehearsed: "
                f"{scenario.approval.decision} after {_minutes(scenario.approval.after_seconds)})",
                "wait",
                until,
            )
        )
    switchover = first.get("StartSwitchover")
    if switchover:
        done = next(iter(_timed(outcome, "switchover")), None)
        timeout = scenario.input.get("switchover_timeout_seconds", _DEFAULT_SWITCHOVER_TIMEOUT)
        text = f"switchover (OUTAGE): writes stop on blue and green, connections drop; rolled back past {timeout} s"
        steps.append(PlannedStep(switchover["_at"], text, "outage", done["changed_at"] if done else None))
    upgrade = first.get("StartInPlaceUpgrade")
    if upgrade:
        done = next(iter(_timed(outcome, "in_place_upgrade")), None)
        text = f"in-place upgrade to {target} (OUTAGE): the cluster is down while its engine is upgraded"
        steps.append(PlannedStep(upgrade["_at"], text, "outage", done["changed_at"] if done else None))
    verify = first.get("VerifyUpgrade")
    if verify:
        members = ", ".join(f"{k} {v}" for k, v in sorted(verify["instances"].items()))
        steps.append(
            PlannedStep(verify["_at"], f"verified: {verify['cluster_id']} on {verify['engine_version']} ({members})")
        )
    cleanup = last.get("CleanUp")
    if cleanup:
        old = cleanup.get("old_cluster_id")
        kept = "deleted with a final snapshot" if cleanup.get("old_cluster_deleted") else "kept"
        steps.append(PlannedStep(cleanup["_at"], f"blue/green deployment object deleted; old cluster {old} {kept}"))
    return steps


def _while_running(scenario: Scenario, outcome: dict[str, Any], results: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = []
    green = _first(results, "CreateBlueGreen")
    switched = next(iter(_timed(outcome, "switchover")), None)
    if green:
        until = switched["changed_at"] if switched else outcome["simulated_duration_seconds"]
        lines.append(
            f"green beside blue from {clock(green['_at'])} to {clock(until)} ({_minutes(until - green['_at'])}): "
            f"a second cluster with {_instances(scenario, _raised_min(results))}, billed like blue, plus its storage"
        )
    raised = _first(results, "RaiseCapacity")
    if raised and raised.get("changed"):
        lines.append(
            f"Serverless v2 minimum {raised['upgrade_min_capacity']} ACU instead of {raised['original_min_capacity']}"
        )
    return lines


def _left_behind(scenario: Scenario, outcome: dict[str, Any], results: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = [
        f"snapshot {s['id']} ({s['status']}): manual snapshot storage is billed until you delete it"
        for s in outcome.get("snapshots", [])
    ]
    there_before = {scenario.cluster.id, *(c.id for c in scenario.other_clusters)}
    for cluster in outcome.get("clusters", []):
        if cluster not in there_before:
            if cluster.endswith("-old1"):  # blue, renamed by the switchover, its capacity put back
                what = f"the old blue, read-only, {_instances(scenario)}"
            else:  # green (or a restored cluster): made while the capacity was raised
                what = f"made by the run, {_instances(scenario, _raised_min(results))}"
            lines.append(f"cluster {cluster} ({what}): billed until you delete it")
    groups = [r["name"] for r in results.get("PrepareSourceParameterGroup", [])[:1] if r.get("created")]
    for made in results.get("CreateTargetParameterGroups", [])[:1]:
        groups += [made[key] for key in ("cluster_parameter_group", "instance_parameter_group") if made.get(key)]
    if groups:
        lines.append(f"parameter groups {', '.join(groups)} (no charge)")
    return lines


def _first(results: dict[str, list[dict[str, Any]]], step: str) -> dict[str, Any] | None:
    found = results.get(step)
    return found[0] if found else None


def _raised_min(results: dict[str, list[dict[str, Any]]]) -> float | None:
    raised = _first(results, "RaiseCapacity")
    return float(raised["upgrade_min_capacity"]) if raised and raised.get("changed") else None


def _instances(scenario: Scenario, min_capacity: float | None = None) -> str:
    """The cluster's instances by class; Serverless v2 ones with the capacity range they run with."""
    classes = [i.instance_class for i in scenario.cluster.instances]
    counted = ", ".join(f"{classes.count(c)} x {c}" for c in sorted(set(classes)))
    serverless = scenario.cluster.serverless_v2
    if serverless and "db.serverless" in classes:
        low = serverless.min_capacity if min_capacity is None else min_capacity
        counted += f" ({low}-{serverless.max_capacity} ACU each)"
    return counted


def _minutes(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min" + (f" {seconds % 60} s" if seconds % 60 else "")
