"""The stack's own resources, made in moto, and the template's values resolved to them.

Functions read their environment from the template: a topic's ARN (``Ref``), the token table's
name, a secret's ARN, the report bucket's name, a function URL (``Fn::GetAtt ... FunctionUrl``).
The simulator creates those resources in moto and resolves every reference to the simulated value.
"""

from __future__ import annotations

import secrets as random_secrets
from typing import Any

import boto3

from simulator.engine.template import ACCOUNT, STACK_NAME, pseudo_parameters, topic_arn

# infra/workflow.py names the state machine after its stack
STATE_MACHINE_NAME = f"{STACK_NAME}-upgrade"


# infra/fleet.py names the fleet's after its stack too
FLEET_STATE_MACHINE_NAME = f"{STACK_NAME}-fleet"


def state_machine_arn(region: str, name: str = STATE_MACHINE_NAME) -> str:
    return f"arn:aws:states:{region}:{ACCOUNT}:stateMachine:{name}"


def function_url(logical_id: str, region: str) -> str:
    return f"https://{logical_id.lower()}.lambda-url.{region}.on.aws/"


class StackResources:
    """Create the topics, tables, secrets and buckets of a template in moto; resolve references to them."""

    def __init__(self, resources: dict[str, Any], region: str) -> None:
        self._resources = resources
        self._region = region
        self.physical: dict[str, str] = {}

    def create(self) -> None:
        sns = boto3.client("sns", region_name=self._region)
        dynamodb = boto3.client("dynamodb", region_name=self._region)
        secrets = boto3.client("secretsmanager", region_name=self._region)
        kms = boto3.client("kms", region_name=self._region)
        for logical_id, resource in self._resources.items():
            if resource["Type"] == "AWS::KMS::Key":  # first: topics are encrypted with them
                self.physical[logical_id] = kms.create_key(Description=logical_id)["KeyMetadata"]["Arn"]
        s3 = boto3.client("s3", region_name=self._region)
        for logical_id, resource in self._resources.items():
            kind, properties = resource["Type"], resource.get("Properties", {})
            if kind == "AWS::SNS::Topic":
                attributes = {}
                if "KmsMasterKeyId" in properties:  # publishers then need the key (simulator.enforcement.iam)
                    attributes["KmsMasterKeyId"] = str(self.resolve(properties["KmsMasterKeyId"]))
                created = sns.create_topic(Name=logical_id, Attributes=attributes)
                self.physical[logical_id] = created["TopicArn"]
            elif kind == "AWS::DynamoDB::Table":
                dynamodb.create_table(
                    TableName=logical_id,
                    KeySchema=properties["KeySchema"],
                    AttributeDefinitions=properties["AttributeDefinitions"],
                    BillingMode="PAY_PER_REQUEST",
                )
                self.physical[logical_id] = logical_id
            elif kind == "AWS::SecretsManager::Secret":
                created = secrets.create_secret(Name=logical_id, SecretString=random_secrets.token_urlsafe(48))
                self.physical[logical_id] = created["ARN"]
            elif kind == "AWS::S3::Bucket":
                # a generated name, as CloudFormation gives one: lowercase, unique per account and Region
                name = f"{logical_id.lower()}-{self._region}"
                where = (
                    {}
                    if self._region == "us-east-1"
                    else {"CreateBucketConfiguration": {"LocationConstraint": self._region}}
                )
                s3.create_bucket(Bucket=name, **where)
                self.physical[logical_id] = name

    def resolve(self, value: Any) -> Any:
        """A template value with its intrinsic functions replaced by simulated values."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            return self._ref(str(value["Ref"]))
        if "Fn::GetAtt" in value:
            logical_id, attribute = value["Fn::GetAtt"]
            return self._attribute(str(logical_id), str(attribute))
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(str(self.resolve(part)) for part in parts)
        return {key: self.resolve(item) for key, item in value.items()}

    def _ref(self, name: str) -> str:
        pseudo = pseudo_parameters(self._region)
        if name in pseudo:
            return pseudo[name]
        if name in self.physical:
            return self.physical[name]
        kind = self._resources.get(name, {}).get("Type")
        if kind == "AWS::SNS::Topic":
            return topic_arn(name, self._region)
        if kind == "AWS::StepFunctions::StateMachine":
            return state_machine_arn(self._region, self._state_machine_name(name))
        if kind == "AWS::Lambda::Function":
            return name
        raise ValueError(f"the simulator cannot resolve Ref {name} ({kind})")

    def _attribute(self, logical_id: str, attribute: str) -> str:
        kind = self._resources.get(logical_id, {}).get("Type")
        if kind == "AWS::Lambda::Function" and attribute == "Arn":
            return f"arn:aws:lambda:{self._region}:{ACCOUNT}:function:{logical_id}"
        if kind == "AWS::Lambda::Url" and attribute == "FunctionUrl":
            target = self._resources[logical_id]["Properties"]["TargetFunctionArn"]
            function = target["Fn::GetAtt"][0] if isinstance(target, dict) and "Fn::GetAtt" in target else logical_id
            return function_url(str(function), self._region)
        if kind == "AWS::StepFunctions::StateMachine" and attribute == "Name":
            return self._state_machine_name(logical_id)
        if kind == "AWS::Events::Rule" and attribute == "Arn":
            return f"arn:aws:events:{self._region}:{ACCOUNT}:rule/{logical_id}"
        if kind == "AWS::KMS::Key" and attribute == "Arn" and logical_id in self.physical:
            return self.physical[logical_id]
        if kind == "AWS::S3::Bucket" and attribute == "Arn":
            return f"arn:aws:s3:::{self._ref(logical_id)}"
        if kind == "AWS::DynamoDB::Table" and attribute == "Arn":
            return f"arn:aws:dynamodb:{self._region}:{ACCOUNT}:table/{logical_id}"
        raise ValueError(f"the simulator cannot resolve {logical_id}.{attribute} ({kind})")

    def _state_machine_name(self, logical_id: str) -> str:
        return str(self.resolve(self._resources[logical_id]["Properties"].get("StateMachineName", STATE_MACHINE_NAME)))

    def environment(self, variables: dict[str, Any]) -> dict[str, str]:
        """A function's environment, every value resolved; unresolvable ones are left out."""
        resolved: dict[str, str] = {}
        for key, value in variables.items():
            try:
                resolved[key] = str(self.resolve(value))
            except ValueError:
                continue
        return resolved
