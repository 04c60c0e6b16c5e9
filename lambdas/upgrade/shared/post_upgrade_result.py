"""What the post-upgrade step did and left to do, and the Terraform drift report: models with notification lines.

Kept apart from ``upgrade.shared.models`` (which imports these into ``WorkflowState``), so nothing here may import it.
"""

from typing import Literal

from pydantic import ConfigDict

from upgrade.shared.base_model import Model
from upgrade.shared.preflight_report import ReportLocation

GIB = 1024**3
# What the workflow's state keeps of each per-database list; the whole result is in S3 (upgrade.shared.report_store)
SUMMARY_ENTRIES_PER_LIST = 20
_PER_DATABASE_LISTS = ("analyze", "extensions_updated", "extensions_failed", "unreachable", "leftover")


class _State(Model):
    model_config = ConfigDict(extra="ignore")


class AnalyzeOutcome(_State):
    """ANALYZE of one database: a single pass, or vacuumdb's three stages for a large one."""

    database: str
    mode: Literal["single", "in_stages"]
    size_bytes: int | None = None
    stages_done: int = 0
    stages_total: int = 1
    seconds: float = 0.0
    error: str | None = None

    @property
    def done(self) -> bool:
        return self.stages_done >= self.stages_total

    def summary(self) -> str:
        size = f", {_size(self.size_bytes)}" if self.size_bytes is not None else ""
        how = "in stages" if self.mode == "in_stages" else "single pass"
        progress = "" if self.done else f", {self.stages_done} of {self.stages_total} stage(s) done"
        return f"{self.database} ({how}{size}{progress}, {self.seconds:.1f} s)"


def _size(size_bytes: int) -> str:
    return f"{size_bytes / GIB:.1f} GiB" if size_bytes >= GIB else f"{size_bytes / 1024**2:.0f} MiB"


class ExtensionChange(_State):
    database: str
    name: str
    from_version: str
    to_version: str
    via: Literal["alter_extension", "postgis_extensions_upgrade"] = "alter_extension"


class ExtensionFailure(_State):
    database: str
    name: str
    from_version: str
    target_version: str | None = None
    error: str


class DatabaseProblem(_State):
    database: str
    error: str


class LeftoverWork(_State):
    """Work the budget (or an error) left undone, with the command that finishes it by hand."""

    database: str | None = None  # None: every database
    what: str
    command: str


class PostUpgradeResult(_State):
    """ANALYZE, extension updates and the version check on the upgraded cluster (green, or the cluster in place)."""

    cluster_id: str
    role: Literal["green", "cluster"]
    target_version: str
    endpoint: str | None = None
    instance_versions: dict[str, str] = {}
    server_version: str | None = None
    sql_skipped: str | None = None
    analyze: list[AnalyzeOutcome] = []
    extensions_updated: list[ExtensionChange] = []
    extensions_failed: list[ExtensionFailure] = []
    unreachable: list[DatabaseProblem] = []
    leftover: list[LeftoverWork] = []
    budget_seconds: int = 0
    elapsed_seconds: float = 0.0
    budget_exhausted: bool = False
    location: ReportLocation | None = None  # set on a summary: the whole result is there
    left_out: dict[str, int] = {}  # entries of each per-database list the summary does not carry

    def bounded(self, location: ReportLocation) -> "PostUpgradeResult":
        """The summary the workflow carries: every count and verdict, the first entries of each per-database list."""
        kept = {name: getattr(self, name)[:SUMMARY_ENTRIES_PER_LIST] for name in _PER_DATABASE_LISTS}
        left_out = {name: len(getattr(self, name)) - len(kept[name]) for name in _PER_DATABASE_LISTS}
        return self.model_copy(
            update={**kept, "location": location, "left_out": {k: n for k, n in left_out.items() if n}}
        )

    @property
    def complete(self) -> bool:
        return not (self.sql_skipped or self.leftover or self.extensions_failed or self.unreachable)

    def lines(self) -> list[str]:
        where = "green cluster" if self.role == "green" else "cluster"
        verdict = "complete" if self.complete else "NOT complete"
        out = [f"Post-upgrade work on {where} {self.cluster_id} (target {self.target_version}): {verdict}."]
        versions = ", ".join(f"{name} {version}" for name, version in sorted(self.instance_versions.items()))
        out.append(f"Engine version per instance: {versions or 'no instances'}.")
        if self.server_version:
            out.append(f"The writer answers server_version {self.server_version}.")
        if self.sql_skipped:
            out.append(f"In-database work skipped: {self.sql_skipped}")
        if self.analyze:
            out.append("ANALYZE: " + "; ".join(outcome.summary() for outcome in self.analyze) + ".")
        out.extend(
            f"Extension updated in {c.database}: {c.name} {c.from_version} -> {c.to_version}"
            + (" (postgis_extensions_upgrade)" if c.via == "postgis_extensions_upgrade" else "")
            for c in self.extensions_updated
        )
        out.extend(
            f"Extension update FAILED in {f.database}: {f.name} {f.from_version}"
            + (f" -> {f.target_version}" if f.target_version else "")
            + f": {f.error}"
            for f in self.extensions_failed
        )
        out.extend(f"ANALYZE error in {a.database}: {a.error}" for a in self.analyze if a.error and not a.done)
        out.extend(f"Could not work in database {p.database}: {p.error}" for p in self.unreachable)
        if self.leftover:
            reason = f"the time budget of {self.budget_seconds} s ran out" if self.budget_exhausted else "see above"
            out.append(f"Left to do ({reason}); run by hand:")
            out.extend(
                f"  - {item.what}{f' in {item.database}' if item.database else ''}: {item.command}"
                for item in self.leftover
            )
            if self.role == "green":
                out.append("  (after the switchover green answers on the cluster's usual endpoint: use that host)")
        out.append(f"Took {self.elapsed_seconds:.0f} s of a {self.budget_seconds} s budget.")
        if self.left_out:
            more = ", ".join(f"{n} more {name.replace('_', ' ')}" for name, n in self.left_out.items())
            out.append(f"Not listed here: {more}.")
        if self.location is not None:
            out += [f"Whole result: {self.location.uri}", f"Open it in the console: {self.location.console_url}"]
        return out


class DriftReport(_State):
    """What the cluster's Terraform/Terragrunt code needs now, so ``plan`` shows no change and nothing reverts."""

    cluster_id: str
    strategy: Literal["blue_green", "in_place"]
    changed: bool
    engine_version: str
    family: str
    terragrunt_inputs: str
    notes: list[str] = []

    def lines(self) -> list[str]:
        if not self.changed:
            return [f"Terraform/Terragrunt for {self.cluster_id}: no change needed.", *self.notes]
        return [
            f"Terraform/Terragrunt for {self.cluster_id}: update the inputs to what now runs:",
            *self.terragrunt_inputs.splitlines(),
            *(f"- {note}" for note in self.notes),
        ]
