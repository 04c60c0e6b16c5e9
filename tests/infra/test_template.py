"""What the synthesized template must say: functions, least privilege, the workflow, the topic, the outputs."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from infra.app_factory import REPO_ROOT
from infra.stack import STEP_HANDLERS
from infra.workflow import ASL_PATH, substitute

if TYPE_CHECKING:
    from conftest import Synthesized

Json = dict[str, Any]

# construct id -> (handler, the RDS actions its code calls)
STEPS: dict[str, tuple[str, set[str]]] = {
    "PreflightFunction": (
        "preflight.handler.handler",
        {
            "DescribeDBClusters",
            "DescribeDBInstances",
            "DescribeDBEngineVersions",
            "DescribeBlueGreenDeployments",
            "ListTagsForResource",
            "DescribeDBClusterParameterGroups",
            "DescribeDBParameterGroups",
            "DescribeDBClusterSnapshots",
        },
    ),
    "RaiseCapacityFunction": (
        "capacity.handler.raise_capacity",
        {"DescribeDBClusters", "ListTagsForResource", "AddTagsToResource", "ModifyDBCluster"},
    ),
    "RestoreCapacityFunction": (
        "capacity.handler.restore_capacity",
        {"DescribeDBClusters", "ListTagsForResource", "RemoveTagsFromResource", "ModifyDBCluster"},
    ),
    "PrepareSourceParameterGroupFunction": (
        "source_parameters.handler.prepare",
        {
            "DescribeDBClusters",
            "DescribeDBInstances",
            "DescribeDBClusterParameterGroups",
            "CreateDBClusterParameterGroup",
            "AddTagsToResource",
            "DescribeDBClusterParameters",
            "ModifyDBClusterParameterGroup",
            "ModifyDBCluster",
        },
    ),
    "CheckParameterSyncFunction": (
        "source_parameters.handler.check_sync",
        {"DescribeDBClusters", "DescribeDBInstances", "RebootDBInstance"},
    ),
    "CreateTargetParameterGroupsFunction": (
        "target_parameters.handler.handler",
        {
            "DescribeDBClusterParameterGroups",
            "DescribeDBParameterGroups",
            "CreateDBClusterParameterGroup",
            "CreateDBParameterGroup",
            "AddTagsToResource",
            "DescribeDBClusterParameters",
            "DescribeDBParameters",
            "DescribeEngineDefaultClusterParameters",
            "DescribeEngineDefaultParameters",
            "ModifyDBClusterParameterGroup",
            "ModifyDBParameterGroup",
        },
    ),
    "StartSnapshotFunction": (
        "snapshot.handler.start",
        {"DescribeDBClusterSnapshots", "CreateDBClusterSnapshot", "AddTagsToResource"},
    ),
    "CheckSnapshotFunction": ("snapshot.handler.check", {"DescribeDBClusterSnapshots"}),
    "CreateBlueGreenFunction": (
        "blue_green.handler.create",
        {"DescribeBlueGreenDeployments", "CreateBlueGreenDeployment", "AddTagsToResource"},
    ),
    "CheckBlueGreenFunction": ("blue_green.handler.check", {"DescribeBlueGreenDeployments"}),
    "StartSwitchoverFunction": (
        "blue_green.handler.start_switchover",
        {"DescribeBlueGreenDeployments", "SwitchoverBlueGreenDeployment"},
    ),
    "CheckSwitchoverFunction": ("blue_green.handler.check_switchover", {"DescribeBlueGreenDeployments"}),
    "SwitchoverProbeFunction": (
        "switchover_probe.handler.handler",
        {"DescribeDBClusters", "DescribeBlueGreenDeployments"},
    ),
    "VerifyUpgradeFunction": ("verify.handler.handler", {"DescribeDBClusters", "DescribeDBInstances"}),
    "CleanUpFunction": (
        "cleanup.handler.handler",
        {
            "DescribeDBClusters",
            "DeleteBlueGreenDeployment",
            "ModifyDBCluster",
            "DeleteDBInstance",
            "DeleteDBCluster",
            "CreateDBClusterSnapshot",
        },
    ),
    "StartInPlaceUpgradeFunction": ("in_place.handler.start", {"DescribeDBClusters", "ModifyDBCluster"}),
    "CheckInPlaceUpgradeFunction": ("in_place.handler.check", {"DescribeDBClusters", "DescribeEvents"}),
    "SettleInstancesFunction": ("in_place.handler.settle", {"DescribeDBInstances", "RebootDBInstance"}),
    "AssessRollbackFunction": ("rollback.handler.assess", {"DescribeDBClusters", "DescribeDBInstances"}),
    "MoveAsideFunction": (
        "rollback.handler.move_aside",
        {"DescribeDBClusters", "DescribeDBInstances", "ModifyDBCluster", "ModifyDBInstance", "AddTagsToResource"},
    ),
    "RestoreClusterFunction": (
        "restore.handler.restore_cluster",
        {"DescribeDBClusters", "DescribeDBClusterSnapshots", "RestoreDBClusterFromSnapshot", "AddTagsToResource"},
    ),
    "CreateInstancesFunction": (
        "restore.handler.create_instances",
        {"DescribeDBInstances", "CreateDBInstance"},
    ),
    "VerifyRestoreFunction": ("restore.handler.verify", {"DescribeDBClusters", "DescribeDBInstances"}),
    "DeleteFailedClusterFunction": (
        "rollback.handler.delete_failed",
        {"DescribeDBClusters", "ModifyDBCluster", "DeleteDBInstance", "DeleteDBCluster", "CreateDBClusterSnapshot"},
    ),
    "NotifyFunction": ("notify.handler.handler", {"DescribeDBClusters", "DescribeBlueGreenDeployments"}),
    "PostUpgradeFunction": ("post_upgrade.handler.handler", {"DescribeDBClusters", "DescribeDBInstances"}),
    "ConsistencyCheckFunction": ("consistency.handler.handler", {"DescribeDBClusters"}),
    "RequestApprovalFunction": ("approval.handler.request", {"DescribeDBClusters", "DescribeBlueGreenDeployments"}),
    "AbandonBlueGreenFunction": (
        "blue_green.handler.abandon",
        {
            "DescribeDBClusters",
            "DescribeBlueGreenDeployments",
            "DeleteBlueGreenDeployment",
            "ModifyDBCluster",
            "DeleteDBCluster",
            "DeleteDBInstance",
            "DeleteDBClusterEndpoint",
        },
    ),
    "AwaitChangeFunction": (
        "waits.handler.register",
        {"DescribeDBClusters", "DescribeDBClusterSnapshots", "DescribeBlueGreenDeployments"},
    ),
}
# functions started by something else than the state machine (EventBridge, a function URL, SNS): no RDS
EVENT_DRIVEN: dict[str, tuple[str, set[str]]] = {
    "WakeFunction": ("waits.handler.wake", set()),
    "ApprovalDecisionFunction": ("approval_decision.handler.decide", set()),
    "SlackWebhookFunction": ("slack.handler.handler", set()),
}
FUNCTIONS = {**STEPS, **EVENT_DRIVEN}
# (memory MB, timeout s) where the factory's default (256, 120) does not hold
SIZES = {
    "PostUpgradeFunction": (512, 900),
    "ConsistencyCheckFunction": (256, 600),
    "SwitchoverProbeFunction": (256, 900),
}
DATABASE_STEPS = {"PreflightFunction", "PostUpgradeFunction", "ConsistencyCheckFunction", "SwitchoverProbeFunction"}

# what RDS checks on the caller when it acts on its behalf (AWS blue/green authorization docs)
# for a global database member, RDS also creates, modifies and deletes global clusters on the caller's behalf
ON_BEHALF: dict[str, set[str]] = {
    "CreateBlueGreenFunction": {
        "CreateDBCluster",
        "CreateDBInstance",
        "CreateDBClusterEndpoint",
        "CreateGlobalCluster",
    },
    "StartSwitchoverFunction": {"ModifyDBCluster", "PromoteReadReplicaDBCluster", "ModifyGlobalCluster"},
    "AbandonBlueGreenFunction": {
        "DeleteDBCluster",
        "DeleteDBInstance",
        "DeleteDBClusterEndpoint",
        "DeleteGlobalCluster",
    },
}

READ_ONLY_PREFIXES = ("Describe", "List")
RDS_ARN = re.compile(r"^arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:(?P<kind>[a-z-]+):(?P<name>.+)$")


def _rds_pairs(synthesized: Synthesized, statements: list[Json]) -> set[tuple[str, str]]:
    """(rds action without prefix, flattened resource)."""
    pairs = synthesized.action_resource_pairs(statements)
    return {(action.removeprefix("rds:"), resource) for action, resource in pairs if action.startswith("rds:")}


def _is_mutating(action: str) -> bool:
    return not action.startswith(READ_ONLY_PREFIXES)


# --- the step functions -----------------------------------------------------------------


@pytest.mark.parametrize("construct_id", sorted(FUNCTIONS))
def test_function_is_configured_by_the_factory(synthesized: Synthesized, construct_id: str) -> None:
    _, properties = synthesized.function(construct_id)
    assert properties["Handler"] == FUNCTIONS[construct_id][0]
    assert properties["Runtime"] == "python3.12"
    assert properties["Architectures"] == ["arm64"]
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert (properties["MemorySize"], properties["Timeout"]) == SIZES.get(construct_id, (256, 120))
    layer, *extra_layers = properties["Layers"]
    parameter = synthesized.template["Parameters"][layer["Ref"]]
    if construct_id in DATABASE_STEPS:  # the PostgreSQL driver for the in-database statements
        [driver] = extra_layers
        assert synthesized.resources[driver["Ref"]]["Type"] == "AWS::Lambda::LayerVersion"
    else:
        assert extra_layers == []
    assert parameter["Default"] == "/aws/service/powertools/python/arm64/python3.12/3.37.0"
    assert parameter["Type"] == "AWS::SSM::Parameter::Value<String>"  # resolved at deploy time, not at synth
    assert properties["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == "aurora-upgrade"
    assert properties["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"] == "AuroraUpgrade"
    # the X-Ray SDK only when the configuration asks for it (trace_aws_calls): it doubles the cold import
    assert properties["Environment"]["Variables"]["TRACE_AWS_CALLS"] == "false"
    # no search for pydantic plugins at the first validator of each cold start (infra/functions.py)
    assert properties["Environment"]["Variables"]["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    log_group = synthesized.resources[properties["LoggingConfig"]["LogGroup"]["Ref"]]
    assert log_group["Properties"]["RetentionInDays"] == 30


@pytest.mark.parametrize("construct_id", sorted(FUNCTIONS))
def test_handler_exists_in_the_lambda_code(construct_id: str) -> None:
    module, name = FUNCTIONS[construct_id][0].rsplit(".", 1)
    source = REPO_ROOT / "lambdas" / Path(*module.split(".")).with_suffix(".py")
    if not source.exists():
        pytest.skip(f"{source.relative_to(REPO_ROOT)} is not written yet (the template only needs the handler path)")
    tree = ast.parse(source.read_text())
    defined = (
        {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        | {
            node.target.id
            for node in tree.body
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        }
        | {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    )
    assert name in defined, f"{source} defines no '{name}'"


def test_notifier_gets_the_topic(synthesized: Synthesized) -> None:
    _, properties = synthesized.function("NotifyFunction")
    [topic_id] = synthesized.of_type("AWS::SNS::Topic")
    assert properties["Environment"]["Variables"]["TOPIC_ARN"] == {"Ref": topic_id}
    assert properties["Environment"]["Variables"]["CLUSTERS"] == ",".join(synthesized.clusters)
    statements = synthesized.function_statements("NotifyFunction")
    assert ("sns:Publish", f"<{topic_id}>") in synthesized.action_resource_pairs(statements)


def test_only_the_notifier_and_the_approval_request_may_publish(synthesized: Synthesized) -> None:
    publishers = [
        cid
        for cid in FUNCTIONS
        if any(a == "sns:Publish" for a, _ in synthesized.action_resource_pairs(synthesized.function_statements(cid)))
    ]
    assert sorted(publishers) == ["NotifyFunction", "RequestApprovalFunction"]


def test_roles_use_no_managed_policies(synthesized: Synthesized) -> None:
    for logical_id, role in synthesized.of_type("AWS::IAM::Role").items():
        assert not role["Properties"].get("ManagedPolicyArns"), logical_id


# --- least privilege ---------------------------------------------------------------------


@pytest.mark.parametrize("construct_id", sorted(FUNCTIONS))
def test_function_may_call_what_its_code_calls(synthesized: Synthesized, construct_id: str) -> None:
    granted = {action for action, _ in _rds_pairs(synthesized, synthesized.function_statements(construct_id))}
    missing = FUNCTIONS[construct_id][1] - granted
    assert not missing, f"{construct_id} lacks {sorted(missing)}"


@pytest.mark.parametrize("construct_id", sorted(FUNCTIONS))
def test_function_has_no_other_mutating_rds_action(synthesized: Synthesized, construct_id: str) -> None:
    granted = {action for action, _ in _rds_pairs(synthesized, synthesized.function_statements(construct_id))}
    allowed = FUNCTIONS[construct_id][1] | ON_BEHALF.get(construct_id, set())
    foreign = {action for action in granted - allowed if _is_mutating(action)}
    assert not foreign, f"{construct_id} may also {sorted(foreign)}"


def test_read_only_steps_cannot_change_anything(synthesized: Synthesized) -> None:
    for construct_id in (
        "CheckSnapshotFunction",
        "CheckBlueGreenFunction",
        "CheckSwitchoverFunction",
        "SwitchoverProbeFunction",
        "VerifyUpgradeFunction",
        "PreflightFunction",
        "PostUpgradeFunction",
        "ConsistencyCheckFunction",
        "RequestApprovalFunction",
        "AwaitChangeFunction",
        *EVENT_DRIVEN,
    ):
        pairs = _rds_pairs(synthesized, synthesized.function_statements(construct_id))
        mutating = {action for action, _ in pairs if _is_mutating(action)}
        assert not mutating, f"{construct_id}: {sorted(mutating)}"


def _all_statements(synthesized: Synthesized) -> list[Json]:
    return [
        statement
        for role_id in synthesized.of_type("AWS::IAM::Role")
        for statement in synthesized.role_statements(role_id)
    ]


def test_no_service_wide_action_wildcards(synthesized: Synthesized) -> None:
    statements = _all_statements(synthesized)
    actions = {action for statement in statements for action in synthesized.as_list(statement["Action"])}
    assert "*" not in actions
    assert not {a for a in actions if a.startswith("rds:") and "*" in a}, "rds:* style actions are not allowed"


def test_mutating_rds_actions_are_never_on_every_resource(synthesized: Synthesized) -> None:
    on_everything = {
        action
        for action, resource in _rds_pairs(synthesized, _all_statements(synthesized))
        if resource == "*" and _is_mutating(action)
    }
    assert not on_everything


def test_named_rds_resources_belong_to_configured_clusters(synthesized: Synthesized) -> None:
    names: set[str] = set()
    for _, resource in _rds_pairs(synthesized, _all_statements(synthesized)):
        match = RDS_ARN.match(resource)
        if resource == "*" or match is None or match["name"].startswith("*"):
            continue  # every-resource grants are checked above; "*..." patterns carry a reason (nag test)
        names.add(match["name"])
        assert match["name"].startswith(tuple(f"{cluster}" for cluster in synthesized.clusters)), resource
    for cluster in synthesized.clusters:
        assert cluster in names and f"{cluster}-old*" in names


# --- the state machine -------------------------------------------------------------------


def _state_machine(synthesized: Synthesized) -> tuple[str, Json]:
    logical_id, machine = synthesized.state_machine()
    return logical_id, machine["Properties"]


def _definition(synthesized: Synthesized) -> Json:
    """Rebuild the DefinitionString: Fn::GetAtt [X, Arn] -> a function ARN named X, Ref X -> X."""

    def text(value: Any) -> str:
        if isinstance(value, str):
            return value
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            assert attribute == "Arn", value
            return f"arn:aws:lambda:us-east-1:123456789012:function:{resource}"
        if "Ref" in value:
            return str(value["Ref"])
        delimiter, parts = value["Fn::Join"]
        return str(delimiter).join(text(part) for part in parts)

    raw = text(_state_machine(synthesized)[1]["DefinitionString"])
    assert "${" not in raw, "a placeholder was left unsubstituted"
    return dict(json.loads(raw))


def _tasks(states: Json) -> list[Json]:
    found = []
    for state in states.values():
        if state["Type"] == "Task":
            found.append(state)
        for branch in state.get("Branches", []) + ([state["ItemProcessor"]] if "ItemProcessor" in state else []):
            found += _tasks(branch["States"])
    return found


def test_definition_is_valid_json_with_a_start(synthesized: Synthesized) -> None:
    definition = _definition(synthesized)
    assert definition["StartAt"] in definition["States"]
    for state in definition["States"].values():
        for target in [state.get("Next"), state.get("Default")] + [c.get("Next") for c in state.get("Choices", [])]:
            assert target is None or target in definition["States"], target


def _called_function(task: Json) -> str:
    """The logical id of the function a Task calls: directly, or through lambda:invoke(.waitForTaskToken)."""
    resource = str(task["Resource"])
    if resource.startswith("arn:aws:states:::lambda:invoke"):
        resource = str(task["Parameters"]["FunctionName"])
    return resource.rsplit(":", 1)[-1]


def test_every_task_calls_a_function_of_this_stack(synthesized: Synthesized) -> None:
    function_ids = set(synthesized.of_type("AWS::Lambda::Function"))
    called = set()
    for task in _tasks(_definition(synthesized)["States"]):
        called.add(_called_function(task))
        assert _called_function(task) in function_ids, task["Resource"]
    assert called == {synthesized.function(cid)[0] for cid in STEPS}, "every step function is used by the workflow"


def test_only_step_functions_are_invocable_by_the_state_machine(synthesized: Synthesized) -> None:
    _, properties = _state_machine(synthesized)
    statements = synthesized.role_statements(properties["RoleArn"]["Fn::GetAtt"][0])
    invocable = {resource for action, resource in synthesized.action_resource_pairs(statements) if "lambda" in action}
    assert invocable == {f"<{synthesized.function(cid)[0]}.Arn>" for cid in STEPS}


def test_state_machine_logs_everything_and_traces(synthesized: Synthesized) -> None:
    _, properties = _state_machine(synthesized)
    assert properties["StateMachineType"] == "STANDARD"
    assert properties["TracingConfiguration"] == {"Enabled": True}
    assert properties["LoggingConfiguration"]["Level"] == "ALL"
    [destination] = properties["LoggingConfiguration"]["Destinations"]
    log_group_id = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    assert synthesized.resources[log_group_id]["Properties"]["RetentionInDays"] == 30


def test_state_machine_may_invoke_each_step_function(synthesized: Synthesized) -> None:
    _, properties = _state_machine(synthesized)
    pairs = synthesized.action_resource_pairs(synthesized.role_statements(properties["RoleArn"]["Fn::GetAtt"][0]))
    for construct_id in STEPS:
        assert ("lambda:InvokeFunction", f"<{synthesized.function(construct_id)[0]}.Arn>") in pairs


# --- notifications and outputs -----------------------------------------------------------


def test_topic_is_encrypted_with_a_rotating_customer_key(synthesized: Synthesized) -> None:
    [topic] = synthesized.of_type("AWS::SNS::Topic").values()
    key_id = topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    key = synthesized.resources[key_id]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True


def test_topic_refuses_publishing_without_tls(synthesized: Synthesized) -> None:
    [policy] = synthesized.of_type("AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )


def test_outputs(synthesized: Synthesized) -> None:
    outputs = synthesized.template["Outputs"]
    state_machine_id, _ = _state_machine(synthesized)
    [topic_id] = synthesized.of_type("AWS::SNS::Topic")
    [queue_id] = synthesized.of_type("AWS::SQS::Queue")
    assert outputs["StateMachineArn"]["Value"] == {"Ref": state_machine_id}
    assert outputs["TopicArn"]["Value"] == {"Ref": topic_id}
    assert outputs["DeadLetterQueueUrl"]["Value"] == {"Ref": queue_id}


def test_template_is_environment_agnostic(synthesized: Synthesized) -> None:
    """No account id or Region is baked in (but in ARNs the configuration names): it deploys anywhere."""
    text = json.dumps(synthesized.template).replace(synthesized.webhook_secret, "<configured>")
    assert not re.search(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:", text)
    assert not re.search(r"\b(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d\b", text)


def test_a_placeholder_without_a_function_fails_synth_loudly() -> None:
    definition = '{"A": "${PreflightFunctionArn}", "B": "${PostUpgradeFuncionArn}"}'  # a typo
    with pytest.raises(ValueError, match=r"placeholders without a function .*\['PostUpgradeFuncionArn'\]"):
        substitute(definition, {"PreflightFunctionArn": "arn:1"})


def test_a_function_the_definition_never_calls_fails_synth() -> None:
    with pytest.raises(ValueError, match=r"never uses: \['WakeFunctionArn'\]"):
        substitute('{"A": "${PreflightFunctionArn}"}', {"PreflightFunctionArn": "arn:1", "WakeFunctionArn": "arn:2"})


def test_every_step_of_the_definition_is_registered() -> None:
    """The ASL names its functions ${<id>Arn}; STEP_HANDLERS must hold exactly those ids."""
    placeholders = set(re.findall(r"\$\{([A-Za-z0-9_]+)Arn\}", ASL_PATH.read_text()))
    assert placeholders == set(STEP_HANDLERS)
    assert set(STEP_HANDLERS) == set(STEPS)
