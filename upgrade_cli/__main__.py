"""python -m upgrade_cli preflight|capture|plan: look at an upgrade before running it, changing nothing.

preflight (--cluster ID | --dsn URL) --target VERSION [--strategy S] [--json]
    the deployed workflow's preflight checks. Exit status: 0 no blocking finding, 1 blocking findings,
    2 the request itself is invalid.
capture --cluster ID [--region R] --out FILE
    a scenario file of the cluster as it is (read-only describe calls with your AWS credentials).
plan (--scenario FILE | --cluster ID [--region R]) --target VERSION --strategy S [--html FILE]
    rehearse the upgrade in the simulator and print each change in order. Exit status: 0 the upgrade would
    finish, 1 it would stop, 2 the request or the scenario is invalid.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import upgrade_cli  # noqa: F401  (puts the Lambda code tree on sys.path)
from upgrade.shared.errors import UpgradeError
from upgrade.shared.preflight_report import PreflightReport


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m upgrade_cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    preflight = commands.add_parser("preflight", help="report every blocker of an upgrade; changes nothing")
    where = preflight.add_mutually_exclusive_group(required=True)
    where.add_argument("--cluster", help="an Aurora PostgreSQL cluster id (uses your AWS credentials)")
    where.add_argument("--dsn", help="postgresql://user[:password]@host:port/database (in-database checks only)")
    preflight.add_argument("--target", required=True, help="target engine version, e.g. 16.6")
    preflight.add_argument("--strategy", choices=["blue_green", "in_place"], default="blue_green")
    preflight.add_argument("--secret-arn", help="with --cluster: a Secrets Manager secret to run the SQL checks")
    preflight.add_argument("--connect-via", choices=["direct", "data_api"], default="direct")
    preflight.add_argument("--region", help="AWS Region (default: your AWS configuration)")
    preflight.add_argument("--json", action="store_true", help="print the report as JSON")
    capture = commands.add_parser("capture", help="write a scenario file of a cluster (read-only calls)")
    capture.add_argument("--cluster", required=True, help="the Aurora PostgreSQL cluster id")
    capture.add_argument("--region", help="AWS Region (default: your AWS configuration)")
    capture.add_argument("--out", required=True, type=Path, help="the scenario file to write")
    plan = commands.add_parser("plan", help="rehearse the upgrade offline and print what it would do")
    source = plan.add_mutually_exclusive_group(required=True)
    source.add_argument("--scenario", type=Path, help="a scenario file (e.g. written by capture)")
    source.add_argument("--cluster", help="capture this cluster first (read-only calls with your credentials)")
    plan.add_argument("--region", help="with --cluster: AWS Region (default: your AWS configuration)")
    plan.add_argument("--target", required=True, help="target engine version, e.g. 14.18")
    plan.add_argument("--strategy", choices=["blue_green", "in_place"], required=True)
    plan.add_argument("--html", type=Path, help="also write the HTML report here (default: <scenario>.plan.html)")
    plan.add_argument("--cdk-out", type=Path, help="the synthesized CDK output to execute (default: cdk.out)")
    args = parser.parse_args(argv)
    if args.command == "capture":
        return _capture(args)
    if args.command == "plan":
        return _plan(args)
    try:
        report = _cluster_report(args) if args.cluster else _dsn_report(args)
    except (UpgradeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if report is None:
        print(f"{args.cluster} already runs {args.target}: nothing to check.")
        return 0
    print(report.model_dump_json(indent=2) if args.json else report.text())
    return 1 if report.failures else 0


def _capture(args: Any) -> int:
    import boto3

    from upgrade_cli.capture import CaptureError, capture

    try:
        scenario = capture(boto3.Session(region_name=args.region), args.cluster)
    except (CaptureError, UpgradeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    args.out.write_text(json.dumps(scenario, indent=2) + "\n")
    print(
        f"wrote {args.out}: {args.cluster} ({scenario['cluster']['engine_version']}) "
        f"as captured {scenario['captured']['at']}"
    )
    return 0


def _plan(args: Any) -> int:
    from simulator.engine.runner import DEFAULT_CDK_OUT, run_scenario
    from simulator.scenario.html import render_html
    from simulator.scenario.model import Scenario, ScenarioError
    from upgrade_cli.plan import build_plan, rehearsal

    try:
        if args.cluster:
            import boto3

            from upgrade_cli.capture import CaptureError, capture

            try:
                scenario = Scenario.model_validate(capture(boto3.Session(region_name=args.region), args.cluster))
            except (CaptureError, UpgradeError) as error:
                raise ScenarioError(str(error)) from None
        else:
            scenario = Scenario.load(args.scenario)
        rehearsed = rehearsal(scenario, args.target, args.strategy)
        outcome = run_scenario(rehearsed, args.cdk_out or DEFAULT_CDK_OUT)
    except ScenarioError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    plan = build_plan(rehearsed, outcome)
    print(plan.text())
    html = args.html or Path(f"{args.scenario or rehearsed.name}").with_suffix(".plan.html")
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(render_html(rehearsed, outcome, plan.text()))
    print(f"\nHTML report: {html}")
    return 1 if plan.stops else 0


def _cluster_report(args: Any) -> PreflightReport | None:
    import boto3

    from aws.rds import Rds
    from aws.secrets import Secrets
    from upgrade.preflight.in_database import in_database_checks
    from upgrade.preflight.run import run_preflight
    from upgrade.shared.models import WorkflowState

    session = boto3.Session(region_name=args.region)
    request: dict[str, Any] = {
        "cluster_id": args.cluster,
        "target_engine_version": args.target,
        "strategy": args.strategy,
        "mode": "preflight",
    }
    if args.secret_arn:
        request["database"] = {"secret_arn": args.secret_arn, "connect_via": args.connect_via}
    state = WorkflowState.model_validate({"input": request, "execution": {"name": "cli-preflight"}})
    checks = in_database_checks(Secrets(session.client("secretsmanager")), session.client("rds-data"))
    return run_preflight(state, Rds(session.client("rds")), checks).report


def _dsn_report(args: Any) -> PreflightReport:
    from aws import postgres
    from upgrade.database.sql import server_version
    from upgrade.preflight.run import require_upgrade_direction
    from upgrade.preflight.sql_runner import run_database_checks
    from upgrade.shared.versions import parse_version

    url = urlparse(args.dsn)
    if url.scheme not in {"postgresql", "postgres"} or not url.hostname:
        raise ValueError("--dsn must look like postgresql://user[:password]@host:port/database")
    options = parse_qs(url.query)
    connect = postgres.connector(
        host=url.hostname,
        port=url.port or 5432,
        user=unquote(url.username or os.environ.get("PGUSER", "postgres")),
        password=unquote(url.password) if url.password else os.environ.get("PGPASSWORD"),
        ssl=options.get("sslmode", ["prefer"])[0] not in {"disable", "allow", "prefer"},
        ca_bundle=options.get("sslrootcert", [None])[0],
    )
    database = (url.path or "/postgres").lstrip("/") or "postgres"
    first = connect(database)
    try:
        source = server_version(first)
    finally:
        first.close()
    target = parse_version(args.target)
    # the server is the source: judging it against its own or an older major would check the wrong upgrade
    require_upgrade_direction(source, target)
    checks = run_database_checks(connect, source, target, args.strategy, first_database=database)
    return PreflightReport(
        cluster_id=f"{url.hostname}:{url.port or 5432}",
        source_version=str(source),
        target_version=str(target),
        strategy=args.strategy,
        checks=checks,
    )


if __name__ == "__main__":
    sys.exit(main())
