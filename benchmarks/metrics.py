"""The benchmark's arithmetic, free of I/O: cost estimate, reaction delays, targets, the printed table.

Prices are AWS list prices (us-east-1; eu-west-2 charges the same for both services), checked
against https://aws.amazon.com/step-functions/pricing/ and https://aws.amazon.com/lambda/pricing/.
The estimate leaves out the free tiers and everything that is not Step Functions or Lambda.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

SCENARIOS = ("blue_green", "in_place")

Verdict = Literal["pass", "FAIL", "n/a"]


@dataclass(frozen=True)
class Prices:
    step_functions_per_transition: float = 0.025 / 1_000  # Standard workflows, retries included
    lambda_per_request: float = 0.20 / 1_000_000
    lambda_arm64_per_gb_second: float = 0.0000133334  # first pricing tier, billed per 1 ms


PRICES = Prices()
# when the simulator does not report how long a handler ran: a generous second per call
DEFAULT_BILLED_SECONDS = 1.0


@dataclass(frozen=True)
class Invocation:
    function: str
    memory_mb: int
    seconds: float


@dataclass(frozen=True)
class CostEstimate:
    step_functions_usd: float
    lambda_requests_usd: float
    lambda_compute_usd: float
    gb_seconds: float

    @property
    def total_usd(self) -> float:
        return self.step_functions_usd + self.lambda_requests_usd + self.lambda_compute_usd


def invocations_from_timeline(
    timeline: Iterable[Mapping[str, Any]],
    memory_mb: Mapping[str, int],
    default_memory_mb: int,
    default_seconds: float = DEFAULT_BILLED_SECONDS,
) -> tuple[list[Invocation], int]:
    """Each handler run of a simulated execution, and how many had a measured duration.

    ``invoke`` and ``error`` events are handler runs; an injected fault (``"injected": true``)
    fails before the handler runs, so Lambda bills nothing for it in this model. The duration is
    the handler's wall time when the simulator kept it in the event (``invocation_seconds``, or
    ``seconds`` of an invoke or error event), else ``default_seconds``.
    """
    found: list[Invocation] = []
    measured = 0
    for event in timeline:
        if event.get("kind") not in ("invoke", "error") or event.get("injected"):
            continue
        seconds = event.get("invocation_seconds", event.get("seconds"))
        if isinstance(seconds, int | float):
            measured += 1
        else:
            seconds = default_seconds
        name = str(event["name"])
        found.append(Invocation(name, memory_mb.get(name, default_memory_mb), float(seconds)))
    return found, measured


def cold_starts(invocations: Sequence[Invocation], init_seconds: Mapping[str, float]) -> list[Invocation]:
    """One INIT per function invoked (AWS bills the INIT phase since August 2025), lasting its import time.

    A poll loop calls the same function every minute or so, which keeps its environment warm;
    one cold start per function is the usual case, not a bound.
    """
    first: dict[str, Invocation] = {}
    for call in invocations:
        if call.function not in first and call.function in init_seconds:
            first[call.function] = Invocation(call.function, call.memory_mb, init_seconds[call.function])
    return list(first.values())


def estimate_cost(
    transitions: int,
    invocations: Sequence[Invocation],
    inits: Sequence[Invocation] = (),
    prices: Prices = PRICES,
) -> CostEstimate:
    """Step Functions transitions, Lambda requests, Lambda GB-seconds (each run rounded up to the ms)."""
    gb_seconds = sum(call.memory_mb / 1024 * math.ceil(call.seconds * 1000) / 1000 for call in [*invocations, *inits])
    return CostEstimate(
        step_functions_usd=transitions * prices.step_functions_per_transition,
        lambda_requests_usd=len(invocations) * prices.lambda_per_request,
        lambda_compute_usd=gb_seconds * prices.lambda_arm64_per_gb_second,
        gb_seconds=gb_seconds,
    )


@dataclass(frozen=True)
class ReactionSummary:
    """The worst delay between an RDS change and the workflow's next step acting on it."""

    reported: bool  # False: the simulator does not measure reaction delays
    max_seconds: float | None = None
    worst: str | None = None  # "<change> of <resource>"
    by_change: dict[str, float] = field(default_factory=dict)
    unacted: int = 0  # changes the workflow never acted on before it ended


def summarize_reactions(delays: Sequence[Mapping[str, Any]] | None) -> ReactionSummary:
    if delays is None:
        return ReactionSummary(reported=False)
    acted = [d for d in delays if d.get("delay_seconds") is not None]
    by_change: dict[str, float] = {}
    for delay in acted:
        change, seconds = str(delay["change"]), float(delay["delay_seconds"])
        by_change[change] = max(by_change.get(change, seconds), seconds)
    if not acted:
        return ReactionSummary(reported=True, unacted=len(delays))
    worst = max(acted, key=lambda d: float(d["delay_seconds"]))
    return ReactionSummary(
        reported=True,
        max_seconds=float(worst["delay_seconds"]),
        worst=f"{worst['change']} of {worst['resource']}",
        by_change=by_change,
        unacted=len(delays) - len(acted),
    )


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    limit: float
    scenarios: tuple[str, ...]


TARGETS = (
    Target("transitions", "state transitions", 150, ("blue_green",)),
    Target("lambda_invocations", "Lambda invocations", 60, ("blue_green",)),
    Target("max_reaction_delay_s", "max reaction delay (s)", 60, SCENARIOS),
)
# a handler's cold import against a bare `import boto3` measured the same way in the same run: a ratio, since
# absolute times differ between machines (issue 13: at most twice)
IMPORT_RATIO_LIMIT = 2.0


def verdict(value: float | None, limit: float) -> Verdict:
    if value is None:
        return "n/a"
    return "pass" if value <= limit else "FAIL"


@dataclass(frozen=True)
class Check:
    subject: str
    label: str
    value: float | None
    limit: float
    verdict: Verdict


def evaluate(document: Mapping[str, Any]) -> list[Check]:
    """Every target against the results document (the shape of ``results_document``)."""
    checks = [
        Check(
            name,
            target.label,
            document[name][target.key],
            target.limit,
            verdict(document[name][target.key], target.limit),
        )
        for target in TARGETS
        for name in target.scenarios
    ]
    for handler, measured in document["handlers"].items():
        value = measured["import_ratio"]
        checks.append(
            Check(handler, "handler import (x boto3)", value, IMPORT_RATIO_LIMIT, verdict(value, IMPORT_RATIO_LIMIT))
        )
    return checks


@dataclass(frozen=True)
class ScenarioMetrics:
    transitions: int | None
    lambda_invocations: int | None
    max_reaction_delay_s: float | None
    cost_usd: float | None


@dataclass(frozen=True)
class HandlerMetrics:
    import_ms: float | None
    package_bytes: int
    # the median of (handler import / bare boto3 import) over pairs measured one right after the other: a load
    # spike then weighs on both halves of a pair alike (None: the ratio of the medians is used)
    import_ratio: float | None = None
    # the same ratio in instructions executed (valgrind's callgrind), interpreter start-up taken out of both: within
    # 0.01 from run to run on a machine, where wall-clock pairs vary with its load (None: valgrind not installed)
    import_instructions_ratio: float | None = None


def results_document(
    scenarios: Mapping[str, ScenarioMetrics],
    handlers: Mapping[str, HandlerMetrics],
    boto3_import_ms: float | None,
    synth_s: float | None,
    suite_s: float | None,
) -> dict[str, Any]:
    """``benchmarks/results.json``: exactly these keys, ``null`` where a number could not be measured."""
    document: dict[str, Any] = {
        name: {
            "transitions": scenarios[name].transitions,
            "lambda_invocations": scenarios[name].lambda_invocations,
            "max_reaction_delay_s": _rounded(scenarios[name].max_reaction_delay_s, 1),
            "cost_usd": _rounded(scenarios[name].cost_usd, 6),
        }
        for name in SCENARIOS
    }
    document["boto3_import_ms"] = _rounded(boto3_import_ms, 1)
    document["handlers"] = {
        handler: {
            "import_ms": _rounded(m.import_ms, 1),
            "import_ratio": _rounded(
                m.import_ratio if m.import_ratio is not None else _ratio(m.import_ms, boto3_import_ms), 2
            ),
            "import_instructions_ratio": _rounded(m.import_instructions_ratio, 2),
            "package_bytes": m.package_bytes,
        }
        for handler, m in handlers.items()
    }
    document["synth_s"] = _rounded(synth_s, 2)
    document["suite_s"] = _rounded(suite_s, 2)
    return document


def _ratio(value: float | None, baseline: float | None) -> float | None:
    return None if value is None or not baseline else value / baseline


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def number(value: float | None, spec: str = "") -> str:
    return "n/a" if value is None else format(value, spec)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """Columns padded to their widest cell: the first ``left`` columns left-aligned, the others right-aligned."""
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            str(cell).ljust(width) if i < left else str(cell).rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(row) for row in rows)])


def _cell(value: float | None, spec: str, limit: float | None) -> str:
    """The number, followed by pass or FAIL when it has a target."""
    if value is None or limit is None:
        return number(value, spec)
    return f"{number(value, spec)} {verdict(value, limit)}"


def render(
    document: Mapping[str, Any],
    handler_paths: Mapping[str, str],
    extras: Mapping[str, Mapping[str, str]],
    notes: Sequence[str],
) -> str:
    """The printed report: per-upgrade table, handler table, build table, then the notes.

    ``extras``: per scenario, additional informational rows (label -> text), e.g. the outcome.
    """
    limits = {(t.key, name): t.limit for t in TARGETS for name in t.scenarios}
    targets = {t.key: f"<= {t.limit:g} ({', '.join(t.scenarios)})" for t in TARGETS}
    rows: list[list[str]] = []
    for key, label, spec in (
        ("transitions", "state transitions", "d"),
        ("lambda_invocations", "Lambda invocations", "d"),
        ("max_reaction_delay_s", "max reaction delay (s)", ".1f"),
        ("cost_usd", "est. Step Functions + Lambda cost (USD)", ".5f"),
    ):
        cells = [_cell(document[name][key], spec, limits.get((key, name))) for name in SCENARIOS]
        rows.append([label, *cells, targets.get(key, "-")])
    for label in sorted({label for extra in extras.values() for label in extra}):
        rows.append([label, *(extras.get(name, {}).get(label, "") for name in SCENARIOS), ""])
    handler_rows = [
        [
            handler,
            handler_paths.get(handler, ""),
            number(m["import_ms"], ".0f"),
            _cell(m["import_ratio"], ".2f", IMPORT_RATIO_LIMIT),
            number(m.get("import_instructions_ratio"), ".2f"),
            f"{m['package_bytes']:,}",
        ]
        for handler, m in document["handlers"].items()
    ]
    checks = evaluate(document)
    missed = [c for c in checks if c.verdict == "FAIL"]
    unknown = [c for c in checks if c.verdict == "n/a"]
    summary = f"Targets: {len(checks) - len(missed) - len(unknown)} pass, {len(missed)} FAIL, {len(unknown)} n/a"
    parts = [
        "Per upgrade (simulated)",
        format_table(["metric", *SCENARIOS, "target"], rows),
        "",
        f"Handlers (cold import: median of fresh interpreters; bare `import boto3` "
        f"{number(document['boto3_import_ms'], '.0f')} ms; target <= {IMPORT_RATIO_LIMIT:g} x boto3)",
        format_table(
            ["function", "handler", "import ms", "x boto3", "instructions x boto3", "package bytes"],
            handler_rows,
            left=2,
        ),
        "",
        format_table(
            ["build", "seconds"],
            [
                ["synth (python app.py)", number(document["synth_s"], ".1f")],
                ["test suite", number(document["suite_s"], ".1f")],
            ],
        ),
        "",
        summary,
        *(f"  FAIL {c.subject}: {c.label} {number(c.value, 'g')} > {c.limit:g}" for c in missed),
    ]
    if notes:
        parts += ["", "Notes", *(f"  - {note}" for note in notes)]
    return "\n".join(parts)
