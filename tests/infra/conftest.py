"""One synthesis per test session, shared by every infra test (synth takes seconds).

The app is synthesized with a configuration written here (not cdk.json's) that uses every
feature: three clusters (one scheduled by cron in a time zone with a flexible window and
options, one by at() and disabled, one bare id), emails in both the current and the earlier
field, an AWS Chatbot Slack channel and a Slack webhook secret. So the tests can see that
permissions follow the configuration (these clusters, nothing else), and that schedules,
subscriptions and rules come from it; cdk.json's own context is checked separately.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from infra.app_factory import STACK_NAME, build_app

CLUSTERS = ("prod-db", "orders-db", "reports-db")
EMAILS = ("dba-team@example.com", "oncall@example.com")
SLACK_WORKSPACE, SLACK_CHANNEL = "T0123ABCD45", "C0456EFGH78"
WEBHOOK_SECRET = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:aurora-upgrade/slack-webhook-*"
SCHEDULED: dict[str, Any] = {
    "prod-db": {
        "id": "prod-db",
        "target_engine_version": "16.6",
        "strategy": "blue_green",
        "schedule": {
            "expression": "cron(30 2 ? * SAT *)",
            "timezone": "America/New_York",
            "flexible_window_minutes": 45,
        },
        "options": {"deadlines": {"blue_green_ready_minutes": 900}, "delete_old_cluster": True},
    },
    "orders-db": {
        "id": "orders-db",
        "target_engine_version": "15.10",
        "strategy": "in_place",
        "schedule": {"expression": "at(2031-03-01T04:00:00)", "enabled": False},
    },
}
# a fleet kept in the configuration and started by a schedule (README, Fleets)
FLEET = {
    "input": {
        "name": "pg13",
        "clusters": ["orders-db", "reports-db"],
        "targets": {"13": "15.13"},
        "strategy": "in_place",
        "plan": {"canary": ["reports-db"], "bake_seconds": 3600},
    },
    "schedule": {"expression": "cron(0 2 ? * SAT *)", "timezone": "Europe/Paris"},
}
TEST_CONTEXT = {
    "aurora-upgrade": {
        "clusters": [SCHEDULED["prod-db"], SCHEDULED["orders-db"], "reports-db"],
        "notifications": {
            "emails": [EMAILS[0]],
            "slack": {
                "chatbot": {"workspace_id": SLACK_WORKSPACE, "channel_id": SLACK_CHANNEL},
                "webhook_secret_arn": WEBHOOK_SECRET,
            },
        },
        "notification_emails": [EMAILS[1]],
        "fleets": [FLEET],
    }
}
# where the tests pretend the stack is deployed, to turn the template's intrinsics into values
ACCOUNT, REGION = "123456789012", "eu-west-2"

Json = dict[str, Any]


def flatten(value: Any) -> str:
    """A CloudFormation value as text, the way cdk-nag prints it: Ref X -> <X>, GetAtt X.Y -> <X.Y>."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        delimiter, items = value["Fn::Join"]
        return str(delimiter).join(flatten(item) for item in items)
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        resource, attribute = value["Fn::GetAtt"]
        return f"<{resource}.{attribute}>"
    return json.dumps(value)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def deployed(value: Any, resources: dict[str, Any]) -> Any:
    """A template value as it would be once deployed in ACCOUNT/REGION as STACK_NAME (lists and maps too).

    Ref of the state machine -> its ARN (it has a known name); Ref of another resource -> its logical
    id; GetAtt X.Y -> "<X.Y>"; pseudo parameters -> their values.
    """
    pseudo = {
        "AWS::Partition": "aws",
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT,
        "AWS::StackName": STACK_NAME,
        "AWS::URLSuffix": "amazonaws.com",
    }
    if isinstance(value, list):
        return [deployed(item, resources) for item in value]
    if not isinstance(value, dict):
        return value
    if "Ref" in value:
        target = value["Ref"]
        if target in pseudo:
            return pseudo[target]
        if resources.get(target, {}).get("Type") == "AWS::StepFunctions::StateMachine":
            name = deployed(resources[target]["Properties"]["StateMachineName"], resources)
            return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
        return target
    if "Fn::GetAtt" in value:
        resource, attribute = value["Fn::GetAtt"]
        return f"<{resource}.{attribute}>"
    if "Fn::Join" in value:
        delimiter, items = value["Fn::Join"]
        return str(delimiter).join(str(deployed(item, resources)) for item in items)
    return {key: deployed(item, resources) for key, item in value.items()}


@dataclass
class Synthesized:
    """The cloud assembly of the session's single synthesis, with helpers to read it.

    Tests reach everything through this fixture object (helpers included): several
    conftest.py files exist under tests/, so importing from "conftest" is ambiguous.
    """

    outdir: Path
    app: cdk.App
    error: Exception | None
    template: Json = field(default_factory=dict)
    clusters: tuple[str, ...] = CLUSTERS
    emails: tuple[str, ...] = EMAILS
    scheduled: dict[str, Any] = field(default_factory=lambda: dict(SCHEDULED))
    slack_workspace: str = SLACK_WORKSPACE
    slack_channel: str = SLACK_CHANNEL
    webhook_secret: str = WEBHOOK_SECRET
    account: str = ACCOUNT
    region: str = REGION

    flatten = staticmethod(flatten)
    as_list = staticmethod(as_list)

    def deployed(self, value: Any) -> Any:
        return deployed(value, self.resources)

    @property
    def template_path(self) -> Path:
        return self.outdir / f"{STACK_NAME}.template.json"

    @property
    def resources(self) -> dict[str, Json]:
        return dict(self.template["Resources"])

    def of_type(self, resource_type: str) -> dict[str, Json]:
        return {lid: res for lid, res in self.resources.items() if res["Type"] == resource_type}

    def state_machine(self, construct_id: str = "Workflow") -> tuple[str, Json]:
        """(logical id, resource) of a state machine: the upgrade's (construct Workflow) or the fleet's (Fleet)."""
        [found] = [
            (lid, res)
            for lid, res in self.of_type("AWS::StepFunctions::StateMachine").items()
            if lid.startswith(f"{construct_id}StateMachine")
        ]
        return found

    def function(self, construct_id: str) -> tuple[str, Json]:
        """(logical id, properties) of the Lambda created with this construct id."""
        pattern = re.compile(rf"^{re.escape(construct_id)}[0-9A-F]{{8}}$")
        found = [
            (lid, res["Properties"]) for lid, res in self.of_type("AWS::Lambda::Function").items() if pattern.match(lid)
        ]
        assert len(found) == 1, f"expected one Lambda function with construct id {construct_id}, found {found}"
        return found[0]

    def role_statements(self, role_logical_id: str) -> list[Json]:
        """Allow statements of every policy attached to the role (inline or AWS::IAM::Policy)."""
        statements: list[Json] = []
        role = self.resources[role_logical_id]["Properties"]
        for policy in role.get("Policies", []):
            statements += policy["PolicyDocument"]["Statement"]
        for policy in self.of_type("AWS::IAM::Policy").values():
            if {"Ref": role_logical_id} in policy["Properties"].get("Roles", []):
                statements += policy["Properties"]["PolicyDocument"]["Statement"]
        return [s for s in statements if s["Effect"] == "Allow"]

    def function_statements(self, construct_id: str) -> list[Json]:
        _, properties = self.function(construct_id)
        return self.role_statements(properties["Role"]["Fn::GetAtt"][0])

    @staticmethod
    def action_resource_pairs(statements: list[Json]) -> set[tuple[str, str]]:
        """(action, flattened resource) for every action x resource of the statements."""
        return {
            (action, flatten(resource))
            for statement in statements
            for action in as_list(statement["Action"])
            for resource in as_list(statement["Resource"])
        }

    def metadata(self) -> dict[str, list[Json]]:
        """Construct path -> metadata entries (logical ids, acknowledged cdk-nag rules)."""
        return dict(json.loads((self.outdir / f"{STACK_NAME}.metadata.json").read_text()))


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = build_app(outdir=str(outdir), context=TEST_CONTEXT)
    result = Synthesized(outdir=outdir, app=app, error=None)
    try:
        app.synth()
    except Exception as error:  # cdk-nag findings surface as a synth failure; the nag test reports them
        result.error = error
    if result.template_path.exists():
        result.template = json.loads(result.template_path.read_text())
    yield result
