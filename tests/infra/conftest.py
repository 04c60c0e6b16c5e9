"""One synthesis per test session, shared by every infra test (synth takes seconds).

The app is synthesized with a two-cluster, one-email configuration so the tests can see
that permissions follow the configuration (both clusters, nothing else) and that the
subscriptions come from it; cdk.json's own context is checked separately.
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

CLUSTERS = ("prod-db", "orders-db")
EMAILS = ("dba-team@example.com",)
TEST_CONTEXT = {"aurora-upgrade": {"clusters": list(CLUSTERS), "notification_emails": list(EMAILS)}}

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

    flatten = staticmethod(flatten)
    as_list = staticmethod(as_list)

    @property
    def template_path(self) -> Path:
        return self.outdir / f"{STACK_NAME}.template.json"

    @property
    def resources(self) -> dict[str, Json]:
        return dict(self.template["Resources"])

    def of_type(self, resource_type: str) -> dict[str, Json]:
        return {lid: res for lid, res in self.resources.items() if res["Type"] == resource_type}

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
