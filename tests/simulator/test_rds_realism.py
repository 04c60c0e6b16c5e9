"""The RDS realism layer: moto made to behave like Aurora PostgreSQL for the upgrade workflow.

Every test talks to moto through real boto3 clients, so it checks what a Lambda would see.
"""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.rds import models as rds_models
from moto.rds.responses import RDSResponse
from pydantic import ValidationError

from simulator.catalogue import versions as catalogue
from simulator.rds.faults import FaultPlan
from simulator.rds.realism import MOTO_INTERNALS, RealisticRds, missing_moto_internals, realistic_rds
from tests.simulator.realism_helpers import PASSWORD, POLLS, Start, error_of

# --- helpers -------------------------------------------------------------------------------------


def create_cluster(rds: Any, cluster_id: str = "prod-db", version: str = "13.20", readers: int = 0) -> dict[str, Any]:
    rds.create_db_cluster(
        DBClusterIdentifier=cluster_id,
        Engine="aurora-postgresql",
        EngineVersion=version,
        MasterUsername="postgres",
        MasterUserPassword=PASSWORD,
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 8},
    )
    for index in range(1 + readers):
        rds.create_db_instance(
            DBInstanceIdentifier=f"{cluster_id}-{index + 1}",
            DBClusterIdentifier=cluster_id,
            Engine="aurora-postgresql",
            DBInstanceClass="db.serverless",
        )
    return describe_cluster(rds, cluster_id)


def describe_cluster(rds: Any, cluster_id: str) -> dict[str, Any]:
    return rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]


def member_statuses(rds: Any, cluster_id: str) -> dict[str, str]:
    members = describe_cluster(rds, cluster_id)["DBClusterMembers"]
    return {m["DBInstanceIdentifier"]: m["DBClusterParameterGroupStatus"] for m in members}


def instance(rds: Any, instance_id: str) -> dict[str, Any]:
    return rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0]


def create_group(rds: Any, name: str, family: str, scope: str = "cluster", **values: str) -> None:
    if scope == "cluster":
        rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName=name, DBParameterGroupFamily=family, Description="test"
        )
    else:
        rds.create_db_parameter_group(DBParameterGroupName=name, DBParameterGroupFamily=family, Description="test")
    if values:
        set_parameters(rds, name, scope, **values)


def set_parameters(rds: Any, name: str, scope: str = "cluster", method: str = "pending-reboot", **values: str) -> None:
    parameters = [
        {"ParameterName": k.replace("__", "."), "ParameterValue": v, "ApplyMethod": method} for k, v in values.items()
    ]
    if scope == "cluster":
        rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=name, Parameters=parameters)
    else:
        rds.modify_db_parameter_group(DBParameterGroupName=name, Parameters=parameters)


def statuses_until_available(rds: Any, instance_id: str, limit: int = 10) -> list[str]:
    seen = []
    while not seen or seen[-1] != "available":
        seen.append(instance(rds, instance_id)["DBInstanceStatus"])
        assert len(seen) <= limit, seen
    return seen


def prepare_blue(rds: Any, cluster_id: str = "prod-db", readers: int = 1, version: str = "13.20") -> str:
    """A cluster (13.20 by default) whose custom group has logical replication in effect (writer rebooted)."""
    create_cluster(rds, cluster_id, version=version, readers=readers)
    create_group(rds, f"{cluster_id}-apg13", "aurora-postgresql13", rds__logical_replication="1")
    rds.modify_db_cluster(
        DBClusterIdentifier=cluster_id, DBClusterParameterGroupName=f"{cluster_id}-apg13", ApplyImmediately=True
    )
    rds.reboot_db_instance(DBInstanceIdentifier=f"{cluster_id}-1")
    statuses_until_available(rds, f"{cluster_id}-1")
    return describe_cluster(rds, cluster_id)["DBClusterArn"]


def create_target_groups(rds: Any, family: str = "aurora-postgresql14") -> None:
    create_group(rds, "target-cluster", family)
    create_group(rds, "target-instance", family, scope="instance")


def create_bgd(rds: Any, source_arn: str, version: str = "14.18", **overrides: str) -> dict[str, Any]:
    request = {
        "BlueGreenDeploymentName": "upgrade",
        "Source": source_arn,
        "TargetEngineVersion": version,
        "TargetDBClusterParameterGroupName": "target-cluster",
        "TargetDBParameterGroupName": "target-instance",
    }
    return rds.create_blue_green_deployment(**(request | overrides))["BlueGreenDeployment"]


def describe_bgd(rds: Any, bgd_id: str) -> dict[str, Any]:
    return rds.describe_blue_green_deployments(BlueGreenDeploymentIdentifier=bgd_id)["BlueGreenDeployments"][0]


def available_bgd(rds: Any, readers: int = 1) -> str:
    source = prepare_blue(rds, readers=readers)
    create_target_groups(rds)
    bgd_id = create_bgd(rds, source)["BlueGreenDeploymentIdentifier"]
    for _ in range(POLLS + 1):
        status = describe_bgd(rds, bgd_id)["Status"]
    assert status == "AVAILABLE"
    return bgd_id


# --- catalogue -------------------------------------------------------------------------------------


def test_catalogue_covers_majors_11_to_17_with_one_family_each() -> None:
    assert catalogue.MAJORS == (11, 12, 13, 14, 15, 16, 17)
    assert catalogue.family_of("13.20") == "aurora-postgresql13"
    assert catalogue.family_of("13.99") is None


def test_13_20_reaches_14_18_as_a_major_and_13_21_as_a_minor() -> None:
    targets = {t["EngineVersion"]: t for t in catalogue.engine_versions("13.20")[0]["ValidUpgradeTarget"]}
    assert targets["14.18"]["IsMajorVersionUpgrade"] is True
    assert targets["13.21"]["IsMajorVersionUpgrade"] is False
    assert "14.15" not in targets  # released before 13.20


def test_14_18_reaches_15_16_and_17() -> None:
    majors = {catalogue.major_of(v) for v in catalogue.upgrade_targets("14.18")}
    assert {15, 16, 17} <= majors


def test_an_old_minor_has_no_path_to_a_newer_major() -> None:
    assert not [v for v in catalogue.upgrade_targets("13.15") if v.startswith("17.")]
    assert [v for v in catalogue.upgrade_targets("13.20") if v.startswith("17.")]


@pytest.mark.parametrize(("version", "min_capacity"), [("13.12", 0.5), ("13.15", 0.0), ("11.21", 0.5), ("17.4", 0.0)])
def test_serverless_v2_minimum_capacity_depends_on_version(version: str, min_capacity: float) -> None:
    support = catalogue.engine_versions(version)[0]["ServerlessV2FeaturesSupport"]
    assert support == {"MinCapacity": min_capacity, "MaxCapacity": 256.0}


@pytest.mark.parametrize(
    ("name", "last_major"),
    [
        ("vacuum_cleanup_index_scale_factor", 13),
        ("operator_precedence_warning", 13),
        ("stats_temp_directory", 14),
        ("force_parallel_mode", 15),
        ("old_snapshot_threshold", 16),
    ],
)
def test_removed_parameters_disappear_from_newer_families(name: str, last_major: int) -> None:
    assert catalogue.find_parameter(f"aurora-postgresql{last_major}", "cluster", name) is not None
    assert catalogue.find_parameter(f"aurora-postgresql{last_major + 1}", "cluster", name) is None


def test_debug_parallel_query_replaces_force_parallel_mode_from_16() -> None:
    assert catalogue.find_parameter("aurora-postgresql15", "instance", "debug_parallel_query") is None
    assert catalogue.find_parameter("aurora-postgresql16", "instance", "debug_parallel_query") is not None


def test_default_parameter_lists_are_modest_and_well_formed() -> None:
    cluster = catalogue.default_parameters("aurora-postgresql14", "cluster")
    instance = catalogue.default_parameters("aurora-postgresql14", "instance")
    assert 20 <= len(cluster) <= 30 and 18 <= len(instance) <= 25
    for parameter in cluster + instance:
        assert parameter["Source"] == "engine-default"
        assert parameter["ApplyType"] in ("static", "dynamic")
        assert {"DataType", "AllowedValues", "IsModifiable", "ApplyMethod"} <= parameter.keys()
    logical = catalogue.find_parameter("aurora-postgresql14", "cluster", "rds.logical_replication")
    assert logical is not None and (logical["ApplyType"], logical["ParameterValue"]) == ("static", "0")


def test_allowed_values_cover_ranges_enums_and_library_lists() -> None:
    duration = catalogue.find_parameter("aurora-postgresql13", "cluster", "log_min_duration_statement")
    libraries_16 = catalogue.find_parameter("aurora-postgresql16", "cluster", "shared_preload_libraries")
    libraries_13 = catalogue.find_parameter("aurora-postgresql13", "cluster", "shared_preload_libraries")
    assert duration and libraries_16 and libraries_13
    assert catalogue.value_allowed(duration, "-1") and not catalogue.value_allowed(duration, "-2")
    assert catalogue.value_allowed(libraries_16, "pg_stat_statements,pg_tle")
    assert not catalogue.value_allowed(libraries_16, "pg_similarity")
    assert not catalogue.value_allowed(libraries_13, "pg_tle")


# --- catalogue over the API ------------------------------------------------------------------------


def test_describe_db_engine_versions_serves_the_catalogue(rds: Any) -> None:
    found = rds.describe_db_engine_versions(Engine="aurora-postgresql", EngineVersion="13.20")["DBEngineVersions"]
    assert [v["DBParameterGroupFamily"] for v in found] == ["aurora-postgresql13"]
    majors = [t["EngineVersion"] for t in found[0]["ValidUpgradeTarget"] if t["IsMajorVersionUpgrade"]]
    assert "14.18" in majors
    assert rds.describe_db_engine_versions(Engine="aurora-postgresql", EngineVersion="13.99")["DBEngineVersions"] == []
    family = rds.describe_db_engine_versions(
        Engine="aurora-postgresql", DBParameterGroupFamily="aurora-postgresql17", IncludeAll=True
    )["DBEngineVersions"]
    assert [v["EngineVersion"] for v in family] == ["17.4", "17.5"]


@pytest.mark.parametrize(
    ("operation", "scope"),
    [("describe_engine_default_cluster_parameters", "cluster"), ("describe_engine_default_parameters", "instance")],
)
def test_engine_defaults_paginate_with_boto3_paginators(rds: Any, operation: str, scope: str) -> None:
    pages = list(
        rds.get_paginator(operation).paginate(
            DBParameterGroupFamily="aurora-postgresql16", PaginationConfig={"PageSize": 20}
        )
    )
    names = [p["ParameterName"] for page in pages for p in page["EngineDefaults"]["Parameters"]]
    assert len(pages) == 2
    assert pages[0]["EngineDefaults"]["DBParameterGroupFamily"] == "aurora-postgresql16"
    assert names == [p["ParameterName"] for p in catalogue.default_parameters("aurora-postgresql16", scope)]


def test_engine_defaults_reject_bad_page_sizes_and_unknown_families(rds: Any) -> None:
    code, _ = error_of(
        lambda: rds.describe_engine_default_parameters(DBParameterGroupFamily="aurora-postgresql16", MaxRecords=10)
    )
    assert code == "InvalidParameterValue"
    code, _ = error_of(lambda: rds.describe_engine_default_cluster_parameters(DBParameterGroupFamily="postgres99"))
    assert code == "InvalidParameterValue"


@pytest.mark.parametrize("scope", ["cluster", "instance"])
def test_parameter_groups_need_a_catalogued_family(rds: Any, scope: str) -> None:
    code, _ = error_of(lambda: create_group(rds, "bad", "aurora-postgresql99", scope=scope))
    assert code == "InvalidParameterValue"


def test_source_user_returns_only_user_parameters_fully_described(rds: Any) -> None:
    create_group(rds, "g", "aurora-postgresql13", rds__logical_replication="1")
    set_parameters(rds, "g", method="immediate", work_mem="8192")
    user = rds.describe_db_cluster_parameters(DBClusterParameterGroupName="g", Source="user")["Parameters"]
    by_name = {p["ParameterName"]: p for p in user}
    assert set(by_name) == {"rds.logical_replication", "work_mem"}
    expected = {"Source": "user", "ApplyType": "static", "ApplyMethod": "pending-reboot", "ParameterValue": "1"}
    assert by_name["rds.logical_replication"].items() >= expected.items()
    assert by_name["work_mem"]["ApplyType"] == "dynamic" and by_name["work_mem"]["ApplyMethod"] == "immediate"


def test_without_source_the_defaults_are_merged_with_user_values(rds: Any) -> None:
    create_group(rds, "g", "aurora-postgresql13", max_wal_senders="30")
    pages = rds.get_paginator("describe_db_cluster_parameters").paginate(
        DBClusterParameterGroupName="g", PaginationConfig={"PageSize": 20}
    )
    merged = {p["ParameterName"]: p for page in pages for p in page["Parameters"]}
    assert len(merged) == len(catalogue.default_parameters("aurora-postgresql13", "cluster"))
    assert (merged["max_wal_senders"]["ParameterValue"], merged["max_wal_senders"]["Source"]) == ("30", "user")
    assert merged["max_replication_slots"]["Source"] == "engine-default"


def test_instance_parameters_merge_the_same_way(rds: Any) -> None:
    create_group(rds, "i", "aurora-postgresql16", scope="instance", debug_parallel_query="on")
    everything = rds.describe_db_parameters(DBParameterGroupName="i")["Parameters"]
    user = rds.describe_db_parameters(DBParameterGroupName="i", Source="user")["Parameters"]
    assert len(everything) == len(catalogue.default_parameters("aurora-postgresql16", "instance"))
    assert [(p["ParameterName"], p["Source"], p["ApplyType"]) for p in user] == [
        ("debug_parallel_query", "user", "dynamic")
    ]


@pytest.mark.parametrize(
    ("parameters", "code"),
    [
        (
            [{"ParameterName": "stats_temp_directory", "ParameterValue": "x", "ApplyMethod": "pending-reboot"}],
            "InvalidParameterValue",
        ),  # removed in 15
        (
            [{"ParameterName": "max_wal_senders", "ParameterValue": "30", "ApplyMethod": "immediate"}],
            "InvalidParameterCombination",
        ),  # static parameter
        (
            [{"ParameterName": "rds.logical_replication", "ParameterValue": "2", "ApplyMethod": "pending-reboot"}],
            "InvalidParameterValue",
        ),  # outside 0,1
        (
            [
                {"ParameterName": "work_mem", "ParameterValue": str(1024 + i), "ApplyMethod": "immediate"}
                for i in range(21)
            ],
            "InvalidParameterValue",
        ),  # more than 20 per call
    ],
)
def test_parameter_modifications_are_validated_like_rds(rds: Any, parameters: list[dict[str, str]], code: str) -> None:
    create_group(rds, "g15", "aurora-postgresql15")
    assert (
        error_of(
            lambda: rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName="g15", Parameters=parameters)
        )[0]
        == code
    )


def test_unknown_parameters_are_accepted_when_not_strict(start: Start) -> None:
    start(strict_parameters=False)
    rds = boto3.client("rds", region_name="us-east-1")
    create_group(rds, "g", "aurora-postgresql15", pgaudit__log="all")
    user = rds.describe_db_cluster_parameters(DBClusterParameterGroupName="g", Source="user")["Parameters"]
    assert [p["ParameterName"] for p in user] == ["pgaudit.log"]


def test_new_clusters_get_the_default_group_of_their_family(rds: Any) -> None:
    cluster = create_cluster(rds)
    assert cluster["DBClusterParameterGroup"] == "default.aurora-postgresql13"
    assert (
        rds.describe_db_cluster_parameters(DBClusterParameterGroupName="default.aurora-postgresql13", Source="user")[
            "Parameters"
        ]
        == []
    )
    code, _ = error_of(lambda: set_parameters(rds, "default.aurora-postgresql13", rds__logical_replication="1"))
    assert code == "InvalidParameterValue"


# --- ModifyDBCluster validation ----------------------------------------------------------------------


def test_major_upgrade_needs_allow_major_version_upgrade(rds: Any) -> None:
    create_cluster(rds)
    code, message = error_of(
        lambda: rds.modify_db_cluster(DBClusterIdentifier="prod-db", EngineVersion="14.18", ApplyImmediately=True)
    )
    assert code == "InvalidParameterCombination"
    assert message == "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version."


def test_upgrade_target_must_be_in_the_catalogue_paths(rds: Any) -> None:
    create_cluster(rds)
    code, message = error_of(
        lambda: rds.modify_db_cluster(
            DBClusterIdentifier="prod-db", EngineVersion="14.15", AllowMajorVersionUpgrade=True, ApplyImmediately=True
        )
    )
    assert (code, message) == (
        "InvalidParameterCombination",
        "Cannot find upgrade target from 13.20 with requested version 14.15.",
    )


def test_cluster_group_family_must_match_the_resulting_version(rds: Any) -> None:
    create_cluster(rds)
    create_group(rds, "apg14", "aurora-postgresql14")
    code, message = error_of(
        lambda: rds.modify_db_cluster(DBClusterIdentifier="prod-db", DBClusterParameterGroupName="apg14")
    )
    assert code == "InvalidParameterCombination"
    assert "aurora-postgresql14" in message and "aurora-postgresql13" in message


def test_modifying_an_unknown_cluster_is_a_not_found_fault(rds: Any) -> None:
    assert error_of(lambda: rds.modify_db_cluster(DBClusterIdentifier="nope", EngineVersion="14.18"))[0] == (
        "DBClusterNotFoundFault"
    )


def test_a_valid_in_place_major_upgrade_is_applied(rds: Any) -> None:
    create_cluster(rds, readers=1)
    create_target_groups(rds)
    rds.modify_db_cluster(
        DBClusterIdentifier="prod-db",
        EngineVersion="14.18",
        AllowMajorVersionUpgrade=True,
        DBClusterParameterGroupName="target-cluster",
        DBInstanceParameterGroupName="target-instance",
        ApplyImmediately=True,
    )
    # the progression itself is covered in test_in_place_and_restore.py
    assert [describe_cluster(rds, "prod-db")["EngineVersion"] for _ in range(POLLS + 2)][-1] == "14.18"
    writer = instance(rds, "prod-db-1")
    assert writer["EngineVersion"] == "14.18"
    assert [g["DBParameterGroupName"] for g in writer["DBParameterGroups"]] == ["target-instance"]


def test_a_renamed_cluster_keeps_its_instances(rds: Any) -> None:
    create_cluster(rds, readers=1)
    rds.modify_db_cluster(
        DBClusterIdentifier="prod-db", NewDBClusterIdentifier="prod-db-rollback", ApplyImmediately=True
    )
    assert set(member_statuses(rds, "prod-db-rollback")) == {"prod-db-1", "prod-db-2"}
    assert instance(rds, "prod-db-1")["DBClusterIdentifier"] == "prod-db-rollback"


def test_the_resource_id_filter_finds_a_renamed_cluster_and_no_other(rds: Any) -> None:
    resource_id = create_cluster(rds)["DbClusterResourceId"]
    create_cluster(rds, "other-db")
    rds.modify_db_cluster(DBClusterIdentifier="prod-db", NewDBClusterIdentifier="prod-db-old1", ApplyImmediately=True)
    found = rds.describe_db_clusters(Filters=[{"Name": "db-cluster-resource-id", "Values": [resource_id]}])
    assert [c["DBClusterIdentifier"] for c in found["DBClusters"]] == ["prod-db-old1"]
    nothing = rds.describe_db_clusters(Filters=[{"Name": "db-cluster-resource-id", "Values": ["cluster-NONE"]}])
    assert nothing["DBClusters"] == []
    code, _ = error_of(lambda: rds.describe_db_clusters(Filters=[{"Name": "db-cluster-tag", "Values": ["x"]}]))
    assert code == "InvalidParameterValue", "a filter AWS does not know is refused"


def test_major_upgrade_of_custom_instance_groups_must_name_a_new_one(rds: Any) -> None:
    create_group(rds, "inst13", "aurora-postgresql13", scope="instance")
    create_cluster(rds, readers=0)
    rds.modify_db_instance(DBInstanceIdentifier="prod-db-1", DBParameterGroupName="inst13", ApplyImmediately=True)
    code, message = error_of(
        lambda: rds.modify_db_cluster(
            DBClusterIdentifier="prod-db", EngineVersion="14.18", AllowMajorVersionUpgrade=True, ApplyImmediately=True
        )
    )
    assert code == "InvalidParameterCombination" and "inst13 is custom" in message


# --- parameter status and reboots ------------------------------------------------------------------------


def test_attaching_a_group_is_applying_then_pending_reboot_until_the_writer_reboots(rds: Any) -> None:
    create_cluster(rds, readers=1)
    create_group(rds, "custom", "aurora-postgresql13", rds__logical_replication="1")
    rds.modify_db_cluster(DBClusterIdentifier="prod-db", DBClusterParameterGroupName="custom", ApplyImmediately=True)
    assert set(member_statuses(rds, "prod-db").values()) == {"applying"}
    assert set(member_statuses(rds, "prod-db").values()) == {"pending-reboot"}
    assert rds.reboot_db_instance(DBInstanceIdentifier="prod-db-1")["DBInstance"]["DBInstanceStatus"] == "rebooting"
    assert statuses_until_available(rds, "prod-db-1") == ["rebooting"] * POLLS + ["available"]
    assert member_statuses(rds, "prod-db") == {"prod-db-1": "in-sync", "prod-db-2": "in-sync"}


def test_rebooting_a_reader_syncs_only_that_reader(rds: Any) -> None:
    create_cluster(rds, readers=1)
    create_group(rds, "custom", "aurora-postgresql13")
    rds.modify_db_cluster(DBClusterIdentifier="prod-db", DBClusterParameterGroupName="custom")
    assert member_statuses(rds, "prod-db") == {"prod-db-1": "applying", "prod-db-2": "applying"}
    rds.reboot_db_instance(DBInstanceIdentifier="prod-db-2")
    statuses_until_available(rds, "prod-db-2")
    assert member_statuses(rds, "prod-db") == {"prod-db-1": "pending-reboot", "prod-db-2": "in-sync"}


def test_static_change_puts_every_cluster_using_the_group_pending_reboot(rds: Any) -> None:
    create_group(rds, "shared", "aurora-postgresql13")
    for cluster_id in ("a", "b"):
        create_cluster(rds, cluster_id)
        rds.modify_db_cluster(DBClusterIdentifier=cluster_id, DBClusterParameterGroupName="shared")
        rds.reboot_db_instance(DBInstanceIdentifier=f"{cluster_id}-1")
        statuses_until_available(rds, f"{cluster_id}-1")
    set_parameters(rds, "shared", method="immediate", work_mem="8192")  # dynamic: no reboot needed
    assert member_statuses(rds, "a") == {"a-1": "in-sync"}
    set_parameters(rds, "shared", max_logical_replication_workers="8")
    assert (member_statuses(rds, "a"), member_statuses(rds, "b")) == (
        {"a-1": "pending-reboot"},
        {"b-1": "pending-reboot"},
    )


def test_instance_group_static_change_needs_a_reboot_too(rds: Any) -> None:
    create_group(rds, "inst", "aurora-postgresql13", scope="instance")
    create_cluster(rds)
    rds.modify_db_instance(DBInstanceIdentifier="prod-db-1", DBParameterGroupName="inst", ApplyImmediately=True)
    rds.reboot_db_instance(DBInstanceIdentifier="prod-db-1")
    statuses_until_available(rds, "prod-db-1")
    set_parameters(rds, "inst", scope="instance", shared_buffers="65536")
    assert instance(rds, "prod-db-1")["DBParameterGroups"][0]["ParameterApplyStatus"] == "pending-reboot"
    rds.reboot_db_instance(DBInstanceIdentifier="prod-db-1")
    statuses_until_available(rds, "prod-db-1")
    assert instance(rds, "prod-db-1")["DBParameterGroups"][0]["ParameterApplyStatus"] == "in-sync"


def test_a_rebooting_instance_cannot_be_rebooted_again(rds: Any) -> None:
    create_cluster(rds)
    rds.reboot_db_instance(DBInstanceIdentifier="prod-db-1")
    assert error_of(lambda: rds.reboot_db_instance(DBInstanceIdentifier="prod-db-1"))[0] == "InvalidDBInstanceState"


# --- snapshots --------------------------------------------------------------------------------------------


def test_cluster_snapshot_is_creating_for_some_polls(rds: Any) -> None:
    create_cluster(rds)
    created = rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="pre-upgrade", DBClusterIdentifier="prod-db")
    assert (created["DBClusterSnapshot"]["Status"], created["DBClusterSnapshot"]["PercentProgress"]) == ("creating", 0)
    seen = [
        (s["Status"], s["PercentProgress"])
        for s in (
            rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier="pre-upgrade")["DBClusterSnapshots"][0]
            for _ in range(POLLS + 1)
        )
    ]
    assert [s for s, _ in seen] == ["creating"] * POLLS + ["available"]
    progress = [p for _, p in seen]
    assert progress == sorted(progress) and 0 < progress[0] < 100 and progress[-1] == 100


def test_snapshot_waiter_returns_once_available(rds: Any, sim: RealisticRds) -> None:
    create_cluster(rds)
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="s", DBClusterIdentifier="prod-db")
    rds.get_waiter("db_cluster_snapshot_available").wait(
        DBClusterSnapshotIdentifier="s", WaiterConfig={"Delay": 0, "MaxAttempts": 10}
    )
    assert sim.calls["DescribeDBClusterSnapshots"] == POLLS + 1


def test_restoring_a_snapshot_still_being_created_is_refused(rds: Any) -> None:
    create_cluster(rds)
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="s", DBClusterIdentifier="prod-db")
    code, _ = error_of(
        lambda: rds.restore_db_cluster_from_snapshot(
            DBClusterIdentifier="restored", SnapshotIdentifier="s", Engine="aurora-postgresql"
        )
    )
    assert code == "InvalidDBClusterSnapshotStateFault"


# --- blue/green validation ----------------------------------------------------------------------------------


def test_blue_green_needs_a_custom_group(rds: Any) -> None:
    arn = create_cluster(rds)["DBClusterArn"]
    create_target_groups(rds)
    code, message = error_of(lambda: create_bgd(rds, arn))
    assert code == "InvalidParameterCombination" and "logical replication" in message


def test_blue_green_needs_logical_replication_set(rds: Any) -> None:
    arn = create_cluster(rds)["DBClusterArn"]
    create_group(rds, "custom", "aurora-postgresql13", max_wal_senders="25")
    rds.modify_db_cluster(DBClusterIdentifier="prod-db", DBClusterParameterGroupName="custom")
    rds.reboot_db_instance(DBInstanceIdentifier="prod-db-1")
    statuses_until_available(rds, "prod-db-1")
    create_target_groups(rds)
    code, message = error_of(lambda: create_bgd(rds, arn))
    assert code == "InvalidParameterCombination" and "rds.logical_replication" in message


def test_blue_green_needs_logical_replication_in_effect(rds: Any) -> None:
    arn = create_cluster(rds)["DBClusterArn"]
    create_group(rds, "custom", "aurora-postgresql13", rds__logical_replication="1")
    rds.modify_db_cluster(DBClusterIdentifier="prod-db", DBClusterParameterGroupName="custom")
    create_target_groups(rds)
    code, message = error_of(lambda: create_bgd(rds, arn))
    assert code == "InvalidParameterCombination" and "not in effect" in message


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"TargetEngineVersion": "14.15"}, "InvalidParameterCombination"),
        ({"TargetDBClusterParameterGroupName": "missing"}, "DBClusterParameterGroupNotFound"),
        ({"TargetDBParameterGroupName": "missing"}, "DBParameterGroupNotFound"),
        ({"TargetEngineVersion": "15.13"}, "InvalidParameterCombination"),  # groups are aurora-postgresql14
    ],
)
def test_blue_green_targets_are_validated(rds: Any, overrides: dict[str, str], code: str) -> None:
    arn = prepare_blue(rds)
    create_target_groups(rds)
    assert error_of(lambda: create_bgd(rds, arn, **overrides))[0] == code


# --- blue/green progress ----------------------------------------------------------------------------------


def test_blue_green_provisions_over_polls_then_is_available(rds: Any) -> None:
    arn = prepare_blue(rds)
    create_target_groups(rds)
    created = create_bgd(rds, arn)
    assert created["Status"] == "PROVISIONING"
    assert {t["Status"] for t in created["Tasks"]} == {"PENDING"}
    assert [t["Name"] for t in created["Tasks"]] == [
        "CREATING_READ_REPLICA_OF_SOURCE",
        "DB_ENGINE_VERSION_UPGRADE",
        "CONFIGURE_BACKUPS",
        "CREATING_TOPOLOGY_OF_SOURCE",
    ]
    seen = [describe_bgd(rds, created["BlueGreenDeploymentIdentifier"]) for _ in range(POLLS + 1)]
    assert [d["Status"] for d in seen] == ["PROVISIONING"] * POLLS + ["AVAILABLE"]
    assert all("IN_PROGRESS" in {t["Status"] for t in d["Tasks"]} for d in seen[:-1])
    assert {t["Status"] for t in seen[-1]["Tasks"]} == {"COMPLETED"}


def test_green_copies_serverless_config_and_uses_target_version_and_groups(rds: Any) -> None:
    bgd_id = available_bgd(rds)
    green = describe_cluster(rds, describe_bgd(rds, bgd_id)["Target"])
    assert green["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 8.0}
    assert (green["EngineVersion"], green["DBClusterParameterGroup"]) == ("14.18", "target-cluster")
    for member in green["DBClusterMembers"]:
        details = instance(rds, member["DBInstanceIdentifier"])
        assert details["EngineVersion"] == "14.18"
        assert details["DBParameterGroups"][0]["DBParameterGroupName"] == "target-instance"


def test_switchover_is_in_progress_for_polls_then_renames_like_aws(rds: Any, sim: RealisticRds) -> None:
    bgd_id = available_bgd(rds)
    blue_id = describe_cluster(rds, "prod-db")["DbClusterResourceId"]
    green_id = describe_cluster(rds, describe_bgd(rds, bgd_id)["Target"])["DbClusterResourceId"]
    answer = rds.switchover_blue_green_deployment(BlueGreenDeploymentIdentifier=bgd_id, SwitchoverTimeout=600)
    assert answer["BlueGreenDeployment"]["Status"] == "SWITCHOVER_IN_PROGRESS"
    for _ in range(POLLS):
        assert describe_bgd(rds, bgd_id)["Status"] == "SWITCHOVER_IN_PROGRESS"
        assert describe_cluster(rds, "prod-db")["EngineVersion"] == "13.20"
    assert describe_bgd(rds, bgd_id)["Status"] == "SWITCHOVER_COMPLETED"
    new, old = describe_cluster(rds, "prod-db"), describe_cluster(rds, "prod-db-old1")
    assert (new["EngineVersion"], new["DbClusterResourceId"]) == ("14.18", green_id)
    assert (old["EngineVersion"], old["DbClusterResourceId"]) == ("13.20", blue_id)
    assert sorted(m["DBInstanceIdentifier"] for m in new["DBClusterMembers"]) == ["prod-db-1", "prod-db-2"]
    assert sorted(m["DBInstanceIdentifier"] for m in old["DBClusterMembers"]) == ["prod-db-1-old1", "prod-db-2-old1"]
    assert instance(rds, "prod-db-1")["EngineVersion"] == "14.18"
    assert instance(rds, "prod-db-1")["DBClusterIdentifier"] == "prod-db"
    assert sim.switchover_timeout == 600


@pytest.mark.parametrize("timeout", [29, 3601])
def test_switchover_timeout_must_be_30_to_3600(rds: Any, sim: RealisticRds, timeout: int) -> None:
    unchecked = boto3.client("rds", region_name="us-east-1", config=Config(parameter_validation=False))
    bgd_id = available_bgd(rds)
    code, _ = error_of(
        lambda: unchecked.switchover_blue_green_deployment(
            BlueGreenDeploymentIdentifier=bgd_id, SwitchoverTimeout=timeout
        )
    )
    assert code == "InvalidParameterValue"
    assert sim.switchover_timeouts == []


def test_switchover_before_available_is_refused(rds: Any) -> None:
    arn = prepare_blue(rds)
    create_target_groups(rds)
    bgd_id = create_bgd(rds, arn)["BlueGreenDeploymentIdentifier"]
    code, _ = error_of(lambda: rds.switchover_blue_green_deployment(BlueGreenDeploymentIdentifier=bgd_id))
    assert code == "InvalidBlueGreenDeploymentStateFault"


def test_delete_target_is_refused_after_switchover(rds: Any) -> None:
    bgd_id = available_bgd(rds)
    rds.switchover_blue_green_deployment(BlueGreenDeploymentIdentifier=bgd_id)
    for _ in range(POLLS + 1):
        describe_bgd(rds, bgd_id)
    code, _ = error_of(
        lambda: rds.delete_blue_green_deployment(BlueGreenDeploymentIdentifier=bgd_id, DeleteTarget=True)
    )
    assert code == "InvalidParameterCombination"
    deleted = rds.delete_blue_green_deployment(BlueGreenDeploymentIdentifier=bgd_id)["BlueGreenDeployment"]
    assert deleted["Status"] == "DELETING"
    assert {c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]} == {"prod-db", "prod-db-old1"}


def test_delete_target_before_switchover_removes_green(rds: Any) -> None:
    bgd_id = available_bgd(rds, readers=0)
    rds.delete_blue_green_deployment(BlueGreenDeploymentIdentifier=bgd_id, DeleteTarget=True)
    assert [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]] == ["prod-db"]


# --- faults --------------------------------------------------------------------------------------------------


def test_throttling_is_seen_and_retried_by_botocore(start: Start, monkeypatch: pytest.MonkeyPatch) -> None:
    sim = start([{"kind": "throttle", "operation": "CreateDBClusterSnapshot", "times": 2}])
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    rds = boto3.client("rds", region_name="us-east-1", config=Config(retries={"mode": "standard", "max_attempts": 3}))
    create_cluster(rds)
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="s", DBClusterIdentifier="prod-db")
    assert sim.calls["CreateDBClusterSnapshot"] == 3
    assert len(sleeps) == 2
    assert [(f.kind, f.operation, f.code) for f in sim.fault_log] == [
        ("throttle", "CreateDBClusterSnapshot", "Throttling")
    ] * 2


def test_throttling_beyond_retries_surfaces_as_rate_exceeded(start: Start) -> None:
    start(FaultPlan.from_json('[{"kind": "throttle", "operation": "DescribeDBClusters", "times": 5}]'))
    rds = boto3.client("rds", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError) as caught:
        rds.describe_db_clusters()
    error = caught.value.response
    assert (error["Error"]["Code"], error["Error"]["Message"]) == ("Throttling", "Rate exceeded")
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_error_fault_fails_the_first_calls_only(start: Start) -> None:
    sim = start(
        [
            {
                "kind": "error",
                "operation": "ModifyDBCluster",
                "code": "InvalidDBClusterStateFault",
                "message": "DB cluster is not available",
                "times": 1,
            }
        ]
    )
    rds = boto3.client("rds", region_name="us-east-1")
    create_cluster(rds)
    assert error_of(lambda: rds.modify_db_cluster(DBClusterIdentifier="prod-db", DeletionProtection=True)) == (
        "InvalidDBClusterStateFault",
        "DB cluster is not available",
    )
    rds.modify_db_cluster(DBClusterIdentifier="prod-db", DeletionProtection=True)
    assert sim.calls["ModifyDBCluster"] == 2


def test_invalid_configuration_fault(start: Start) -> None:
    sim = start([{"kind": "blue_green_invalid_configuration"}])
    rds = boto3.client("rds", region_name="us-east-1")
    source = prepare_blue(rds)
    create_target_groups(rds)
    bgd_id = create_bgd(rds, source)["BlueGreenDeploymentIdentifier"]
    final = [describe_bgd(rds, bgd_id) for _ in range(POLLS + 1)][-1]
    assert final["Status"] == "INVALID_CONFIGURATION"
    assert "Replication degraded" in final["StatusDetails"]
    code, _ = error_of(lambda: rds.switchover_blue_green_deployment(BlueGreenDeploymentIdentifier=bgd_id))
    assert code == "InvalidBlueGreenDeploymentStateFault"
    assert [(f.kind, f.operation) for f in sim.fault_log] == [
        ("blue_green_invalid_configuration", "DescribeBlueGreenDeployments")
    ]


def test_task_failed_fault_keeps_the_deployment_provisioning(start: Start) -> None:
    start([{"kind": "blue_green_task_failed", "task": "DB_ENGINE_VERSION_UPGRADE"}])
    rds = boto3.client("rds", region_name="us-east-1")
    source = prepare_blue(rds)
    create_target_groups(rds)
    bgd_id = create_bgd(rds, source)["BlueGreenDeploymentIdentifier"]
    final = [describe_bgd(rds, bgd_id) for _ in range(POLLS + 3)][-1]
    assert final["Status"] == "PROVISIONING"
    assert {t["Name"]: t["Status"] for t in final["Tasks"]}["DB_ENGINE_VERSION_UPGRADE"] == "FAILED"
    assert "DB_ENGINE_VERSION_UPGRADE" in final["StatusDetails"]


def test_faults_are_used_up_so_a_recreated_deployment_succeeds(start: Start) -> None:
    start([{"kind": "blue_green_invalid_configuration"}])
    rds = boto3.client("rds", region_name="us-east-1")
    source = prepare_blue(rds)
    create_target_groups(rds)
    first = create_bgd(rds, source)["BlueGreenDeploymentIdentifier"]
    rds.delete_blue_green_deployment(BlueGreenDeploymentIdentifier=first, DeleteTarget=True)
    second = create_bgd(rds, source)["BlueGreenDeploymentIdentifier"]
    assert [describe_bgd(rds, second)["Status"] for _ in range(POLLS + 1)][-1] == "AVAILABLE"


def test_switchover_failed_fault_renames_nothing(start: Start) -> None:
    sim = start([{"kind": "switchover_failed"}])
    rds = boto3.client("rds", region_name="us-east-1")
    bgd_id = available_bgd(rds)
    green = describe_bgd(rds, bgd_id)["Target"]
    rds.switchover_blue_green_deployment(BlueGreenDeploymentIdentifier=bgd_id, SwitchoverTimeout=300)
    final = [describe_bgd(rds, bgd_id) for _ in range(POLLS + 1)][-1]
    assert final["Status"] == "SWITCHOVER_FAILED"
    assert final["StatusDetails"].startswith("Switchover timed out")
    assert describe_cluster(rds, "prod-db")["EngineVersion"] == "13.20"
    assert describe_cluster(rds, green)["EngineVersion"] == "14.18"
    assert instance(rds, "prod-db-1")["DBClusterIdentifier"] == "prod-db"
    assert [f.kind for f in sim.fault_log] == ["switchover_failed"]


def test_fault_plans_reject_unknown_kinds_and_operations() -> None:
    with pytest.raises(ValidationError):
        FaultPlan.from_json([{"kind": "meteor"}])
    with pytest.raises(ValidationError):
        FaultPlan.from_json([{"kind": "throttle", "operation": "CreateDbClusterSnapshot"}])
    plan = FaultPlan.from_json('[{"kind": "switchover_failed"}]')
    assert plan.faults[0].times == 1


# --- patching hygiene ---------------------------------------------------------------------------------------


def test_canary_moto_internals_still_exist() -> None:
    assert missing_moto_internals() == []
    for owner, name in MOTO_INTERNALS:
        assert hasattr(owner, name), name
    for name in (
        "create_db_cluster",
        "modify_db_cluster",
        "reboot_db_instance",
        "describe_db_clusters",
        "describe_db_instances",
        "create_db_cluster_snapshot",
        "describe_db_cluster_snapshots",
        "create_blue_green_deployment",
        "describe_blue_green_deployments",
        "switchover_blue_green_deployment",
        "delete_blue_green_deployment",
        "describe_db_cluster_parameters",
        "describe_db_parameters",
        "modify_db_cluster_parameter_group",
        "create_db_instance",
        "modify_db_instance",
        "restore_db_cluster_from_snapshot",
        "describe_events",
    ):
        assert hasattr(RDSResponse, name), name
    assert isinstance(rds_models.DBCluster.__dict__["db_cluster_members"], property)
    assert isinstance(rds_models.DBInstance.__dict__["db_parameter_group_status_list"], property)


def test_canary_instance_attributes_the_layer_relies_on(rds: Any) -> None:
    bgd_id = available_bgd(rds, readers=0)
    backend = rds_models.rds_backends["123456789012"]["us-east-1"]
    cluster, bgd = backend.clusters["prod-db"], backend.blue_green_deployments[bgd_id]
    for obj, names in (
        (
            backend,
            (
                "clusters",
                "databases",
                "cluster_snapshots",
                "blue_green_deployments",
                "db_cluster_parameter_groups",
                "db_parameter_groups",
            ),
        ),
        (cluster, ("parameter_group", "serverless_v2_scaling_configuration", "db_subnet_group_name")),
        (cluster.members[0], ("cluster", "is_cluster_writer", "db_parameter_group_name", "status")),
        (bgd, ("tasks", "status", "status_details", "switchover_details", "source", "target")),
    ):
        for name in names:
            assert hasattr(obj, name), f"{type(obj).__name__}.{name}"


def test_patches_are_undone_on_exit() -> None:
    original_members = rds_models.DBCluster.__dict__["db_cluster_members"]
    with mock_aws(), realistic_rds():
        assert rds_models.DBCluster.__dict__["db_cluster_members"] is not original_members
        assert hasattr(RDSResponse, "describe_db_engine_versions")
    assert rds_models.DBCluster.__dict__["db_cluster_members"] is original_members
    assert not hasattr(RDSResponse, "describe_db_engine_versions")
    assert "call_action" not in RDSResponse.__dict__


def test_every_region_is_realistic(rds: Any) -> None:
    europe = boto3.client("rds", region_name="eu-west-1")
    create_cluster(europe)
    code, _ = error_of(lambda: europe.modify_db_cluster(DBClusterIdentifier="prod-db", EngineVersion="14.18"))
    assert code == "InvalidParameterCombination"
