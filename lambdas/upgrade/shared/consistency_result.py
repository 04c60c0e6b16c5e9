"""Blue against green before the switchover: what was compared and how it came out (with notification lines).

Kept apart from ``upgrade.shared.models`` (which imports this into ``WorkflowState``), so nothing here may import it.
"""

from typing import Literal

from pydantic import ConfigDict

from upgrade.shared.base_model import Model

MAX_LISTED = 50  # the result travels through Step Functions (256 KB) and e-mail


class _State(Model):
    model_config = ConfigDict(extra="ignore")


TableStatus = Literal["match", "mismatch", "missing_on_green", "not_checked"]
SequenceStatus = Literal["equal", "green_lower", "green_higher", "missing_on_green"]


class TableComparison(_State):
    database: str
    schema_name: str
    table: str
    status: TableStatus
    blue_rows: int | None = None
    green_rows: int | None = None
    attempts: int = 0
    detail: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.schema_name}.{self.table}"

    def describe(self) -> str:
        if self.status == "missing_on_green":
            return f"table {self.qualified} is missing on green"
        if self.status == "mismatch":
            return (
                f"table {self.qualified}: blue {self.blue_rows} rows, green {self.green_rows} rows "
                f"(differed on all {self.attempts} count(s))" + (f"; {self.detail}" if self.detail else "")
            )
        if self.status == "not_checked":
            return f"table {self.qualified} not checked: {self.detail or 'no time left in the budget'}"
        return f"table {self.qualified}: {self.blue_rows} rows on both"


class SequenceComparison(_State):
    database: str
    schema_name: str
    sequence: str
    status: SequenceStatus
    blue_last_value: int | None = None
    green_last_value: int | None = None

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.schema_name}.{self.sequence}"

    def describe(self) -> str:
        if self.status == "missing_on_green":
            return f"sequence {self.qualified} is missing on green"
        return f"sequence {self.qualified}: blue last_value {self.blue_last_value}, green {self.green_last_value}"


class SchemaChange(_State):
    """One difference between blue's and green's schema in a database (a change made on blue after green was made)."""

    database: str
    object: str  # "table public.orders", "sequence public.invoice_numbers", "extension hstore", "large objects"
    change: str  # "created on blue", "column note text (on blue only)", ...

    def describe(self) -> str:
        return f"schema change in database {self.database}: {self.object}: {self.change}"


SCHEMA_CHANGE_NEXT_STEP = (
    "Logical replication does not carry schema changes or large objects: apply the same change on green, or "
    "delete the blue/green deployment with its green (delete-blue-green-deployment --delete-target) and start the "
    "upgrade again, which copies blue as it is now."
)


class ConsistencyResult(_State):
    """Row counts of blue's largest tables and every sequence, blue vs green; listed entries are the notable ones."""

    skipped: str | None = None
    blue_cluster: str | None = None
    green_cluster: str | None = None
    databases: list[str] = []
    databases_not_checked: list[str] = []
    problems: list[str] = []  # a database that cannot be compared: counts as a mismatch
    tables_matched: int = 0
    tables: list[TableComparison] = []  # everything but matches (mismatches first), capped
    sequences_compared: int = 0
    sequences: list[SequenceComparison] = []  # everything but equal values (missing first), capped
    schema_changes: list[SchemaChange] = []  # blue vs green schema fingerprints, capped
    omitted: int = 0  # notable entries left out of the lists above by the cap
    budget_seconds: int = 0
    elapsed_seconds: float = 0.0

    @property
    def mismatches(self) -> list[str]:
        return (
            self.problems
            + [c.describe() for c in self.schema_changes]
            + [t.describe() for t in self.tables if t.status in ("mismatch", "missing_on_green")]
            + [s.describe() for s in self.sequences if s.status == "missing_on_green"]
        )

    @property
    def passed(self) -> bool:
        return self.skipped is None and not self.mismatches

    def lines(self) -> list[str]:
        if self.skipped:
            return [f"Blue/green consistency check skipped: {self.skipped}"]
        verdict = "PASSED" if self.passed else "FAILED"
        out = [
            f"Blue/green consistency check {verdict}: {self.blue_cluster} (blue) vs {self.green_cluster} (green), "
            f"databases {', '.join(self.databases) or 'none'}.",
            f"Tables with equal row counts: {self.tables_matched}; sequences compared: {self.sequences_compared}.",
        ]
        out.extend(f"MISMATCH: {line}" for line in self.mismatches)
        if self.schema_changes:
            out.append(SCHEMA_CHANGE_NEXT_STEP)
        unchecked = [t for t in self.tables if t.status == "not_checked"]
        out.extend(f"Not checked: {t.describe()}" for t in unchecked)
        if self.databases_not_checked:
            out.append(f"Databases not checked (time budget): {', '.join(self.databases_not_checked)}")
        lower = [s for s in self.sequences if s.status == "green_lower"]
        if lower:
            out.append(
                f"{len(lower)} sequence(s) lower on green: expected before the switchover (logical replication does "
                "not carry sequence values; RDS synchronizes them during the switchover, RDS-EVENT-0311/0312)."
            )
            out.extend(f"  {s.describe()}" for s in lower[:10])
        out.extend(f"Green ahead of blue: {s.describe()}" for s in self.sequences if s.status == "green_higher")
        if self.omitted:
            out.append(f"... {self.omitted} more entries not listed.")
        out.append(f"Took {self.elapsed_seconds:.0f} s of a {self.budget_seconds} s budget.")
        return out
