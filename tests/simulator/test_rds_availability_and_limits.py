"""What RDS refuses that moto accepts: deprecated versions, blue/green limits, DeleteTarget after switchover.

Each behaviour names the AWS page it comes from in the realism layer (simulator/catalogue/versions.py,
simulator/rds/blue_green.py, simulator/rds/operations_extra.py).
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from aws.rds import Rds
from simulator.rds.realism import RealisticRds
from tests.simulator.realism_helpers import POLLS, Start, error_of
from tests.simulator.test_rds_realism import (
    available_bgd,
    create_bgd,
    create_cluster,
    create_target_groups,
    describe_bgd,
    describe_cluster,
    prepare_blue,
)
from upgrade.shared.errors import SwitchoverNotReady


def _versions(rds: Any, **options: Any) -> list[dict[str, Any]]:
    return rds.describe_db_engine_versions(Engine="aurora-postgresql", **options)["DBEngineVersions"]


def _switched_over(rds: Any) -> str:
    bgd_id = available_bgd(rds, readers=0)
    rds.switchover_blue_green_deployment(BlueGreenDeploymentIdentifier=bgd_id)
    for _ in range(POLLS + 1):
        status = describe_bgd(rds, bgd_id)["Status"]
    assert status == "SWITCHOVER_COMPLETED"
    return bgd_id


# --- deprecated versions -------------------------------------------------------------------------------------


def test_a_deprecated_version_is_listed_only_with_include_all(rds: Any) -> None:
    assert _versions(rds, EngineVersion="13.9") == []
    assert "13.9" not in [v["EngineVersion"] for v in _versions(rds, DBParameterGroupFamily="aurora-postgresql13")]
    listed = _versions(rds, EngineVersion="13.9", IncludeAll=True)
    assert [(v["EngineVersion"], v["Status"]) for v in listed] == [("13.9", "deprecated")]
    majors = [t["EngineVersion"] for t in listed[0]["ValidUpgradeTarget"] if t["IsMajorVersionUpgrade"]]
    assert "14.18" in majors


def test_a_deprecated_version_is_never_an_upgrade_target(start: Start) -> None:
    start(unavailable_versions=frozenset({"14.18"}))
    rds = boto3.client("rds", region_name="us-east-1")
    targets = [t["EngineVersion"] for t in _versions(rds, EngineVersion="13.20")[0]["ValidUpgradeTarget"]]
    assert "14.18" not in targets and "14.17" in targets
    create_cluster(rds)
    code, message = error_of(
        lambda: rds.modify_db_cluster(
            DBClusterIdentifier="prod-db", EngineVersion="14.18", AllowMajorVersionUpgrade=True, ApplyImmediately=True
        )
    )
    assert code == "InvalidParameterCombination" and "14.18" in message


def test_the_wrapper_finds_a_clusters_deprecated_version_only_when_asked(rds: Any) -> None:
    wrapper = Rds(rds)
    assert wrapper.engine_version("13.9") is None
    found = wrapper.engine_version("13.9", include_unavailable=True)
    assert found is not None and found["DBParameterGroupFamily"] == "aurora-postgresql13"


# --- blue/green minimum source version ------------------------------------------------------------------------


def test_blue_green_refuses_a_source_below_its_majors_minimum(rds: Any) -> None:
    source = prepare_blue(rds, readers=0, version="13.9")
    create_target_groups(rds)
    code, message = error_of(lambda: create_bgd(rds, source))
    assert code == "InvalidParameterCombination"
    assert "13.9" in message and "13.12" in message
    assert rds.describe_blue_green_deployments()["BlueGreenDeployments"] == []


def test_blue_green_accepts_the_minimum_source_version(rds: Any) -> None:
    source = prepare_blue(rds, readers=0, version="13.12")
    create_target_groups(rds)
    assert create_bgd(rds, source)["Status"] == "PROVISIONING"


# --- zero-ETL integrations ---------------------------------------------------------------------------------


def test_describe_integrations_serves_the_integrations_of_the_world(rds: Any, sim: RealisticRds) -> None:
    arn = create_cluster(rds)["DBClusterArn"]
    sim.add_zero_etl_integration(arn, "orders-to-redshift")
    listed = rds.describe_integrations()["Integrations"]
    assert [(i["IntegrationName"], i["SourceArn"], i["Status"]) for i in listed] == [
        ("orders-to-redshift", arn, "active")
    ]
    code, _ = error_of(lambda: rds.describe_integrations(IntegrationIdentifier="nothing-here"))
    assert code == "IntegrationNotFoundFault"
    assert Rds(rds).zero_etl_integrations(arn)[0]["IntegrationName"] == "orders-to-redshift"
    assert Rds(rds).zero_etl_integrations(arn.replace("prod-db", "other-db")) == []


def test_switchover_is_refused_while_the_source_has_a_zero_etl_integration(rds: Any, sim: RealisticRds) -> None:
    bgd_id = available_bgd(rds, readers=0)
    sim.add_zero_etl_integration(describe_cluster(rds, "prod-db")["DBClusterArn"], "orders-to-redshift")
    code, message = error_of(lambda: rds.switchover_blue_green_deployment(BlueGreenDeploymentIdentifier=bgd_id))
    assert code == "InvalidParameterCombination" and "orders-to-redshift" in message
    assert describe_bgd(rds, bgd_id)["Status"] == "AVAILABLE"
    sim.integrations.clear()
    answer = rds.switchover_blue_green_deployment(BlueGreenDeploymentIdentifier=bgd_id)
    assert answer["BlueGreenDeployment"]["Status"] == "SWITCHOVER_IN_PROGRESS"


# --- switchover refused for a while after AVAILABLE ----------------------------------------------------------


def test_switchover_right_after_available_can_be_refused_for_a_while(start: Start) -> None:
    sim = start([{"kind": "switchover_not_ready", "times": 2}])
    rds = boto3.client("rds", region_name="us-east-1")
    bgd_id = available_bgd(rds, readers=0)
    for _ in range(2):
        code, _ = error_of(lambda: rds.switchover_blue_green_deployment(BlueGreenDeploymentIdentifier=bgd_id))
        assert code == "InvalidBlueGreenDeploymentStateFault"
    assert describe_bgd(rds, bgd_id)["Status"] == "AVAILABLE"
    answer = rds.switchover_blue_green_deployment(BlueGreenDeploymentIdentifier=bgd_id)
    assert answer["BlueGreenDeployment"]["Status"] == "SWITCHOVER_IN_PROGRESS"
    assert [f.kind for f in sim.fault_log] == ["switchover_not_ready"] * 2


def test_the_wrapper_names_a_refused_switchover_so_the_workflow_can_retry_it(start: Start) -> None:
    start([{"kind": "switchover_not_ready"}])
    rds = boto3.client("rds", region_name="us-east-1")
    bgd_id = available_bgd(rds, readers=0)
    with pytest.raises(SwitchoverNotReady):
        Rds(rds).switchover(bgd_id, 300)
    assert Rds(rds).switchover(bgd_id, 300)["Status"] == "SWITCHOVER_IN_PROGRESS"


# --- DeleteTarget after a switchover ------------------------------------------------------------------------


def test_delete_target_false_is_refused_after_switchover_too(rds: Any) -> None:
    bgd_id = _switched_over(rds)
    code, _ = error_of(
        lambda: rds.delete_blue_green_deployment(BlueGreenDeploymentIdentifier=bgd_id, DeleteTarget=False)
    )
    assert code == "InvalidParameterCombination"
    assert describe_bgd(rds, bgd_id)["Status"] == "SWITCHOVER_COMPLETED"


def test_the_wrapper_deletes_a_switched_over_deployment_without_delete_target(rds: Any) -> None:
    bgd_id = _switched_over(rds)
    Rds(rds).delete_blue_green(bgd_id)
    assert {c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]} == {"prod-db", "prod-db-old1"}
    left = Rds(rds).find_blue_green(bgd_id)
    assert left is None or left["Status"] == "DELETING"


# --- global database members ----------------------------------------------------------------------------------


def test_a_global_database_member_is_not_upgraded_to_a_new_major_on_its_own(rds: Any) -> None:
    arn = create_cluster(rds)["DBClusterArn"]
    rds.create_global_cluster(GlobalClusterIdentifier="orders-global", SourceDBClusterIdentifier=arn)
    code, message = error_of(
        lambda: rds.modify_db_cluster(
            DBClusterIdentifier="prod-db", EngineVersion="14.18", AllowMajorVersionUpgrade=True, ApplyImmediately=True
        )
    )
    assert code == "InvalidParameterCombination" and "ModifyGlobalCluster" in message
    assert describe_cluster(rds, "prod-db")["EngineVersion"] == "13.20"


# --- RDS Proxy ------------------------------------------------------------------------------------------------


def _proxy(rds: Any, name: str = "app-proxy") -> None:
    subnets = [s["SubnetId"] for s in boto3.client("ec2", region_name="us-east-1").describe_subnets()["Subnets"]][:2]
    rds.create_db_proxy(
        DBProxyName=name,
        EngineFamily="POSTGRESQL",
        Auth=[{"SecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app", "IAMAuth": "DISABLED"}],
        RoleArn="arn:aws:iam::123456789012:role/app-proxy",
        VpcSubnetIds=subnets,
    )


def test_a_cluster_cannot_be_added_to_a_proxy_once_its_deployment_exists(rds: Any) -> None:
    available_bgd(rds, readers=0)
    _proxy(rds)
    code, message = error_of(
        lambda: rds.register_db_proxy_targets(DBProxyName="app-proxy", DBClusterIdentifiers=["prod-db"])
    )
    assert code == "InvalidParameterCombination" and "prod-db" in message
    assert rds.describe_db_proxy_targets(DBProxyName="app-proxy")["Targets"] == []


def test_a_proxy_that_already_targets_blue_is_kept_and_found_by_the_wrapper(rds: Any) -> None:
    source = prepare_blue(rds, readers=0)
    _proxy(rds)
    rds.register_db_proxy_targets(DBProxyName="app-proxy", DBClusterIdentifiers=["prod-db"])
    create_target_groups(rds)
    assert create_bgd(rds, source)["Status"] == "PROVISIONING"
    assert Rds(rds).proxies_targeting("prod-db") == ["app-proxy"]
    assert Rds(rds).proxies_targeting("other-db") == []


def test_blue_green_of_a_global_member_targeted_by_a_proxy_is_refused(rds: Any) -> None:
    source = prepare_blue(rds, readers=0)
    rds.create_global_cluster(GlobalClusterIdentifier="orders-global", SourceDBClusterIdentifier=source)
    _proxy(rds)
    rds.register_db_proxy_targets(DBProxyName="app-proxy", DBClusterIdentifiers=["prod-db"])
    create_target_groups(rds)
    code, message = error_of(lambda: create_bgd(rds, source))
    assert code == "InvalidParameterCombination" and "app-proxy" in message
