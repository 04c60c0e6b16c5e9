"""The fleet preflight: one table a person can read (which clusters can go tonight) and the same rows as JSON.

Each cluster's report-only execution ends with its preflight report summary in its output (``$.plan.report``:
every check and verdict; the whole report is in S3, named by ``location``); the fleet reads each child's output
with DescribeExecution rather than carrying every report through its own state, which would not fit 256 KiB.
"""

import json

from upgrade.fleet.models import ClusterRun, FleetState
from upgrade.fleet.waves import Describe
from upgrade.shared.base_model import Model
from upgrade.shared.preflight_report import PreflightReport

HEADLINES = 3  # per cluster in the table; the JSON and each cluster's report keep them all


class Row(Model):
    cluster_id: str
    version: str
    target: str
    strategy: str
    verdict: str  # "ready", "blocked", or why there is no report
    blockers: list[str] = []
    warnings: list[str] = []
    report: str | None = None  # the whole report's S3 URI
    execution: str


def rows(state: FleetState, describe: Describe) -> list[Row]:
    return [_row(run, state.strategy, describe) for run in state.clusters]


def _row(run: ClusterRun, strategy: str, describe: Describe) -> Row:
    row = Row(
        cluster_id=run.cluster_id,
        version=run.source_version,
        target=run.target_version,
        strategy=strategy,
        verdict="no report",
        execution=run.execution_name,
    )
    described = describe(run.execution_name)
    if described is None:
        return row.model_copy(update={"verdict": "not started"})
    if described.get("status") != "SUCCEEDED":
        return row.model_copy(
            update={"verdict": f"no report: {described.get('status')} {described.get('error') or ''}".strip()}
        )
    output = json.loads(str(described.get("output") or "{}"))
    raw = (output.get("plan") or {}).get("report")
    if raw is None:
        return row
    report = PreflightReport.model_validate(raw)
    return row.model_copy(
        update={
            "verdict": "blocked" if report.failures else "ready",
            "blockers": [f"{check.id}: {check.headline}" for check in report.failures],
            "warnings": [f"{check.id}: {check.headline}" for check in report.warnings],
            "report": report.location.uri if report.location else None,
        }
    )


def table(found: list[Row]) -> str:
    """Fixed-width text: cluster, version, target, strategy, verdict, then the first blockers and warnings."""
    header = ("cluster", "version", "target", "strategy", "verdict", "blockers", "warnings")
    lines = [
        (r.cluster_id, r.version, r.target, r.strategy, r.verdict, str(len(r.blockers)), str(len(r.warnings)))
        for r in found
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    text = [
        "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
        for cells in [header, *lines]
    ]
    for r in found:
        for label, items in (("blocker", r.blockers), ("warning", r.warnings)):
            text += [f"{r.cluster_id} {label}: {item}" for item in items[:HEADLINES]]
            if len(items) > HEADLINES:
                text.append(f"{r.cluster_id}: {len(items) - HEADLINES} more {label}s in {r.report or r.execution}")
    return "\n".join(text)
