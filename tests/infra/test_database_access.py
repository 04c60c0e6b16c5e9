"""The database steps reach databases only as configured: named secrets, the configured clusters, a VPC.

Four steps run SQL: preflight, post-upgrade, the consistency check and the switchover probe; no other function may.
"""

from __future__ import annotations

import json
import re

import pytest

from infra.app_factory import STACK_NAME, build_app
from infra.config import ConfigError

SECRET = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:prod-db-preflight-*"
DATABASE_STEPS = ("PreflightFunction", "PostUpgradeFunction", "ConsistencyCheckFunction", "SwitchoverProbeFunction")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("cdk.out.database")
    context = {
        "aurora-upgrade": {
            "clusters": ["prod-db"],
            "database_access": {
                "secret_arns": [SECRET],
                "subnet_ids": ["subnet-0abc1234", "subnet-0def5678"],
                "security_group_ids": ["sg-0123456789abcdef0"],
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


def _text(value):
    """An ARN built with Fn::Join, as text (pseudo parameters left as <AWS::...>)."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return f"<{value['Ref']}>"
    delimiter, parts = value["Fn::Join"]
    return delimiter.join(_text(part) for part in parts)


def _statements(template, role_prefix):
    return [
        statement
        for key, resource in template["Resources"].items()
        if resource["Type"] == "AWS::IAM::Policy" and key.startswith(role_prefix)
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_only_the_database_steps_run_in_the_vpc(template):
    for step in DATABASE_STEPS:
        _, function = _function(template, step)
        assert function["Properties"]["VpcConfig"] == {
            "SubnetIds": ["subnet-0abc1234", "subnet-0def5678"],
            "SecurityGroupIds": ["sg-0123456789abcdef0"],
        }, step
    in_vpc = {key for key, resource in template["Resources"].items() if "VpcConfig" in resource.get("Properties", {})}
    assert {re.sub(r"[0-9A-F]{8}$", "", key) for key in in_vpc} == set(DATABASE_STEPS)


def test_only_the_configured_secrets_are_readable_and_only_by_the_database_steps(template):
    for step in DATABASE_STEPS:
        reads = [
            s
            for s in _statements(template, f"{step}Role")
            if "secretsmanager:GetSecretValue" in json.dumps(s["Action"])
        ]
        assert [s["Resource"] for s in reads] == [SECRET], step
    others = [s for key in ("CleanUpFunctionRole", "NotifyFunctionRole") for s in _statements(template, key)]
    assert not any("secretsmanager" in json.dumps(s["Action"]) for s in others)


def test_the_green_steps_may_run_statements_on_green_only_under_the_configured_ids(template):
    for step, green in (
        ("PreflightFunction", False),
        ("PostUpgradeFunction", True),
        ("ConsistencyCheckFunction", True),
    ):
        [data_api] = [s for s in _statements(template, f"{step}Role") if s["Action"] == "rds-data:ExecuteStatement"]
        resources = data_api["Resource"] if isinstance(data_api["Resource"], list) else [data_api["Resource"]]
        names = sorted(_text(resource).rsplit(":cluster:", 1)[1] for resource in resources)
        assert names == (["prod-db", "prod-db-green-*"] if green else ["prod-db"]), step


def test_the_switchover_probe_may_not_use_the_data_api(template):
    """It writes through the cluster endpoint over direct sessions only: the Data API is not the endpoint."""
    statements = _statements(template, "SwitchoverProbeFunctionRole")
    assert statements and not any("rds-data" in json.dumps(s["Action"]) for s in statements)


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
