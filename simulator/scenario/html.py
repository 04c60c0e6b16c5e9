"""The run as one self-contained HTML page: a timeline of the phases with outages and waits marked, the
clusters before and after, the preflight table, the messages people would receive (and the plan, if any).

Every text that comes from the run (names, messages, findings) is HTML-escaped; the page loads nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from simulator.scenario.model import Scenario
from simulator.scenario.report import clock, step_name

# what each timed RDS change means for the people using the database
_CHANGES = {
    "snapshot": ("wait", "snapshot being taken"),
    "blue_green_provisioning": ("wait", "green being built beside blue"),
    "switchover": ("outage", "switchover: writes stop"),
    "in_place_upgrade": ("outage", "in-place upgrade: the cluster is down"),
    "rename": ("change", "rename"),
    "restore": ("wait", "snapshot being restored"),
}
# steps that only move the workflow along: not marked on the timeline
_QUIET_STEPS = {"Notify", "Wake", "AwaitChange"}


@dataclass(frozen=True)
class Phase:
    name: str
    kind: str  # outage | wait | change | step
    start: float
    end: float


def phases(scenario: Scenario, outcome: dict[str, Any]) -> list[Phase]:
    """The timeline: every timed RDS change (from the simulated RDS), the wait for a person, each step."""
    writers = {i.id for i in scenario.cluster.instances if i.writer}
    found: list[Phase] = []
    for change in outcome.get("reaction_delays", []):
        start = change.get("started_at")
        if start is None:
            continue
        if change["change"] == "reboot":
            writer = change["resource"] in writers
            kind, what = ("outage", "writer reboot") if writer else ("change", "reader reboot")
        else:
            kind, what = _CHANGES.get(change["change"], ("change", change["change"]))
        found.append(Phase(f"{what} ({change['resource']})", kind, float(start), float(change["changed_at"])))
    for event in outcome.get("timeline", []):
        # the wait for a person at the approval gate (simulator.engine.callbacks: an answer, or none)
        if event["kind"] == "callback" and event["name"].startswith(("a person", "nobody answered")):
            found.append(Phase(event["name"], "wait", event["at_seconds"], event["at_seconds"] + event["seconds"]))
        elif event["kind"] == "invoke" and event.get("via") == "task":
            name = step_name(event["name"])
            if name not in _QUIET_STEPS and not any(p.name == name and p.kind == "step" for p in found):
                found.append(Phase(name, "step", event["at_seconds"], event["at_seconds"]))
    return sorted(found, key=lambda phase: (phase.start, phase.kind != "step"))


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#1d2430;max-width:72em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccd}
.verdict{font-weight:600;padding:.5em 1em;border-radius:4px}.ok{background:#e3f6e8}.stop{background:#fde2e1}
.axis{position:relative;height:4.4em;background:#f2f4f8;border:1px solid #ccd;margin:1em 0}
.bar{position:absolute;height:25%;min-width:2px}
.bar.outage{top:0}.bar.wait{top:25%}.bar.change{top:50%}.bar.step{top:75%}
.outage{background:#d93025}.wait{background:#f0b400}.change{background:#4a7bd0}.step{background:#6b7280}.bar.step{width:1px}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccd;padding:.25em .6em;text-align:left;
vertical-align:top;font-size:.9em}th{background:#f2f4f8}.kind-outage td{background:#fde2e1}
.kind-wait td{background:#fff4d6}.fail{color:#b3261e;font-weight:600}.warn{color:#8a5a00;font-weight:600}
pre{background:#f7f8fa;border:1px solid #e1e4ea;padding:.6em;white-space:pre-wrap;font-size:.85em}
.legend span{display:inline-block;padding:0 .6em;margin-right:.5em;color:#fff}
"""

# measures each bar as the browser laid it out, so a headless browser's DOM shows that the timeline rendered
_SCRIPT = """
document.querySelectorAll('.bar').forEach(function (bar) {
  bar.setAttribute('data-rendered-width', String(Math.round(bar.getBoundingClientRect().width)));
});
document.documentElement.setAttribute('data-rendered', 'yes');
"""


def render_html(scenario: Scenario, outcome: dict[str, Any], plan_text: str | None = None) -> str:
    request = scenario.input
    title = (
        f"{request.get('cluster_id')} {scenario.cluster.engine_version} -> {request.get('target_engine_version')} "
        f"({request.get('strategy')})"
    )
    succeeded = outcome["status"] == "SUCCEEDED"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>Scenario {escape(scenario.name)}: rehearsed in the simulator, nothing in AWS changed.</p>",
        f'<p class="verdict {"ok" if succeeded else "stop"}" id="status">{escape(outcome["status"])} after '
        f"{clock(outcome['simulated_duration_seconds'])} simulated</p>",
        _timeline(scenario, outcome),
        _clusters(scenario, outcome),
        _preflight(outcome),
        _messages(outcome),
    ]
    if plan_text is not None:
        parts.append(f'<section id="plan"><h2>Plan</h2><pre>{escape(plan_text)}</pre></section>')
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts)


def _timeline(scenario: Scenario, outcome: dict[str, Any]) -> str:
    found = phases(scenario, outcome)
    total = max([outcome["simulated_duration_seconds"], *(p.end for p in found)]) or 1.0
    bars = "".join(
        f'<div class="bar {p.kind}" data-phase="{escape(p.name)}" data-kind="{p.kind}" data-start="{p.start:g}" '
        f'data-end="{p.end:g}" style="left:{100 * p.start / total:.3f}%;width:{100 * (p.end - p.start) / total:.3f}%"'
        f' title="{escape(p.name)} {clock(p.start)}-{clock(p.end)}"></div>'
        for p in found
    )
    rows = "".join(
        f'<tr class="kind-{p.kind}" data-phase="{escape(p.name)}"><td>{clock(p.start)}</td>'
        f"<td>{clock(p.end) if p.end > p.start else ''}</td><td>{p.kind}</td><td>{escape(p.name)}</td></tr>"
        for p in found
    )
    legend = (
        '<p class="legend"><span class="outage">outage</span><span class="wait">wait</span>'
        '<span class="change">change</span><span class="step">step</span></p>'
    )
    return (
        f'<section id="timeline"><h2>Timeline</h2>{legend}<div class="axis" data-total="{total:g}">{bars}</div>'
        f"<table><tr><th>from</th><th>to</th><th>kind</th><th>what</th></tr>{rows}</table></section>"
    )


def _clusters(scenario: Scenario, outcome: dict[str, Any]) -> str:
    before = scenario.cluster
    capacity = (
        f"{before.serverless_v2.min_capacity}-{before.serverless_v2.max_capacity} ACU" if before.serverless_v2 else ""
    )
    group = before.cluster_parameter_group.name if before.cluster_parameter_group else "default"
    rows = [_row("before", before.id, before.engine_version, group, capacity)]
    rows += [
        f"<tr><td></td><td>{escape(i.id)}</td><td colspan=3>{escape(i.instance_class)}"
        f"{' (writer)' if i.writer else ''}, tier {i.promotion_tier}</td></tr>"
        for i in before.instances
    ]
    after = outcome.get("cluster") or {}
    if after:
        low, high = after.get("min_capacity"), after.get("max_capacity")
        rows.append(
            _row(
                "after",
                str(after.get("id")),
                str(after.get("engine_version")),
                str(after.get("db_cluster_parameter_group")),
                f"{low}-{high} ACU" if low is not None else "",
            )
        )
        rows += [
            f"<tr><td></td><td>{escape(str(i['id']))}</td><td colspan=3>{escape(str(i['class']))}"
            f"{' (writer)' if i['writer'] else ''}, tier {i['promotion_tier']}, {escape(str(i['engine_version']))}"
            f"</td></tr>"
            for i in after.get("instances", [])
        ]
    others = ", ".join(outcome.get("clusters", [])) or "none"
    snapshots = ", ".join(f"{s['id']} ({s['status']})" for s in outcome.get("snapshots", [])) or "none"
    return (
        '<section id="clusters"><h2>Clusters before and after</h2><table><tr><th></th><th>cluster</th>'
        f"<th>version</th><th>cluster parameter group</th><th>capacity</th></tr>{''.join(rows)}</table>"
        f"<p>Clusters at the end: {escape(others)}</p><p>Manual snapshots at the end: {escape(snapshots)}</p></section>"
    )


def _row(when: str, cluster: str, version: str, group: str, capacity: str) -> str:
    cells = "".join(f"<td>{escape(value)}</td>" for value in (cluster, version, group, capacity))
    return f"<tr><th>{when}</th>{cells}</tr>"


def _preflight(outcome: dict[str, Any]) -> str:
    report: dict[str, Any] = {}
    for entry in outcome.get("step_results", []):
        if step_name(entry["name"]) == "Preflight" and isinstance(entry["result"].get("report"), dict):
            report = entry["result"]["report"]
    rows = "".join(
        f'<tr><td class="{escape(c["status"])}">{escape(c["status"])}</td><td>{escape(c["id"])}</td>'
        f"<td>{escape(c.get('finding') or c['title'])}</td>"
        f"<td>{'<br>'.join(escape(str(e.get('detail'))) for e in c.get('evidence', []))}</td>"
        f"<td>{escape(c.get('remediation') or c.get('reason') or '')}</td></tr>"
        for c in report.get("checks", [])
    )
    header = "<tr><th>status</th><th>check</th><th>finding</th><th>evidence</th><th>what to do</th></tr>"
    body = (
        f"<table>{header}{rows}</table>" if rows else "<p>No preflight report: the run stopped before the checks.</p>"
    )
    return f'<section id="preflight"><h2>Preflight</h2>{body}</section>'


def _messages(outcome: dict[str, Any]) -> str:
    notes = "".join(
        f'<article class="message"><h3>{escape(str(n["subject"]))}</h3><pre>{escape(str(n["message"]))}</pre></article>'
        for n in outcome.get("notifications", [])
    )
    return f'<section id="messages"><h2>Messages people would receive</h2>{notes or "<p>none</p>"}</section>'
