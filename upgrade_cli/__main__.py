"""python -m upgrade_cli preflight (--cluster ID | --dsn URL) --target VERSION [--strategy S] [--json]

Runs the same checks as the deployed workflow's preflight, changing nothing. Exit status:
0 no blocking finding, 1 blocking findings, 2 the request itself is invalid.
"""

from __future__ import annotations

import argparse
import os
import sys
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
    args = parser.parse_args(argv)
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
