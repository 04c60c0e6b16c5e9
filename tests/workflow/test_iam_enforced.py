"""IAM is enforced in the simulator: take one permission away from a role and the run stops with AccessDenied.

Each case removes one statement from the synthesized template (as a reviewer trimming "unneeded" IAM would)
and runs a shipped scenario against it. The complement, that every statement is needed by some run, is
checked by the fault matrix (test_every_permission_is_needed_by_a_run).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from simulator.engine.runner import run_scenario
from simulator.engine.template import template_path
from simulator.scenario.expectations import unmet
from simulator.scenario.model import Scenario
from tests.workflow.conftest import shipped

# (scenario, role logical-id prefix, statement Sid, the action AWS would refuse)
TRIMMED = {
    "preflight reads the cluster": (
        "seed-blue-green",
        "PreflightFunctionRole",
        "FindClusterMovedAside",
        "rds:DescribeDBClusters",
    ),
    "preflight reads the cluster's tags": (
        "seed-blue-green",
        "PreflightFunctionRole",
        "DescribeClusters",
        "rds:ListTagsForResource",
    ),
    "rollback reads the members": (
        "in-place-failed-rollback",
        "AssessRollbackFunctionRole",
        "DescribeMembers",
        "rds:DescribeDBInstances",
    ),
    "green needs CreateDBCluster on *": (
        "seed-blue-green",
        "CreateBlueGreenFunctionRole",
        "ProvisionGreen",
        "rds:CreateDBCluster",
    ),
    "a customer managed key needs a grant": (
        "in-place-failed-rollback-cmk",
        "RestoreClusterFunctionRole",
        "RdsGrantsOnCustomerKeys",
        "kms:CreateGrant",
    ),
    "the state machine invokes its steps": (
        "seed-blue-green",
        "WorkflowStateMachineRole",
        "InvokeSteps",
        "lambda:InvokeFunction",
    ),
    "a wait is ended with its token": (
        "seed-blue-green",
        "WakeFunctionRole",
        "CompleteWaitingTasks",
        "states:SendTaskSuccess",
    ),
}
ONLY_SLOWER = {"a wait is ended with its token"}  # an event target failing is not the workflow failing


def without_statement(cdk_out: Path, into: Path, role_prefix: str, sid: str) -> Path:
    """A copy of the cloud assembly whose template lacks one statement of one role."""
    into.mkdir()
    for entry in cdk_out.iterdir():
        if entry.name != template_path(cdk_out).name:
            (into / entry.name).symlink_to(entry)
    template = json.loads(template_path(cdk_out).read_text())
    removed = 0
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        roles = [role.get("Ref", "") for role in resource["Properties"]["Roles"]]
        if not any(role.startswith(role_prefix) for role in roles):
            continue
        statements: list[dict[str, Any]] = resource["Properties"]["PolicyDocument"]["Statement"]
        kept = [s for s in statements if s.get("Sid") != sid]
        removed += len(statements) - len(kept)
        resource["Properties"]["PolicyDocument"]["Statement"] = kept
    assert removed == 1, f"expected one statement {sid} on {role_prefix}*, removed {removed}"
    template_path(into).write_text(json.dumps(template))
    return into


@pytest.mark.parametrize("case", TRIMMED)
def test_a_role_missing_one_permission_stops_the_run_with_access_denied(cdk_out, tmp_path, case):
    scenario_name, role_prefix, sid, action = TRIMMED[case]
    scenario = shipped(scenario_name)
    trimmed = without_statement(cdk_out, tmp_path / "cdk.out", role_prefix, sid)

    outcome = run_scenario(scenario, trimmed)

    if case in ONLY_SLOWER:
        assert outcome["status"] == "SUCCEEDED", outcome["error"]
        assert outcome["max_reaction_delay_seconds"] > 60, "the change was noticed only at the wait's timeout"
    else:
        assert unmet(scenario.expect, outcome) != [], "the run ended as it does with the permission"
    denials = [e for e in outcome["timeline"] if e["kind"] == "error" and "not authorized" in e.get("message", "")]
    assert denials, f"no AccessDenied in the run: {outcome['error']}"
    assert f"not authorized to perform: {action}" in denials[0]["message"]
    assert all(a["allowed_by"] or a["action"] == action for a in outcome["authorizations"])


def test_a_scenario_for_a_cluster_outside_the_configuration_is_refused_at_the_first_call(cdk_out):
    raw = shipped("seed-blue-green").model_dump()
    scenario = Scenario.model_validate(
        {
            **raw,
            "configured": False,
            "cluster": {**raw["cluster"], "id": "ledger-db"},
            "input": {**raw["input"], "cluster_id": "ledger-db"},
            "expect": {},
        }
    )

    outcome = run_scenario(scenario, cdk_out)

    assert outcome["status"] == "FAILED"
    first_error = next(e for e in outcome["timeline"] if e["kind"] == "error")
    assert first_error["name"].startswith("PreflightFunction")
    assert "is not authorized to perform: rds:" in first_error["message"]
    assert "on resource: arn:aws:rds:eu-west-2:123456789012:cluster:ledger-db " in first_error["message"]


def test_a_scenario_for_another_cluster_runs_against_a_configuration_that_names_it(cdk_out):
    raw = shipped("seed-blue-green").model_dump()
    cluster = {
        **raw["cluster"],
        "id": "ledger-db",
        "instances": [{**i, "id": i["id"].replace("prod-db", "ledger-db")} for i in raw["cluster"]["instances"]],
    }
    scenario = Scenario.model_validate(
        {**raw, "cluster": cluster, "input": {**raw["input"], "cluster_id": "ledger-db"}, "expect": {}}
    )

    outcome = run_scenario(scenario, cdk_out)

    assert outcome["status"] == "SUCCEEDED", outcome["error"]
    assert outcome["cluster"]["engine_version"] == "14.18"
    assert any(a["resource"].endswith(":cluster:ledger-db") and a["allowed_by"] for a in outcome["authorizations"])
