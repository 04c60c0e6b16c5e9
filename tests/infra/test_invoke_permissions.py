"""Who may start what, judged by the simulator's IAM evaluation on the synthesized template.

The state machine's role is enforced on every Task in the simulator (tests/workflow/test_iam_enforced.py);
the services that start functions or executions from outside the workflow are checked here: each
EventBridge rule's Lambda target, the public approval URL, and the Scheduler's role.
"""

from __future__ import annotations

import json

import pytest

from simulator.enforcement.iam import Request, lambda_permission_allows, role_policies
from simulator.engine.stack_resources import FLEET_STATE_MACHINE_NAME, StackResources, state_machine_arn

REGION = "us-east-1"


@pytest.fixture(scope="module")
def template(synthesized):
    resources = synthesized.resources
    return resources, StackResources(resources, REGION).resolve


def _rule_targets(resources):
    for rule_id, rule in resources.items():
        if rule["Type"] == "AWS::Events::Rule":
            for target in rule["Properties"].get("Targets", []):
                arn = target["Arn"]
                if isinstance(arn, dict) and "Fn::GetAtt" in arn:
                    yield rule_id, arn["Fn::GetAtt"][0]


def test_every_rule_may_invoke_its_function_and_no_other_source_may(template):
    resources, resolve = template
    targets = list(_rule_targets(resources))
    assert len(targets) >= 4
    for rule_id, function in targets:
        rule_arn = resolve({"Fn::GetAtt": [rule_id, "Arn"]})
        assert lambda_permission_allows(
            resources, resolve, function, "events.amazonaws.com", "lambda:InvokeFunction", source_arn=rule_arn
        ), f"{rule_id} cannot invoke {function}"
        other = f"arn:aws:events:{REGION}:123456789012:rule/someone-elses-rule"
        assert not lambda_permission_allows(
            resources, resolve, function, "events.amazonaws.com", "lambda:InvokeFunction", source_arn=other
        )


def test_the_public_approval_url_needs_both_url_and_invoke_permissions(synthesized, template):
    resources, resolve = template
    decision, _ = synthesized.function("ApprovalDecisionFunction")
    assert lambda_permission_allows(resources, resolve, decision, "*", "lambda:InvokeFunctionUrl")
    assert lambda_permission_allows(resources, resolve, decision, "*", "lambda:InvokeFunction", via_function_url=True)
    # the public grant holds only through the URL: nobody may invoke the function directly
    assert not lambda_permission_allows(resources, resolve, decision, "*", "lambda:InvokeFunction")
    notify, _ = synthesized.function("NotifyFunction")
    assert not lambda_permission_allows(resources, resolve, notify, "*", "lambda:InvokeFunctionUrl")


def test_the_scheduler_role_may_start_this_state_machine_and_nothing_else(template):
    resources, resolve = template
    schedules = [r for r in resources.values() if r["Type"] == "AWS::Scheduler::Schedule"]
    assert schedules
    policies = role_policies(resources, resolve)
    for schedule in schedules:
        target = schedule["Properties"]["Target"]
        role = policies[target["RoleArn"]["Fn::GetAtt"][0]]
        machine = json.loads(resolve(target["Input"]))["StateMachineArn"]
        # a cluster's schedule starts the upgrade, a configured fleet's the fleet
        assert machine in (state_machine_arn(REGION), state_machine_arn(REGION, FLEET_STATE_MACHINE_NAME))
        assert role.decide(Request("states:StartExecution", machine)).allowed
        assert not role.decide(Request("states:StartExecution", machine + "-other")).allowed
        assert not role.decide(
            Request("states:StopExecution", machine.replace(":stateMachine:", ":execution:") + ":x")
        ).allowed
