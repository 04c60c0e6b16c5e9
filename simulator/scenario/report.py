"""The readable report of a run: what a person following the upgrade wants to see."""

from __future__ import annotations

from typing import Any

from simulator.scenario.model import Scenario


def clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def render(scenario: Scenario, outcome: dict[str, Any]) -> str:
    request = scenario.input
    what = (
        f"fleet {request.get('name')} of {len(request.get('clusters') or [])} clusters"
        if scenario.workflow == "fleet"
        else f"{request.get('cluster_id')} -> {request.get('target_engine_version')}"
    )
    lines = [f"Scenario {scenario.name}: {what} ({request.get('strategy')})", "", "Simulated time  Step"]
    for event in outcome["timeline"]:
        at = clock(event["at_seconds"])
        if event["kind"] == "wait":
            lines.append(f"  {at}      waiting {event['seconds']} s")
        elif event["kind"] == "retry":
            lines.append(f"  {at}      retrying after {event['seconds']:.0f} s")
        elif event["kind"] == "error":
            lines.append(f"  {at}      {step_name(event['name'])}: {event['error']}: {event['message']}")
        else:
            lines.append(f"  {at}      {step_name(event['name'])}{_detail(event.get('result', {}))}")
    cluster = outcome["cluster"] or {}
    lines += [
        "",
        f"Execution: {outcome['status']} after {clock(outcome['simulated_duration_seconds'])} simulated, "
        f"{outcome['transitions']} state transitions, {outcome['lambda_invocations']} Lambda invocations",
        f"Cluster {cluster.get('id')}: {cluster.get('engine_version')}, {cluster.get('status')}, "
        f"parameter group {cluster.get('db_cluster_parameter_group')}, "
        f"capacity {cluster.get('min_capacity')}-{cluster.get('max_capacity')} ACU",
        f"Clusters: {', '.join(outcome['clusters'])}",
        f"Snapshots: {', '.join(s['id'] + ' (' + s['status'] + ')' for s in outcome['snapshots']) or 'none'}",
    ]
    lines += _real_databases(outcome.get("real_databases"))
    if scenario.workflow == "fleet":  # each cluster's own execution, as the fleet started it
        lines += [
            "Upgrade executions: "
            + (", ".join(f"{e['name']} {e['status']}" for e in outcome["upgrade_executions"]) or "none")
        ]
    for note in outcome["notifications"]:
        lines += ["", f"Notification: {note['subject']}", *("  " + line for line in note["message"].splitlines())]
    problems = outcome.get("expectations_unmet") or []
    if scenario.expect is not None:
        lines += ["", "Expected outcome: " + ("met" if not problems else "NOT met")]
        lines += [f"  - {problem}" for problem in problems]
    return "\n".join(lines)


def _real_databases(real: dict[str, Any] | None) -> list[str]:
    """What happened on the real servers, in real seconds, and the write downtime the probe measured."""
    if real is None:
        return []
    lines = [
        "",
        f"Real databases: blue PostgreSQL {real['blue']}, green {real['green'] or 'never made'} (real seconds)",
    ]
    for event in real["events"]:
        detail = ", ".join(f"{k}={v}" for k, v in event.items() if k not in ("after_seconds", "what"))
        lines.append(f"  +{event['after_seconds']:6.2f} s  {event['what']}" + (f" ({detail})" if detail else ""))
    if "traffic" in real:
        lines.append(f"  traffic on blue while green existed: {real['traffic']['writes']} writes")
    for refused in real["changes_on_blue_refused"]:
        lines.append(f"  blue refused: {refused}")
    downtime = real.get("downtime")  # what the workflow's switchover probe returned
    if downtime and not downtime.get("measured"):
        lines.append(f"  write downtime through the cluster endpoint: not measured: {downtime.get('not_measured')}")
    elif downtime:
        lines.append(
            f"  write downtime through the cluster endpoint: {downtime['unavailable_seconds']} s "
            f"(from {downtime['unavailable_from']} to {downtime['unavailable_until']}; "
            f"{downtime['writes_refused']} of {downtime['writes_attempted']} probe writes refused; first write "
            f"on {real['green']} at {downtime['first_new_version_write_at']}; probe stopped: {downtime['stopped']})"
        )
    return lines


def step_name(logical_id: str) -> str:
    """``CheckSnapshotFunctionA1B2C3D4`` -> ``CheckSnapshot``."""
    name = logical_id.split("Function")[0]
    return name or logical_id


def _detail(result: dict[str, Any]) -> str:
    parts = [f"{key}={value}" for key, value in result.items()]
    return f" ({', '.join(parts)})" if parts else ""
