"""``python -m benchmarks.bench``: what one upgrade costs and how quickly the workflow reacts.

Runs the simulator on the benchmark scenarios (benchmarks/scenarios/), times each handler's
cold import and measures its deployment package, times a synth and the test suite, prints a
table with the targets and writes ``benchmarks/results.json``. Missing a target is reported,
not an error: the exit status is 0 unless the benchmark itself could not run. docs/benchmark.md
explains every number.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from benchmarks.metrics import (
    DEFAULT_BILLED_SECONDS,
    PRICES,
    SCENARIOS,
    HandlerMetrics,
    ScenarioMetrics,
    cold_starts,
    estimate_cost,
    invocations_from_timeline,
    render,
    results_document,
    summarize_reactions,
)
from simulator.engine.runner import DEFAULT_CDK_OUT, REPO, ensure_synthesized, run_scenario
from simulator.engine.template import template_path
from simulator.scenario.model import Scenario

HERE = Path(__file__).resolve().parent
SCENARIO_FILES = {
    "blue_green": HERE / "scenarios" / "blue-green.json",
    "in_place": HERE / "scenarios" / "in-place.json",
}
DEMO_SCENARIO = REPO / "simulator" / "scenarios" / "seed-blue-green.json"
RESULTS = HERE / "results.json"
_CDK_HASH = re.compile(r"[0-9A-F]{8}$")
DEFAULT_MEMORY_MB = 128  # Lambda's default when a template gives no MemorySize

# what a Lambda execution environment sets that the handlers' import can depend on (Powertools reads
# AWS_LAMBDA_FUNCTION_NAME and the region at import)
_LAMBDA_ENVIRONMENT = {
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
    "AWS_ACCESS_KEY_ID": "benchmark",
    "AWS_SECRET_ACCESS_KEY": "benchmark",
    "AWS_SESSION_TOKEN": "benchmark",
    "LANG": "en_US.UTF-8",
}

_IMPORT_PROBE = """
import importlib, json, sys, time
sys.path[:0] = json.loads(sys.argv[1])
started = time.perf_counter()
importlib.import_module(sys.argv[2])
print((time.perf_counter() - started) * 1000)
"""
# what the probe executes before its import (the interpreter's start-up): counted once with no module to import
_NOTHING = "sys"
_COLLECTED = re.compile(r"^==\d+== Collected : (\d+)$", re.M)


@dataclass(frozen=True)
class DeployedFunction:
    """One function of the synthesized template: what Lambda would load and how big it is."""

    logical_id: str
    construct_id: str
    handler: str
    memory_mb: int
    code_dir: Path
    layer_dirs: tuple[Path, ...]  # layers this stack builds; the Powertools layer is AWS's
    environment: dict[str, str]


def deployed_functions(cdk_out: Path) -> list[DeployedFunction]:
    """The template's functions whose handler lives in our code, in template order.

    Named by construct id: the logical id without the 8-character hash CDK appends (for the step
    functions, the keys of ``STEP_HANDLERS`` in infra/stack.py). Read from the template, not from
    the stack's source, so that what is measured is what was synthesized.
    """
    resources: dict[str, Any] = json.loads(template_path(cdk_out).read_text())["Resources"]
    functions = []
    for logical_id, resource in resources.items():
        properties = resource["Properties"]
        if resource["Type"] != "AWS::Lambda::Function" or "Handler" not in properties:
            continue
        code_dir = _asset_dir(cdk_out, resource, "Code")
        if not (code_dir / properties["Handler"].split(".")[0]).is_dir():  # e.g. a CDK-provided function
            continue
        layers = [
            _asset_dir(cdk_out, resources[layer["Ref"]], "Content")
            for layer in properties.get("Layers", [])
            if isinstance(layer, dict)
            and resources.get(layer.get("Ref", ""), {}).get("Type") == "AWS::Lambda::LayerVersion"
        ]
        variables = properties.get("Environment", {}).get("Variables", {})
        functions.append(
            DeployedFunction(
                logical_id=logical_id,
                construct_id=_CDK_HASH.sub("", logical_id),
                handler=properties["Handler"],
                memory_mb=int(properties.get("MemorySize", DEFAULT_MEMORY_MB)),
                code_dir=code_dir,
                layer_dirs=tuple(layers),
                environment={k: v if isinstance(v, str) else f"deployed-{k.lower()}" for k, v in variables.items()},
            )
        )
    return functions


def _asset_dir(cdk_out: Path, resource: dict[str, Any], key: str) -> Path:
    path = resource.get("Metadata", {}).get("aws:asset:path")
    if path:
        return cdk_out / str(path)
    return cdk_out / f"asset.{str(resource['Properties'][key]['S3Key']).split('.')[0]}"


def directory_bytes(folder: Path) -> int:
    """Bytes of the files Lambda would unpack (bytecode caches left by local runs excluded)."""
    return sum(
        p.stat().st_size
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def _layer_import_root(layer: Path) -> Path:
    """Lambda unpacks a layer in /opt and puts /opt/python on sys.path."""
    return layer / "python" if (layer / "python").is_dir() else layer


def measure_handlers(
    functions: list[DeployedFunction], region: str, runs: int, notes: list[str]
) -> tuple[dict[str, HandlerMetrics], float | None]:
    """Cold import (median of ``runs`` fresh interpreters) and package size, per function; and the yardstick, a bare
    ``import boto3`` in the same environment, measured alternately with every handler module (so that a change of
    load or a cold file cache weighs on both alike): the median of all its samples. Each function's ratio is the
    median of its pairs' ratios (a handler's import over the boto3 import just before it), not the ratio of the
    medians: a busy moment then inflates both halves of one pair, not one handler against the whole run."""
    measured: dict[tuple[str, tuple[Path, ...]], float | None] = {}
    ratios: dict[tuple[str, tuple[Path, ...]], float | None] = {}
    instructions: dict[tuple[str, tuple[Path, ...]], float | None] = {}
    yardstick: list[float] = []
    counted_yardsticks: list[int | None] = []  # instructions of the probe importing nothing, and boto3: once
    with tempfile.TemporaryDirectory(prefix="bench-assets-") as scratch:
        # copies without bytecode, imported with -B: our code compiles at every cold start, as from a
        # read-only /var/task; boto3, pydantic and Powertools come from the venv (in AWS: runtime, layer)
        copies: dict[Path, Path] = {}
        for folder in {f.code_dir for f in functions} | {d for f in functions for d in f.layer_dirs}:
            copies[folder] = Path(scratch) / folder.name
            shutil.copytree(folder, copies[folder], ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        results: dict[str, HandlerMetrics] = {}
        for function in functions:
            module = function.handler.rpartition(".")[0]
            key = (module, (function.code_dir, *function.layer_dirs))
            if key not in measured:
                path = [
                    str(copies[function.code_dir]),
                    *(str(_layer_import_root(copies[d])) for d in function.layer_dirs),
                ]
                environment = _lambda_environment(function, region)
                samples: list[float] = []
                pairs: list[float] = []
                for _ in range(runs):
                    bare, handler = (
                        _import_ms("boto3", [], environment, notes),
                        _import_ms(module, path, environment, notes),
                    )
                    yardstick += [bare] if bare is not None else []
                    samples += [handler] if handler is not None else []
                    pairs += [handler / bare] if handler is not None and bare else []
                measured[key] = statistics.median(samples) if len(samples) == runs else None
                ratios[key] = statistics.median(pairs) if len(pairs) == runs else None
                instructions[key] = _instructions_ratio(module, path, environment, notes, counted_yardsticks)
            size = directory_bytes(function.code_dir) + sum(directory_bytes(d) for d in function.layer_dirs)
            results[function.construct_id] = HandlerMetrics(
                import_ms=measured[key],
                package_bytes=size,
                import_ratio=ratios[key],
                import_instructions_ratio=instructions[key],
            )
    return results, statistics.median(yardstick) if yardstick else None


def _instructions_ratio(
    module: str, path: list[str], env: dict[str, str], notes: list[str], yardsticks: list[int | None]
) -> float | None:
    """The handler's import over a bare ``import boto3`` in instructions executed (callgrind), each less the probe
    with nothing to import; None without valgrind (said once in the notes).

    ``yardsticks``: those two counts, made at the first call of a measurement (a count varies by about two parts in a
    thousand from one run to the next, and the functions' environments differ only in values boto3's import does not
    read)."""
    if shutil.which("valgrind") is None:
        note = "instructions x boto3: n/a, valgrind is not installed (Debian package valgrind; make bench installs it)"
        notes.extend([] if note in notes else [note])
        return None
    if not yardsticks:
        yardsticks.extend(_instructions(name, [], env, notes) for name in (_NOTHING, "boto3"))
    nothing, bare = yardsticks
    handler = _instructions(module, path, env, notes)
    if nothing is None or bare is None or handler is None or bare <= nothing:
        return None
    return (handler - nothing) / (bare - nothing)


def _instructions(module: str, path: list[str], env: dict[str, str], notes: list[str]) -> int | None:
    """Instructions one fresh interpreter executes to run the import probe for ``module`` (under callgrind)."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-I", "-B", "-c"]
    probe = subprocess.run(
        [*command, _IMPORT_PROBE, json.dumps(path), module], env=env, capture_output=True, text=True, check=False
    )
    found = _COLLECTED.search(probe.stderr)
    if probe.returncode != 0 or found is None:
        notes.append(f"instructions of the import of {module} not counted (valgrind exit {probe.returncode})")
        return None
    return int(found.group(1))


def _lambda_environment(function: DeployedFunction, region: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        **_LAMBDA_ENVIRONMENT,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": function.construct_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        **function.environment,
    }


def _import_ms(module: str, path: list[str], env: dict[str, str], notes: list[str]) -> float | None:
    """One fresh interpreter's import of ``module``, in milliseconds (None, with a note, when it fails)."""
    probe = subprocess.run(
        [sys.executable, "-I", "-B", "-c", _IMPORT_PROBE, json.dumps(path), module],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["no output"])[-1]
        notes.append(f"import of {module} failed: {last}")
        return None
    return float(probe.stdout.strip().splitlines()[-1])


def load_scenario(path: Path, notes: list[str]) -> Scenario:
    """The scenario, without the fields this simulator does not know yet (said in the notes)."""
    raw = json.loads(path.read_text())
    unknown = sorted(set(raw) - set(Scenario.model_fields))
    if unknown:
        consequence = (
            ": every change completed after `polls` describes, so the counts are not those of the scenario's durations"
            if "durations" in unknown
            else ""
        )
        notes.append(f"{path.name}: this simulator does not support {', '.join(unknown)} (ignored){consequence}")
    for key in ("durations", "approval"):
        if key in raw and key not in unknown:
            notes.append(f"{path.name}: {key} {json.dumps(raw[key])}")
    if "approval" in raw:
        required = raw.get("input", {}).get("require_approval", "not set (blue/green default: true)")
        notes.append(f"{path.name}: input require_approval {required}")
    try:
        return Scenario.model_validate({k: v for k, v in raw.items() if k not in unknown})
    except ValidationError as error:
        raise SystemExit(f"{path}: {error}") from None


def bench_scenario(
    name: str,
    cdk_out: Path,
    functions: list[DeployedFunction],
    handlers: Mapping[str, HandlerMetrics],
    notes: list[str],
) -> tuple[ScenarioMetrics, dict[str, str]]:
    scenario = load_scenario(SCENARIO_FILES[name], notes)
    with warnings.catch_warnings():  # Powertools warns when a handler publishes no metric: noise here
        warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
        outcome = run_scenario(scenario, cdk_out)
    if outcome["status"] != "SUCCEEDED":
        error = outcome.get("error") or {}
        notes.append(f"{name}: the execution ended {outcome['status']} ({error.get('step')}: {error.get('message')})")
    memory = {f.logical_id: f.memory_mb for f in functions}
    calls, timed = invocations_from_timeline(outcome["timeline"], memory, DEFAULT_MEMORY_MB)
    imports = {f.logical_id: handlers[f.construct_id].import_ms for f in functions if f.construct_id in handlers}
    init_seconds = {logical_id: ms / 1000 for logical_id, ms in imports.items() if ms is not None}
    billed_transitions = outcome["transitions"] + len(outcome.get("retry_sleeps_seconds", []))
    cost = estimate_cost(billed_transitions, calls, cold_starts(calls, init_seconds))
    notes.append(
        f"{name}: billed duration measured for {timed} of {len(calls)} handler runs"
        + ("" if timed == len(calls) else f", {DEFAULT_BILLED_SECONDS:g} s assumed for the others")
        + f"; {cost.gb_seconds:.1f} GB-s; Step Functions ${cost.step_functions_usd:.5f} "
        f"({billed_transitions} transitions incl. retries), Lambda requests ${cost.lambda_requests_usd:.5f}, "
        f"Lambda compute ${cost.lambda_compute_usd:.5f}"
    )
    reactions = summarize_reactions(outcome.get("reaction_delays"))
    worst = outcome.get("max_reaction_delay_seconds", reactions.max_seconds)
    if not reactions.reported:
        notes.append(f"{name}: the simulator does not report reaction delays (n/a)")
    extras = {
        "outcome": outcome["status"],
        "simulated duration": _clock(outcome.get("simulated_duration_seconds")),
        "worst reaction": (reactions.worst or "n/a")
        + (f" ({reactions.unacted} never acted on)" if reactions.unacted else ""),
    }
    metrics = ScenarioMetrics(
        transitions=outcome["transitions"],
        lambda_invocations=outcome["lambda_invocations"],
        max_reaction_delay_s=None if worst is None else float(worst),
        cost_usd=cost.total_usd,
    )
    return metrics, extras


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def time_synth(notes: list[str]) -> float | None:
    """``python app.py`` into a scratch folder: the whole synth, cdk-nag and the layer build included."""
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as outdir:
        started = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "app.py"],
            cwd=REPO,
            env={**os.environ, "CDK_OUTDIR": outdir},
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
    if run.returncode != 0:
        notes.append(f"synth failed (exit {run.returncode}): {(run.stderr.strip().splitlines() or [''])[-1]}")
        return None
    return elapsed


def time_suite(notes: list[str]) -> float | None:
    """The pytest suite alone (``make test`` also runs ruff and mypy)."""
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    summary = (run.stdout.strip().splitlines() or ["no output"])[-1]
    notes.append(f"test suite: {summary}" + ("" if run.returncode == 0 else f" (exit {run.returncode})"))
    # pytest exits 1 when tests fail (the time still counts); 2-5: interrupted, nothing meaningful timed
    return elapsed if run.returncode in (0, 1) else None


def _synthesized(cdk_out: Path, scratch: Path, notes: list[str]) -> Path:
    """The cloud assembly to benchmark: re-synthesized when stale.

    When the work tree does not synthesize (someone is halfway through a change), the last assembly
    is measured from a copy marked fresh, so that the simulator does not try to synthesize again.
    """
    try:
        return ensure_synthesized(cdk_out)
    except Exception as error:
        if not template_path(cdk_out).exists():
            raise
        notes.append(f"the sources do not synthesize ({type(error).__name__}: {error}); measured the last {cdk_out}")
        copy = scratch / "cdk.out"
        shutil.copytree(cdk_out, copy, ignore=shutil.ignore_patterns("__pycache__"))
        later = time.time() + 86_400  # others may go on editing during the run: stay "fresh" until it ends
        os.utime(template_path(copy), (later, later))
        return copy


def measure_demo_switchover(cdk_out: Path, notes: list[str]) -> dict[str, Any] | None:
    """The demo (make demo's scenario) on its real PostgreSQL servers: the write downtime its probe measured through
    the cluster endpoint, and the wall seconds the servers add to the run."""
    scenario = Scenario.load(DEMO_SCENARIO)
    if scenario.real_databases is None or os.environ.get("SIMULATOR_REAL_DATABASES") == "0":
        notes.append("demo switchover downtime: not measured (real databases off)")
        return None
    timings = {}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
        for label, variant in (("without", scenario.without_real_databases()), ("with", scenario)):
            started = time.perf_counter()
            outcome = run_scenario(variant, cdk_out)
            timings[label] = time.perf_counter() - started
    downtime = (outcome.get("real_databases") or {}).get("downtime")  # what the workflow's switchover probe returned
    if outcome["status"] != "SUCCEEDED" or not downtime:
        notes.append(f"demo switchover downtime: not measured (the demo ended {outcome['status']})")
        return None
    if not downtime.get("measured"):
        notes.append(f"demo switchover downtime: not measured ({downtime.get('not_measured')})")
        return None
    return {
        "write_unavailable_s": downtime["unavailable_seconds"],
        "probe_writes": downtime["writes_attempted"],
        "probe_writes_refused": downtime["writes_refused"],
        "real_databases_add_s": round(timings["with"] - timings["without"], 1),
    }


def previous_suite_seconds(path: Path) -> float | None:
    try:
        value = json.loads(path.read_text()).get("suite_s")
    except (OSError, ValueError):
        return None
    return float(value) if isinstance(value, int | float) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--cdk-out", type=Path, default=DEFAULT_CDK_OUT, help="synthesized CDK output to run")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the results JSON")
    parser.add_argument("--import-runs", type=int, default=9, help="fresh interpreters per handler import")
    parser.add_argument(
        "--skip-suite", action="store_true", help="do not run the test suite; reuse suite_s from the output file"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    notes = [f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (timings are wall clock)"]
    with tempfile.TemporaryDirectory(prefix="bench-cdk-out-") as scratch:
        cdk_out = _synthesized(args.cdk_out, Path(scratch), notes)
        functions = deployed_functions(cdk_out)
        region = str(json.loads(SCENARIO_FILES["blue_green"].read_text()).get("region", "us-east-1"))
        handlers, boto3_ms = measure_handlers(functions, region, args.import_runs, notes)
        scenarios: dict[str, ScenarioMetrics] = {}
        extras: dict[str, dict[str, str]] = {}
        for name in SCENARIOS:
            try:
                scenarios[name], extras[name] = bench_scenario(name, cdk_out, functions, handlers, notes)
            except Exception as error:  # report the others; the simulator and the assembly may be out of step
                notes.append(f"{name}: the simulator could not run it ({type(error).__name__}: {error})")
                scenarios[name], extras[name] = ScenarioMetrics(None, None, None, None), {"outcome": "not run"}
        demo_switchover = measure_demo_switchover(cdk_out, notes)
        notes.append(fleet_note(cdk_out))
    synth_s = time_synth(notes)
    if args.skip_suite:
        suite_s = previous_suite_seconds(args.output)
        notes.append(f"test suite not run (--skip-suite): suite_s reused from {args.output.name}")
    else:
        suite_s = time_suite(notes)
    document = results_document(
        scenarios, {f.construct_id: handlers[f.construct_id] for f in functions}, boto3_ms, synth_s, suite_s
    )
    document["demo_switchover"] = demo_switchover
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    notes += _assumptions(args.import_runs)
    print(render(document, {f.construct_id: f.handler for f in functions}, extras, notes))
    if demo_switchover:
        print(
            f"\nDemo switchover on real PostgreSQL 13.20 -> 14.18: writes through the cluster endpoint unavailable "
            f"{demo_switchover['write_unavailable_s']} s ({demo_switchover['probe_writes_refused']} of "
            f"{demo_switchover['probe_writes']} probe writes refused, one every 0.5 s); the real servers add "
            f"{demo_switchover['real_databases_add_s']} s to the demo"
        )
    print(f"\nWrote {args.output}")
    return 0


FLEET_CLUSTERS = 12  # a canary of two and waves of 25 (one wave here); the 100-cluster figures: benchmarks/fleet.py


def fleet_note(cdk_out: Path) -> str:
    """What a fleet costs its parent execution: transitions and history events per cluster, the largest state."""
    from benchmarks.fleet import run as run_fleet

    try:
        found = run_fleet(FLEET_CLUSTERS, cdk_out)
    except Exception as error:  # report it; the other figures stand
        return f"fleet: the simulator could not run it ({type(error).__name__}: {error})"
    return (
        f"fleet of {FLEET_CLUSTERS} ({found['status']}, {found['wall_seconds']} s): parent transitions "
        f"{found['parent_transitions']} ({found['parent_transitions'] / FLEET_CLUSTERS:.1f} per cluster), history "
        f"events {found['parent_history_events']} ({found['history_events_per_cluster']} per cluster), largest "
        f"state {found['largest_state_bytes']} bytes"
    )


def _assumptions(import_runs: int) -> list[str]:
    gb_second_price = f"{PRICES.lambda_arm64_per_gb_second:.10f}".rstrip("0")
    return [
        f"cost is an estimate: Step Functions Standard ${PRICES.step_functions_per_transition * 1000:g} per 1,000 "
        f"transitions (retries count) + Lambda arm64 ${PRICES.lambda_per_request * 1e6:g} per 1M requests + "
        f"${gb_second_price} per GB-s (memory from the template x billed duration, rounded up "
        "to 1 ms, plus one INIT per function lasting its cold import); us-east-1/eu-west-2 list prices, free tiers "
        "ignored",
        "not in the cost: RDS (the green cluster running beside blue for the whole provisioning, snapshot storage "
        "and I/O dominate the bill), SNS, CloudWatch Logs, X-Ray, DynamoDB",
        "import ms: time.perf_counter() around importlib.import_module(<handler module>) in a fresh `python -I -B`, "
        "sys.path = synthesized code asset copy (no bytecode) + our layers + the venv (Powertools layer and runtime "
        "boto3 in AWS), Lambda-like environment; "
        f"median of {import_runs}; x boto3 = that time over a bare `import boto3` in the same environment, measured "
        "alternately with each handler module (the median of all those samples); instructions x boto3 = the same "
        "ratio in instructions executed (valgrind --tool=callgrind; one run each, within 0.01 from run to run; the "
        "probe importing nothing is taken from both): what the wall clock measures without the machine's load",
        "package bytes: files of the function's code asset plus the layers this stack builds, unzipped (the Lambda "
        "limit is 250 MB unzipped); the AWS-managed Powertools layer is not counted",
    ]


if __name__ == "__main__":
    sys.exit(main())
