"""The preflight report: every check with its verdict, the evidence, and what to do about it.

Control-plane checks (boto3) and in-database checks (SQL) produce the same shape, so one
report carries both. The whole report can grow with the data (every offending object of every
database), past the 256 KiB a Step Functions state may hold ("Step Functions service quotas",
https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). So the workflow writes
the whole report to S3 and carries a bounded summary in its state (``PreflightReport.bounded``):
every check with its verdict, the first few evidence rows of each, the true row counts, and where
the whole report is.
"""

from typing import Literal
from urllib.parse import quote

from pydantic import ConfigDict, Field

from upgrade.shared.base_model import Model

Status = Literal["pass", "warn", "fail", "skipped"]
_ORDER = {"fail": 0, "warn": 1, "skipped": 2, "pass": 3}
# What the summary in the state keeps: a few rows per check, a bounded number in all, each row's text cut.
SUMMARY_ROWS_PER_CHECK = 3
SUMMARY_ROWS_IN_ALL = 60
SUMMARY_DETAIL_CHARS = 300


class Evidence(Model):
    """One offending object: where it is, and what is wrong with it."""

    model_config = ConfigDict(extra="ignore")

    database: str | None = None
    schema_name: str | None = None
    object_name: str | None = None
    detail: str


class CheckResult(Model):
    model_config = ConfigDict(extra="ignore")

    id: str  # stable, e.g. "P1-prepared-transactions" or "CP-valid-target"
    title: str
    scope: Literal["control-plane", "database"]
    status: Status
    evidence: list[Evidence] = []
    remediation: str = ""
    reason: str = ""  # why skipped, or a one-line summary
    evidence_total: int | None = Field(default=None, description="rows found, when ``evidence`` keeps only the first")
    finding: str = ""  # what a warn/fail found, said as a title ("Deletion protection is off")

    @property
    def headline(self) -> str:
        """What a person reads first: the finding when the check did not pass, never the expectation it missed."""
        if self.status in ("warn", "fail"):
            return self.finding or self.title
        return self.title

    def lines(self, limit: int = 10) -> list[str]:
        """The headline, the evidence (every message that names the check keeps it) and the fix."""
        lines = [f"[{self.status.upper()}] {self.id}: {self.headline}" + (f" ({self.reason})" if self.reason else "")]
        for item in self.evidence[:limit]:
            where = ".".join(p for p in (item.database, item.schema_name, item.object_name) if p)
            lines.append(f"    - {where + ': ' if where else ''}{item.detail}")
        shown = min(len(self.evidence), limit)
        if self.rows_found > shown:
            lines.append(f"    - ... and {self.rows_found - shown} more")
        if self.remediation and self.status != "skipped":
            lines.append(f"    fix: {self.remediation}")
        return lines

    @property
    def rows_found(self) -> int:
        return len(self.evidence) if self.evidence_total is None else self.evidence_total


class ReportLocation(Model):
    """Where the whole report was written: an S3 object, and the console page that opens it."""

    model_config = ConfigDict(extra="ignore")

    bucket: str
    key: str
    region: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def console_url(self) -> str:
        return (
            f"https://s3.console.aws.amazon.com/s3/object/{self.bucket}"
            f"?region={self.region}&prefix={quote(self.key, safe='/')}"
        )


class PreflightReport(Model):
    model_config = ConfigDict(extra="ignore")

    cluster_id: str
    source_version: str
    target_version: str
    strategy: str
    checks: list[CheckResult]
    location: ReportLocation | None = None  # set on a summary: the whole report is there

    @property
    def failures(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == "fail"]

    @property
    def warnings(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == "warn"]

    def counts(self) -> dict[str, int]:
        return {status: sum(1 for c in self.checks if c.status == status) for status in _ORDER}

    def bounded(self, location: ReportLocation) -> "PreflightReport":
        """The summary the workflow carries: every check and verdict, the first evidence rows, the true counts."""
        budget = SUMMARY_ROWS_IN_ALL
        checks = []
        for check in sorted(self.checks, key=lambda c: _ORDER[c.status]):  # failures get the rows first
            kept = check.evidence[: min(SUMMARY_ROWS_PER_CHECK, budget)]
            budget -= len(kept)
            rows = [row.model_copy(update={"detail": _cut(row.detail)}) for row in kept]
            checks.append(check.model_copy(update={"evidence": rows, "evidence_total": check.rows_found}))
        return self.model_copy(update={"checks": checks, "location": location})

    def text(self, limit_per_check: int = 10) -> str:
        """What a person reads: failures first, each with its evidence and remediation."""
        counts = self.counts()
        lines = [
            f"Preflight of {self.cluster_id}: {self.source_version} -> {self.target_version} ({self.strategy})",
            f"{counts['fail']} failed, {counts['warn']} warnings, {counts['pass']} passed, {counts['skipped']} skipped",
        ]
        for check in sorted(self.checks, key=lambda c: _ORDER[c.status]):
            if check.status != "pass":
                lines += check.lines(limit_per_check)
        if self.location is not None:
            lines += ["", f"Whole report: {self.location.uri}", f"Open it in the console: {self.location.console_url}"]
        return "\n".join(lines)


def _cut(text: str) -> str:
    return text if len(text) <= SUMMARY_DETAIL_CHARS else text[: SUMMARY_DETAIL_CHARS - 3] + "..."
