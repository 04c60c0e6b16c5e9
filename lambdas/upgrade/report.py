"""The preflight report: every check with its verdict, the evidence, and what to do about it.

Control-plane checks (boto3) and in-database checks (SQL) produce the same shape, so one
report carries both, as JSON in the execution output and as text in the notification.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Status = Literal["pass", "warn", "fail", "skipped"]
_ORDER = {"fail": 0, "warn": 1, "skipped": 2, "pass": 3}


class Evidence(BaseModel):
    """One offending object: where it is, and what is wrong with it."""

    model_config = ConfigDict(extra="ignore")

    database: str | None = None
    schema_name: str | None = None
    object_name: str | None = None
    detail: str


class CheckResult(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str  # stable, e.g. "P1-prepared-transactions" or "CP-valid-target"
    title: str
    scope: Literal["control-plane", "database"]
    status: Status
    evidence: list[Evidence] = []
    remediation: str = ""
    reason: str = ""  # why skipped, or a one-line summary
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
        if len(self.evidence) > limit:
            lines.append(f"    - ... and {len(self.evidence) - limit} more")
        if self.remediation and self.status != "skipped":
            lines.append(f"    fix: {self.remediation}")
        return lines


class PreflightReport(BaseModel):
    model_config = ConfigDict(extra="ignore")

    cluster_id: str
    source_version: str
    target_version: str
    strategy: str
    checks: list[CheckResult]

    @property
    def failures(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == "fail"]

    @property
    def warnings(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == "warn"]

    def counts(self) -> dict[str, int]:
        return {status: sum(1 for c in self.checks if c.status == status) for status in _ORDER}

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
        return "\n".join(lines)
