"""The summaries the workflow carries instead of whole reports: bounded, failures first, true counts, a location."""

from __future__ import annotations

import json

from upgrade.shared.post_upgrade_result import SUMMARY_ENTRIES_PER_LIST, AnalyzeOutcome, LeftoverWork, PostUpgradeResult
from upgrade.shared.preflight_report import (
    SUMMARY_DETAIL_CHARS,
    SUMMARY_ROWS_IN_ALL,
    SUMMARY_ROWS_PER_CHECK,
    CheckResult,
    Evidence,
    PreflightReport,
    ReportLocation,
)

LOCATION = ReportLocation(bucket="reports-bucket", key="reports/prod-db/run 1/preflight.json", region="eu-west-2")


def _check(n: int, status: str, rows: int) -> CheckResult:
    evidence = [Evidence(database=f"db{n}", object_name=f"t{r}", detail="x" * 1000) for r in range(rows)]
    return CheckResult(id=f"C{n:03d}", title=f"check {n}", scope="database", status=status, evidence=evidence)


def _report(checks: list[CheckResult]) -> PreflightReport:
    return PreflightReport(
        cluster_id="prod-db", source_version="13.20", target_version="16.6", strategy="in_place", checks=checks
    )


def test_the_summary_keeps_every_check_and_verdict_and_at_most_a_few_rows():
    whole = _report([_check(n, "warn" if n % 2 else "fail", 10_000) for n in range(40)] + [_check(99, "pass", 0)])
    summary = whole.bounded(LOCATION)
    assert [c.id for c in summary.checks] == sorted(c.id for c in summary.checks if c.status == "fail") + sorted(
        c.id for c in summary.checks if c.status == "warn"
    ) + ["C099"]
    assert summary.counts() == whole.counts()
    assert all(len(c.evidence) <= SUMMARY_ROWS_PER_CHECK for c in summary.checks)
    assert sum(len(c.evidence) for c in summary.checks) == SUMMARY_ROWS_IN_ALL
    assert all(c.evidence for c in summary.failures), "failing checks get their rows first"
    assert all(len(e.detail) == SUMMARY_DETAIL_CHARS for c in summary.checks for e in c.evidence)
    assert {c.rows_found for c in summary.checks if c.id != "C099"} == {10_000}
    assert len(summary.model_dump_json()) < 64 * 1024
    assert len(json.loads(whole.model_dump_json())["checks"][0]["evidence"]) == 10_000


def test_the_text_counts_every_row_and_names_the_whole_report():
    text = _report([_check(1, "fail", 500)]).bounded(LOCATION).text()
    assert f"... and {500 - SUMMARY_ROWS_PER_CHECK} more" in text
    assert "Whole report: s3://reports-bucket/reports/prod-db/run 1/preflight.json" in text
    assert (
        "https://s3.console.aws.amazon.com/s3/object/reports-bucket?region=eu-west-2"
        "&prefix=reports/prod-db/run%201/preflight.json"
    ) in text


def test_a_whole_report_reads_as_before():
    text = _report([_check(1, "fail", 12)]).text()
    assert "... and 2 more" in text and "Whole report" not in text


def test_post_upgrade_work_lists_are_bounded_and_the_whole_result_is_named():
    whole = PostUpgradeResult(
        cluster_id="prod-db-green-abc123",
        role="green",
        target_version="16.6",
        analyze=[AnalyzeOutcome(database=f"db{n}", mode="single", stages_done=1) for n in range(3_000)],
        leftover=[LeftoverWork(database=f"db{n}", what="ANALYZE", command=f"vacuumdb -d db{n}") for n in range(500)],
    )
    summary = whole.bounded(LOCATION)
    assert len(summary.analyze) == len(summary.leftover) == SUMMARY_ENTRIES_PER_LIST
    assert summary.left_out == {"analyze": 3_000 - SUMMARY_ENTRIES_PER_LIST, "leftover": 500 - SUMMARY_ENTRIES_PER_LIST}
    assert summary.complete is False, "the verdict is the whole result's"
    text = "\n".join(summary.lines())
    assert f"Not listed here: {3_000 - SUMMARY_ENTRIES_PER_LIST} more analyze, 480 more leftover." in text
    assert "Whole result: s3://reports-bucket/" in text
    assert len(summary.model_dump_json()) < 16 * 1024 < len(whole.model_dump_json())
