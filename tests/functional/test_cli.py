"""python -m upgrade_cli preflight: the workflow's checks from a workstation, changing nothing."""

from __future__ import annotations

import json

from tests.functional.world import make_cluster
from upgrade_cli.__main__ import main


def test_dsn_mode_reads_the_source_version_and_reports_as_json(pg_server, scratch_database, capsys):
    scratch_database("cli_shop", ["CREATE TABLE events (id int)"])  # no primary key: blocks blue/green
    dsn = f"postgresql://{pg_server.user}@{pg_server.host}:{pg_server.port}/postgres?sslmode=disable"
    status = main(["preflight", "--dsn", dsn, "--target", "16.6", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    assert report["source_version"].startswith(str(pg_server.bin_dir).split("/")[-2])  # e.g. 15.18 on /15/bin
    assert report["target_version"] == "16.6"
    no_pk = next(c for c in report["checks"] if c["id"] == "BG-no-primary-key")
    assert no_pk["status"] == "fail"
    assert {"database": "cli_shop", "schema_name": "public", "object_name": "events"}.items() <= no_pk["evidence"][
        0
    ].items()


def test_dsn_mode_in_place_does_not_apply_blue_green_checks(pg_server, capsys):
    dsn = f"postgresql://{pg_server.user}@{pg_server.host}:{pg_server.port}/postgres?sslmode=disable"
    main(["preflight", "--dsn", dsn, "--target", "16.6", "--strategy", "in_place", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert next(c for c in report["checks"] if c["id"] == "BG-no-primary-key")["status"] == "skipped"


def test_dsn_mode_refuses_a_target_that_is_not_a_higher_major(pg_server, capsys):
    dsn = f"postgresql://{pg_server.user}@{pg_server.host}:{pg_server.port}/postgres?sslmode=disable"
    major = int(str(pg_server.bin_dir).split("/")[-2])  # Debian's server: /usr/lib/postgresql/<major>/bin
    for target, said in ((f"{major}.99", "is the same major version as"), (f"{major - 1}.1", "is a downgrade from")):
        assert main(["preflight", "--dsn", dsn, "--target", target]) == 2
        assert f"error: {target} {said} {major}." in capsys.readouterr().err


def test_dsn_mode_says_which_source_and_target_it_judged(pg_server, capsys):
    dsn = f"postgresql://{pg_server.user}@{pg_server.host}:{pg_server.port}/postgres?sslmode=disable"
    main(["preflight", "--dsn", dsn, "--target", "17.4", "--strategy", "in_place"])
    first = capsys.readouterr().out.splitlines()[0]
    assert f"{pg_server.host}:{pg_server.port}: " in first and " -> 17.4 (in_place)" in first


def test_cluster_mode_uses_aws_and_changes_nothing(rds_client, capsys):
    make_cluster(rds_client, manage_master_user_password=True)
    status = main(["preflight", "--cluster", "prod-db", "--target", "14.18", "--region", "us-east-1"])
    out = capsys.readouterr().out
    assert status == 1
    assert "[FAIL] CP-managed-master-password" in out
    assert rds_client.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"] == []


def test_cluster_mode_refuses_bad_input_with_status_2(rds_client, capsys):
    make_cluster(rds_client)
    assert main(["preflight", "--cluster", "prod-db", "--target", "12.22", "--region", "us-east-1"]) == 2
    assert "downgrade" in capsys.readouterr().err
