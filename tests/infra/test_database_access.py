"""The preflight function reaches databases only as configured: named secrets, the configured clusters, a VPC."""

from __future__ import annotations

import json

import pytest

from infra.app_factory import STACK_NAME, build_app
from infra.config import ConfigError

SECRET = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:prod-db-preflight-*"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("cdk.out.database")
    context = {
        "aurora-upgrade": {
            "clusters": ["prod-db"],
            "database_access": {
                "secret_arns": [SECRET],
                "subnet_ids": ["subnet-0abc", "subnet-0def"],
                "security_group_ids": ["sg-0123"],
            },
        }
    }
    build_app(outdir=str(outdir), context=context).synth()
    return json.loads((outdir / f"{STACK_NAME}.template.json").read_text())


def _function(template, prefix):
    [(logical_id, resource)] = [
        (k, v)
        for k, v in template["Resources"].items()
        if v["Type"] == "AWS::Lambda::Function" and k.startswith(prefix)
    ]
    return logical_id, resource


def _statements(template, role_prefix):
    return [
        statement
        for key, resource in template["Resources"].items()
        if resource["Type"] == "AWS::IAM::Policy" and key.startswith(role_prefix)
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_only_preflight_runs_in_the_vpc(template):
    _, preflight = _function(template, "PreflightFunction")
    assert preflight["Properties"]["VpcConfig"] == {
        "SubnetIds": ["subnet-0abc", "subnet-0def"],
        "SecurityGroupIds": ["sg-0123"],
    }
    _, check = _function(template, "CheckSnapshotFunction")
    assert "VpcConfig" not in check["Properties"]


def test_only_the_configured_secrets_are_readable_and_only_by_preflight(template):
    reads = [
        s
        for s in _statements(template, "PreflightFunctionRole")
        if "secretsmanager:GetSecretValue" in json.dumps(s["Action"])
    ]
    assert [s["Resource"] for s in reads] == [SECRET]
    others = [s for key in ("CleanUpFunctionRole", "NotifyFunctionRole") for s in _statements(template, key)]
    assert not any("secretsmanager" in json.dumps(s["Action"]) for s in others)


def test_without_database_access_config_no_secret_is_readable(tmp_path):
    build_app(outdir=str(tmp_path), context={"aurora-upgrade": {"clusters": ["prod-db"]}}).synth()
    template = json.loads((tmp_path / f"{STACK_NAME}.template.json").read_text())
    statements = _statements(template, "PreflightFunctionRole")
    assert not any("secretsmanager" in json.dumps(s["Action"]) for s in statements)
    data_api = [s for s in statements if s["Action"] == "rds-data:ExecuteStatement"]
    assert len(data_api) == 1 and "cluster:prod-db" in json.dumps(data_api[0]["Resource"])


def test_a_bad_subnet_id_names_the_field(tmp_path):
    context = {"aurora-upgrade": {"clusters": ["prod-db"], "database_access": {"subnet_ids": ["vpc-123"]}}}
    with pytest.raises(ConfigError, match=r"database_access\.subnet_ids\[0\]"):
        build_app(outdir=str(tmp_path), context=context)
