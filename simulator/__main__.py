"""``python -m simulator run SCENARIO.json [--json] [--html FILE]`` and ``python -m simulator check SCENARIO...``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from simulator.engine.runner import DEFAULT_CDK_OUT, ensure_synthesized, run_scenario
from simulator.scenario.expectations import unmet
from simulator.scenario.html import render_html
from simulator.scenario.model import Scenario, ScenarioError
from simulator.scenario.report import render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one scenario and show what happened")
    run.add_argument("scenario", type=Path)
    run.add_argument("--json", action="store_true", help="print one JSON object instead of the readable report")
    run.add_argument("--html", type=Path, help="also write a self-contained HTML report of the run to this file")
    check = commands.add_parser("check", help="run scenarios and compare each with its 'expect' block")
    check.add_argument("scenarios", type=Path, nargs="+")
    for sub in (run, check):
        sub.add_argument("--cdk-out", type=Path, default=DEFAULT_CDK_OUT, help="synthesized CDK output to execute")
        sub.add_argument("--synth", action="store_true", help="synthesize the CDK app first")
        sub.add_argument("--log-level", help="Powertools log level of the handlers (default ERROR)")
        sub.add_argument(
            "--no-real-databases",
            action="store_true",
            default=os.environ.get("SIMULATOR_REAL_DATABASES", "1") == "0",
            help="run a scenario's real_databases on simulated RDS only (no servers, no database access; also "
            "SIMULATOR_REAL_DATABASES=0)",
        )
    args = parser.parse_args(argv)
    ensure_synthesized(args.cdk_out, force=args.synth)
    if args.command == "run":
        return _run(args.scenario, args)
    return _check(args.scenarios, args)


def _run(path: Path, args: Any) -> int:
    try:
        scenario = _load(path, args)
        outcome = run_scenario(scenario, args.cdk_out, args.log_level)
    except ScenarioError as error:
        print(f"invalid scenario: {error}", file=sys.stderr)
        return 2
    outcome["expectations_unmet"] = unmet(scenario.expect, outcome)
    if args.json:
        print(json.dumps(outcome, indent=2, default=str))
    else:
        print(render(scenario, outcome))
    if args.html:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(render_html(scenario, outcome))
        print(f"HTML report: {args.html}", file=sys.stderr)
    return 0 if outcome["status"] == "SUCCEEDED" else 1


def _check(paths: list[Path], args: Any) -> int:
    """Every file runs and is reported, whatever happened to the one before."""
    failures = 0
    for path in paths:
        problems = _problems(path, args)
        failures += bool(problems)
        print(f"{'ok  ' if not problems else 'FAIL'} {path}", flush=True)
        for problem in problems:
            print(f"     - {problem}", flush=True)
    print(f"{len(paths) - failures} passed, {failures} failed")
    return 1 if failures else 0


def _problems(path: Path, args: Any) -> list[str]:
    try:
        scenario = _load(path, args)
        return unmet(scenario.expect, run_scenario(scenario, args.cdk_out, args.log_level))
    except ScenarioError as error:
        return [f"invalid scenario: {str(error).removeprefix(f'{path}: ')}"]
    except Exception as error:  # one scenario's crash is reported; the batch goes on
        return [f"the run crashed: {type(error).__name__}: {error}"]


def _load(path: Path, args: Any) -> Scenario:
    scenario = Scenario.load(path)
    return scenario.without_real_databases() if args.no_real_databases else scenario


if __name__ == "__main__":
    sys.exit(main())
