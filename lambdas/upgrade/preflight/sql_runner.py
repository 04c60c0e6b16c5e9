"""Run the SQL prechecks in every database and fold the rows into one report entry per check.

A check that errors in one database (permission denied, timeout) becomes a
warning naming that database; it never takes the rest of the report down with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from upgrade.database.sql import LIST_DATABASES, Connect, ConnectFailed, Executor, QueryFailed, connectable
from upgrade.preflight.sql_checks.catalogue import CHECKS, CONNECTIVITY_ID
from upgrade.preflight.sql_checks.model import Context, Row, SqlCheck
from upgrade.shared.preflight_report import CheckResult, Evidence, Status
from upgrade.shared.versions import Version

# The whole report goes to S3 and the workflow's state carries a bounded summary (upgrade.shared.report_store), so
# the cap no longer protects the state: it bounds the function's memory and the report object (the rest is counted).
MAX_EVIDENCE_PER_DATABASE = 2_000


@dataclass
class _Tally:
    findings: list[Evidence] = field(default_factory=list)
    errors: list[Evidence] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)


def run_database_checks(
    connect: Connect,
    source: Version,
    target: Version,
    strategy: str,
    first_database: str = "postgres",
    checks: Sequence[SqlCheck] = CHECKS,
) -> list[CheckResult]:
    """Every check of ``checks`` as a CheckResult, preceded by the DB-connectivity verdict.

    Cluster checks run once in ``first_database``; database checks in every connectable database.
    """
    context = Context(source, target, strategy)
    applicable = [c for c in checks if c.skip_reason(context) is None]
    cluster = [c for c in applicable if c.scope == "cluster"]
    per_database = [c for c in applicable if c.scope == "database"]
    tallies = {c.id: _Tally() for c in applicable}
    problems: list[Evidence] = []
    unreached: set[str] = set()
    try:
        first = connect(first_database)
    except ConnectFailed as error:
        problems.append(Evidence(database=first_database, detail=f"could not connect: {error}"))
        return [_connectivity(problems, "no checks could run")] + [
            _result(c, context, None, f"not run: no connection to {first_database}") for c in checks
        ]
    try:
        databases = _databases(first, first_database, problems)
        _run(first, first_database, cluster, context, tallies)
        if first_database in databases:
            _run(first, first_database, per_database, context, tallies)
    finally:
        first.close()
    for database in (d for d in databases if d != first_database):
        try:
            executor = connect(database)
        except ConnectFailed as error:
            problems.append(Evidence(database=database, detail=f"could not connect: {error}"))
            unreached.add(database)
            continue
        try:
            _run(executor, database, per_database, context, tallies)
        finally:
            executor.close()
    checked = ", ".join(d for d in databases if d not in unreached) or "nothing"
    return [_connectivity(problems, f"checked {checked}")] + [
        _result(c, context, tallies.get(c.id), "") for c in checks
    ]


def _databases(first: Executor, first_database: str, unreachable: list[Evidence]) -> list[str]:
    try:
        return connectable(first.query(LIST_DATABASES))
    except QueryFailed as error:
        unreachable.append(Evidence(database=first_database, detail=f"could not list databases: {error}"))
        return [first_database]


def _run(
    executor: Executor, database: str, checks: list[SqlCheck], context: Context, tallies: dict[str, _Tally]
) -> None:
    answers: dict[str, list[Row] | QueryFailed] = {}  # several checks share one query (P20)
    for item in checks:
        tally = tallies[item.id]
        if item.sql not in answers:
            try:
                answers[item.sql] = executor.query(item.sql)
            except QueryFailed as error:
                answers[item.sql] = error
        answer = answers[item.sql]
        if isinstance(answer, QueryFailed):
            tally.errors.append(Evidence(database=database, detail=f"check could not run: {answer}"))
            continue
        tally.checked.append(database)
        found = item.evidence(answer, context, database)
        tally.findings.extend(found[:MAX_EVIDENCE_PER_DATABASE])
        if len(found) > MAX_EVIDENCE_PER_DATABASE:
            tally.findings.append(
                Evidence(
                    database=database,
                    detail=f"... and {len(found) - MAX_EVIDENCE_PER_DATABASE} more (first "
                    f"{MAX_EVIDENCE_PER_DATABASE} shown)",
                )
            )


# What a check that did not pass found, said as a title: its own title states what it expects ("No invalid
# indexes"), which read as the opposite of the finding next to [WARN] or [FAIL]. Titles that name a subject
# ("Unlogged tables") read right either way and need no entry.
FINDINGS = {
    "P3-subscriptions": "The cluster is a logical replication subscriber",
    "P15-database-connections": "A database's connection setting is not what pg_upgrade needs",
    "P16-template-databases": "template0 or template1 is missing or not a template",
    "P19-not-null-inheritance": "An inheritance child lacks a NOT NULL its parent has",
    "BG-replication-capacity": "Too few replication slots, WAL senders or workers for one per database",
    "BG-no-primary-key": "Tables without a primary key or replica identity",
    "BG-logical-replication-in-use": "Blue is a publisher, or runs pglogical or pgactive",
    "BG-large-objects": "Large objects, which are not replicated to green",
    "P20-extensions-update-first": "PostGIS family, pgRouting or rdkit not at their newest source version",
    "P20-extensions-review": "Extensions to update, or to check before updating",
    "P24-transaction-id-age": "Transaction ID age is high",
    "P25-collation-versions": "Collations recorded with another library version",
    "P25-database-collation-version": "A database's default collation differs from its recorded version",
}


def finding_of(item: SqlCheck) -> str:
    """The title of what was found: an entry of FINDINGS, or "No X" turned into "X found"."""
    if item.id in FINDINGS:
        return FINDINGS[item.id]
    if item.title.startswith("No "):
        rest = item.title.removeprefix("No ")
        return f"{rest[0].upper()}{rest[1:]} found"
    return item.title


def _result(item: SqlCheck, context: Context, tally: _Tally | None, not_run: str) -> CheckResult:
    skipped = item.skip_reason(context) or not_run
    status: Status = "skipped"
    evidence: list[Evidence] = []
    if tally is None or skipped:
        reason = skipped
    elif tally.findings:
        places = sorted({e.database for e in tally.findings if e.database})
        status, evidence = item.status_for(context), tally.findings + tally.errors
        reason = f"{len(tally.findings)} finding(s)" + (f" in {', '.join(places)}" if places else "")
    elif tally.errors:
        status, evidence, reason = "warn", tally.errors, "could not run everywhere; see evidence"
    else:
        status, reason = "pass", f"checked {_plural(len(tally.checked), 'database')}"
    return CheckResult(
        id=item.id,
        title=item.title,
        finding=finding_of(item) if status in ("warn", "fail") else "",
        scope="database",
        status=status,
        evidence=evidence,
        remediation=item.remediation,
        reason=reason,
    )


def _connectivity(problems: list[Evidence], reason: str) -> CheckResult:
    # An unchecked database may hold a blocker, so not reaching one fails: the upgrade would run blind there.
    return CheckResult(
        id=CONNECTIVITY_ID,
        title="Every connectable database could be checked",
        finding="Databases that could not be checked" if problems else "",
        scope="database",
        status="fail" if problems else "pass",
        evidence=problems,
        remediation="Let the precheck role connect to every database (network path, credentials, "
        "GRANT CONNECT) and read the catalogs; then run the preflight again.",
        reason=reason,
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
