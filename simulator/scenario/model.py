"""A scenario: the starting world, the execution input, the faults, the expected outcome.

The format is documented in docs/scenarios.md; the same file serves tests, the demo and a
user rehearsing the upgrade of a cluster shaped like their own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import boto3
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from simulator.rds.state import RealisticRds


class ScenarioError(ValueError):
    """A scenario file that cannot be run: the message names the file and the field, on one line."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParameterGroupSpec(_Model):
    name: str
    family: str
    parameters: dict[str, str] = {}


class InstanceSpec(_Model):
    id: str
    instance_class: str = "db.serverless"
    writer: bool = False
    parameter_group: ParameterGroupSpec | None = None
    promotion_tier: int = 1


class ServerlessSpec(_Model):
    min_capacity: float = Field(ge=0, le=256)
    max_capacity: float = Field(ge=1, le=256)


class ClusterSpec(_Model):
    id: str
    engine: str = "aurora-postgresql"
    engine_version: str
    serverless_v2: ServerlessSpec | None = None
    cluster_parameter_group: ParameterGroupSpec | None = None
    instances: list[InstanceSpec]
    deletion_protection: bool = False
    manage_master_user_password: bool = False
    tags: dict[str, str] = {}
    # "customer": storage encrypted with a customer managed KMS key made for the scenario; "aws": the AWS
    # managed key aws/rds; null: unencrypted
    encryption: Literal["customer", "aws"] | None = None
    global_cluster: str | None = Field(
        default=None, description="identifier of a global database this cluster is the primary of"
    )
    zero_etl_integrations: list[str] = Field(
        default=[], description="names of zero-ETL integrations (with Amazon Redshift) the cluster is the source of"
    )
    rds_proxies: list[str] = Field(default=[], description="names of RDS proxies that target the cluster")

    @model_validator(mode="after")
    def _one_writer(self) -> ClusterSpec:
        writers = [i for i in self.instances if i.writer]
        if len(writers) > 1:
            raise ValueError("at most one instance can be the writer")
        return self


class Expectation(_Model):
    """What should be true at the end; every field is optional."""

    status: Literal["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"] | None = None
    engine_version: str | None = None
    min_capacity: float | None = None
    max_capacity: float | None = None
    cluster_parameter_group: str | None = None
    snapshots: int | None = Field(default=None, description="number of manual snapshots at the end")
    clusters: list[str] | None = None
    states_visited: list[str] = []
    states_not_visited: list[str] = []
    error_contains: str | None = None
    notification_contains: list[str] = []
    engine_versions: dict[str, str] = Field(default={}, description="cluster -> its engine version at the end")
    upgrade_executions: int | None = Field(
        default=None, description="executions of the upgrade state machine at the end (a fleet's children)"
    )


DurationKind = Literal[
    "snapshot", "blue_green_provisioning", "switchover", "in_place_upgrade", "reboot", "rename", "restore"
]


class TrafficSpec(_Model):
    """Writes to blue while green exists: ``sql`` run in ``database`` every ``interval_seconds`` (real seconds)."""

    database: str
    sql: str
    interval_seconds: float = Field(default=0.2, ge=0.05, le=10)


class RealDatabases(_Model):
    """Blue and green backed by real PostgreSQL servers of the scenario's exact versions (docs/scenarios.md)."""

    secret: str = Field(
        description="name of the Secrets Manager secret the simulator creates with blue's address and user; the "
        "input's database.secret_arn names it"
    )
    seed_sql: str | None = Field(
        default=None,
        description="SQL run on blue (psql, may \\connect), relative to the scenario file; "
        "default: simulator/databases/seed.sql",
    )
    traffic: TrafficSpec | None = None
    changes_on_blue: list[str] = Field(
        default=[],
        description="statements run on blue once green exists (before the switchover), e.g. a schema change; "
        "'<database>: <statement>' picks the database (default: the first one the seed made)",
    )


class Approval(_Model):
    """What the person at the approval gate does, and when (simulated seconds after being asked)."""

    decision: Literal["approve", "reject", "timeout"] = "approve"
    after_seconds: int = Field(default=300, ge=0)


class Captured(_Model):
    """Where a captured scenario comes from (python -m upgrade_cli capture): recorded, not simulated."""

    at: str
    account: str
    region: str
    partition: str = "aws"
    by: str = ""
    backtrack_window_seconds: int = Field(default=0, ge=0)
    engine_versions: list[dict[str, Any]] = Field(
        default=[],
        description="the Region's DescribeDBEngineVersions entries of the source version and its major targets "
        "(EngineVersion, DBParameterGroupFamily, Status, ValidUpgradeTarget, ServerlessV2FeaturesSupport)",
    )


class Scenario(_Model):
    name: str
    description: str = ""
    region: str = "us-east-1"
    cluster: ClusterSpec
    other_clusters: list[ClusterSpec] = []
    workflow: Literal["upgrade", "fleet"] = Field(
        default="upgrade", description="the state machine the input starts: one upgrade, or a fleet (README, Fleets)"
    )
    input: dict[str, Any]
    execution_name: str | None = None
    faults: list[dict[str, Any]] = []
    polls: int = Field(default=3, ge=0, le=50, description="describe calls before a change completes")
    repeat: int = Field(default=1, ge=1, le=5, description="run the same input this many times in a row")
    configured: bool = Field(
        default=True,
        description="the input's cluster is in the deployed configuration (false: the roles are not scoped to it)",
    )
    secrets: dict[str, dict[str, Any]] = Field(
        default={},
        description="Secrets Manager secrets by name (RDS credentials: username, password, host, port) for the "
        "in-database checks; the input names them as arn:aws:secretsmanager:<region>:123456789012:secret:<name>",
    )
    before: list[dict[str, Any]] = Field(
        default=[], description="inputs executed first (execution <name>-before-<n>), e.g. an upgrade later regretted"
    )
    durations: dict[DurationKind, float] = Field(
        default={},
        description="simulated seconds a kind of change takes (instead of `polls` describes); RDS events are "
        "sent through the stack's EventBridge rules when it completes",
    )
    approval: Approval = Approval()
    rds_events: bool = Field(
        default=True, description="false: RDS sends no events (they are best effort), only polling finds changes"
    )
    endpoints: dict[str, str] = Field(
        default={},
        description="cluster id prefix -> host:port its endpoint answers on (e.g. the green cluster -> a real "
        "PostgreSQL for the post-upgrade step)",
    )
    real_databases: RealDatabases | None = Field(
        default=None,
        description="blue and green as real PostgreSQL servers (source and target versions): green copied from "
        "blue and kept in step by logical replication, the switchover done on the servers and its downtime measured",
    )
    deprecated_versions: list[str] | None = Field(
        default=None,
        description="engine versions AWS no longer offers (listed only with IncludeAll, never an upgrade target); "
        "default: the catalogue's (11.9, 12.9, 13.9)",
    )
    expect: Expectation | None = None
    captured: Captured | None = None

    @model_validator(mode="after")
    def _real_databases_reachable(self) -> Scenario:
        """The input must reach the real servers through the secret the simulator makes for them."""
        real = self.real_databases
        if real is None:
            return self
        if self.input.get("strategy") != "blue_green":
            raise ValueError("real_databases: rehearses a blue/green upgrade; the input's strategy must be blue_green")
        if real.secret in self.secrets:
            raise ValueError(f"real_databases.secret: {real.secret} is made by the simulator; remove it from secrets")
        database = self.input.get("database")
        if not isinstance(database, dict) or not str(database.get("secret_arn", "")).endswith(f":secret:{real.secret}"):
            raise ValueError(
                f"real_databases: the input's database.secret_arn must name the secret {real.secret} "
                f"(arn:aws:secretsmanager:{self.region}:123456789012:secret:{real.secret})"
            )
        if database.get("ssl") is not False:
            raise ValueError("real_databases: the servers take no TLS; set the input's database.ssl to false")
        return self

    def without_real_databases(self) -> Scenario:
        """The same scenario on simulated RDS only: no servers, and no database access in the input."""
        if self.real_databases is None:
            return self
        given = {key: value for key, value in self.input.items() if key != "database"}
        return self.model_copy(update={"real_databases": None, "input": given})

    @classmethod
    def load(cls, path: Path) -> Scenario:
        """Read and validate a scenario file; any problem is one ScenarioError line naming the file and field."""
        try:
            scenario = cls.model_validate(json.loads(path.read_text()))
            real = scenario.real_databases
            if real is not None and real.seed_sql is not None:
                seed_sql = (path.parent / real.seed_sql).resolve()
                if not seed_sql.is_file():
                    raise ScenarioError(f"{path}: real_databases.seed_sql: {seed_sql} is not a file")
                real.seed_sql = str(seed_sql)
            return scenario
        except OSError as error:
            raise ScenarioError(f"{path}: cannot be read: {error.strerror}") from None
        except json.JSONDecodeError as error:
            raise ScenarioError(f"{path}: not JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in issue['loc']) or 'scenario'}: {issue['msg']}"
                for issue in error.errors()
            )
            raise ScenarioError(f"{path}: {problems}") from None


def seed(scenario: Scenario, realism: RealisticRds) -> None:
    """Create the starting world in moto (inside mock_aws and the realism layer)."""
    rds = boto3.client("rds", region_name=scenario.region)
    groups: dict[str, Any] = {}
    for field, cluster in [("cluster", scenario.cluster)] + [
        (f"other_clusters.{n}", c) for n, c in enumerate(scenario.other_clusters)
    ]:
        try:
            create_cluster(rds, cluster, groups)
            attach_features(rds, cluster, realism)
        except ClientError as error:  # the simulated RDS refused the world as written: say where
            raise ScenarioError(f"{field} ({cluster.id}): {error.response['Error']['Message']}") from None
        except ScenarioError as error:
            raise ScenarioError(f"{field} ({cluster.id}): {error}") from None
    secrets = boto3.client("secretsmanager", region_name=scenario.region)
    for name, value in scenario.secrets.items():
        secrets.create_secret(Name=name, SecretString=json.dumps(value))


def _ensure_parameter_group(rds: Any, spec: ParameterGroupSpec, scope: str, created: dict[str, Any]) -> None:
    """Create a group once: clusters (and instances) may share a custom group, as in any account."""
    key = f"{scope}:{spec.name.lower()}"
    if key in created:
        if created[key] != spec:
            raise ScenarioError(f"{scope} parameter group '{spec.name}' is declared twice with different settings")
        return
    try:
        _create_parameter_group(rds, spec, scope)
    except ClientError as error:
        message = error.response["Error"]["Message"]
        raise ScenarioError(f"{scope} parameter group '{spec.name}' (name, family, parameters): {message}") from None
    created[key] = spec


def _create_parameter_group(rds: Any, spec: ParameterGroupSpec, scope: str) -> None:
    if scope == "cluster":
        rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName=spec.name, DBParameterGroupFamily=spec.family, Description=spec.name
        )
        if spec.parameters:
            rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=spec.name, Parameters=_items(spec))
    else:
        rds.create_db_parameter_group(
            DBParameterGroupName=spec.name, DBParameterGroupFamily=spec.family, Description=spec.name
        )
        if spec.parameters:
            rds.modify_db_parameter_group(DBParameterGroupName=spec.name, Parameters=_items(spec))


def attach_features(rds: Any, cluster: ClusterSpec, realism: RealisticRds) -> None:
    """Global database membership, RDS proxies and zero-ETL integrations of a seeded cluster."""
    arn = rds.describe_db_clusters(DBClusterIdentifier=cluster.id)["DBClusters"][0]["DBClusterArn"]
    if cluster.global_cluster:
        rds.create_global_cluster(GlobalClusterIdentifier=cluster.global_cluster, SourceDBClusterIdentifier=arn)
    if cluster.rds_proxies:
        region = rds.meta.region_name
        subnets = [s["SubnetId"] for s in boto3.client("ec2", region_name=region).describe_subnets()["Subnets"]][:2]
        for name in cluster.rds_proxies:
            rds.create_db_proxy(
                DBProxyName=name,
                EngineFamily="POSTGRESQL",
                Auth=[
                    {"SecretArn": f"arn:aws:secretsmanager:{region}:123456789012:secret:{name}", "IAMAuth": "DISABLED"}
                ],
                RoleArn=f"arn:aws:iam::123456789012:role/{name}",
                VpcSubnetIds=subnets,
            )
            rds.register_db_proxy_targets(DBProxyName=name, DBClusterIdentifiers=[cluster.id])
    for name in cluster.zero_etl_integrations:
        realism.add_zero_etl_integration(arn, name)


def _items(spec: ParameterGroupSpec) -> list[dict[str, str]]:
    return [
        {"ParameterName": k, "ParameterValue": v, "ApplyMethod": "pending-reboot"} for k, v in spec.parameters.items()
    ]


def _encryption_key(rds: Any, cluster: ClusterSpec) -> str:
    """A customer managed key made for the cluster, or the account's AWS managed key for RDS."""
    kms = boto3.client("kms", region_name=rds.meta.region_name)
    if cluster.encryption == "customer":
        key = kms.create_key(Description=f"{cluster.id} storage", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
        return str(key["Arn"])
    return str(kms.describe_key(KeyId="alias/aws/rds")["KeyMetadata"]["Arn"])


def create_cluster(rds: Any, cluster: ClusterSpec, groups: dict[str, Any] | None = None) -> None:
    """Create one cluster and its instances; ``groups`` holds the parameter groups created so far (shared)."""
    groups = {} if groups is None else groups
    kwargs: dict[str, Any] = {
        "DBClusterIdentifier": cluster.id,
        "Engine": cluster.engine,
        "EngineVersion": cluster.engine_version,
        "MasterUsername": "postgres",
        "DeletionProtection": cluster.deletion_protection,
        "Tags": [{"Key": k, "Value": v} for k, v in cluster.tags.items()],
    }
    if cluster.encryption:
        kwargs["StorageEncrypted"] = True
        kwargs["KmsKeyId"] = _encryption_key(rds, cluster)
    if cluster.manage_master_user_password:
        kwargs["ManageMasterUserPassword"] = True
    else:
        kwargs["MasterUserPassword"] = "simulated-password"
    if cluster.cluster_parameter_group:
        _ensure_parameter_group(rds, cluster.cluster_parameter_group, "cluster", groups)
        kwargs["DBClusterParameterGroupName"] = cluster.cluster_parameter_group.name
    if cluster.serverless_v2:
        kwargs["ServerlessV2ScalingConfiguration"] = {
            "MinCapacity": cluster.serverless_v2.min_capacity,
            "MaxCapacity": cluster.serverless_v2.max_capacity,
        }
    rds.create_db_cluster(**kwargs)
    # the first instance created in a cluster becomes its writer
    ordered = sorted(cluster.instances, key=lambda instance: not instance.writer)
    for instance in ordered:
        instance_kwargs: dict[str, Any] = {
            "DBInstanceIdentifier": instance.id,
            "DBClusterIdentifier": cluster.id,
            "Engine": cluster.engine,
            "DBInstanceClass": instance.instance_class,
            "PromotionTier": instance.promotion_tier,
        }
        if instance.parameter_group:
            _ensure_parameter_group(rds, instance.parameter_group, "instance", groups)
            instance_kwargs["DBParameterGroupName"] = instance.parameter_group.name
        rds.create_db_instance(**instance_kwargs)
