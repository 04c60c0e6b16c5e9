"""The workflow's data: the execution input and what each step adds to the state.

Step Functions passes the whole state (``$``) to every step; each step returns one
model that the state machine stores under its own key (``ResultPath``).
"""

from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from upgrade.shared.base_model import Model
from upgrade.shared.consistency_result import ConsistencyResult
from upgrade.shared.errors import InvalidUpgradeInput
from upgrade.shared.post_upgrade_result import DriftReport, PostUpgradeResult
from upgrade.shared.preflight_report import PreflightReport
from upgrade.shared.shapes import CLUSTER_ID_PATTERN
from upgrade.shared.switchover_probe_result import SwitchoverProbeResult
from upgrade.shared.versions import Version, parse_version


class _Strict(Model):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _Lenient(Model):
    """State written by our own steps: tolerant of keys added by later versions."""

    model_config = ConfigDict(extra="ignore")


class Deadlines(_Strict):
    """How long each wait loop may last before the workflow gives up (minutes)."""

    parameter_sync_minutes: int = Field(default=60, ge=5, le=1440)
    snapshot_minutes: int = Field(default=240, ge=5, le=2880)
    blue_green_ready_minutes: int = Field(default=720, ge=15, le=2880)
    switchover_minutes: int = Field(default=120, ge=5, le=1440)
    upgrade_minutes: int = Field(default=480, ge=15, le=2880)
    rename_minutes: int = Field(default=60, ge=5, le=1440)
    restore_minutes: int = Field(default=480, ge=15, le=2880)


class DatabaseAccess(_Strict):
    """How preflight reaches the database for the in-database checks (credentials stay in Secrets Manager)."""

    secret_arn: str = Field(pattern=r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$")
    connect_via: Literal["direct", "data_api"] = "direct"
    database: str = Field(default="postgres", min_length=1, max_length=63)
    host: str | None = Field(default=None, description="defaults to the secret's host, then the cluster endpoint")
    port: int | None = Field(default=None, ge=1, le=65535)
    ssl: bool = True


class PostUpgradeOptions(_Strict):
    """After the engine changed: statistics and extensions (on green before switchover, or the cluster in place)."""

    analyze: bool = True
    update_extensions: bool = True
    time_budget_seconds: int = Field(default=600, ge=30, le=840, description="stop starting new work after this")


class ConsistencyOptions(_Strict):
    """Blue vs green before switchover: row counts of the largest tables, and sequences."""

    enabled: bool = True
    largest_tables: int = Field(default=20, ge=1, le=500)
    time_budget_seconds: int = Field(default=120, ge=10, le=540)  # the function has 600 s, connections included


class UpgradeInput(_Strict):
    """What a person (or a schedule) asks for when starting an upgrade."""

    action: Literal["upgrade"] = "upgrade"
    mode: Literal["upgrade", "preflight"] = Field(default="upgrade", description="preflight: report only, no change")
    cluster_id: str = Field(pattern=CLUSTER_ID_PATTERN, max_length=63)
    target_engine_version: str
    strategy: Literal["blue_green", "in_place"]
    database: DatabaseAccess | None = None
    switchover_timeout_seconds: int = Field(default=300, ge=30, le=3600)
    delete_old_cluster: bool = False
    rollback_on_failure: bool = Field(default=True, description="in_place: restore the snapshot if the upgrade fails")
    force_rollback: bool = Field(default=False, description="in_place: restore the snapshot even after success")
    delete_failed_cluster: bool = Field(default=False, description="after a rollback, delete the kept-aside cluster")
    deadlines: Deadlines = Field(default_factory=Deadlines)
    require_approval: bool | None = Field(
        default=None, description="blue_green: wait for a person to approve the switchover (default true)"
    )
    approval_timeout_seconds: int = Field(default=86_400, ge=300, le=604_800)
    post_upgrade: PostUpgradeOptions = Field(default_factory=PostUpgradeOptions)
    consistency_check: ConsistencyOptions = Field(default_factory=ConsistencyOptions)

    @model_validator(mode="after")
    def _approval_is_for_switchovers(self) -> "UpgradeInput":
        if self.require_approval and self.strategy != "blue_green":
            raise ValueError("require_approval applies to the blue_green switchover; in_place has no switchover")
        return self

    @property
    def approval_required(self) -> bool:
        return self.require_approval if self.require_approval is not None else self.strategy == "blue_green"

    @field_validator("target_engine_version")
    @classmethod
    def _is_version(cls, value: str) -> str:
        parse_version(value)
        return value

    @property
    def target_version(self) -> Version:
        return parse_version(self.target_engine_version)


class RestoreInput(_Strict):
    """Put a cluster back as a snapshot holds it, under its own identifier (the seed's manual rollback)."""

    action: Literal["restore"]
    cluster_id: str = Field(pattern=CLUSTER_ID_PATTERN, max_length=63)
    snapshot_id: str = Field(pattern=r"^[a-zA-Z](-?[a-zA-Z0-9])*$", max_length=255)
    snapshot_source_cluster_id: str | None = Field(
        default=None,
        pattern=CLUSTER_ID_PATTERN,
        max_length=63,
        description="the cluster the snapshot was taken from, when it is not cluster_id: says it on purpose",
    )
    delete_failed_cluster: bool = False
    deadlines: Deadlines = Field(default_factory=Deadlines)


Request = UpgradeInput | RestoreInput


def parse_request(raw: Any) -> Request:
    """Validate the execution input; the error names every offending field."""
    model: type[UpgradeInput] | type[RestoreInput] = (
        RestoreInput if isinstance(raw, dict) and raw.get("action") == "restore" else UpgradeInput
    )
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or 'input'}: {issue['msg']}" for issue in error.errors()
        )
        raise InvalidUpgradeInput(f"invalid execution input: {problems}") from None


def parse_upgrade_input(raw: Any) -> UpgradeInput:
    request = parse_request(raw)
    if not isinstance(request, UpgradeInput):
        raise InvalidUpgradeInput("this step belongs to an upgrade, but the input asks for a restore")
    return request


class Execution(_Lenient):
    name: str
    id: str | None = None  # the execution ARN ($$.Execution.Id)
    state_machine: str | None = None  # its state machine ARN ($$.StateMachine.Id)
    start_time: str | None = None  # ISO 8601 ($$.Execution.StartTime), for elapsed time in messages


class Member(_Lenient):
    instance_id: str
    is_writer: bool
    instance_class: str
    parameter_group: str | None = None
    promotion_tier: int | None = None


class ClusterFacts(_Lenient):
    """The cluster as preflight found it, before anything changed."""

    cluster_id: str
    cluster_arn: str
    resource_id: str
    engine_version: str
    family: str
    cluster_parameter_group: str
    serverless_v2: bool
    min_capacity: float | None = None
    max_capacity: float | None = None
    members: list[Member]


class InstanceConfig(_Lenient):
    """What create_db_instance needs to recreate a member as it was."""

    instance_id: str
    instance_class: str
    is_writer: bool
    promotion_tier: int | None = None
    parameter_group: str | None = None
    availability_zone: str | None = None
    publicly_accessible: bool | None = None
    auto_minor_version_upgrade: bool | None = None
    ca_certificate_identifier: str | None = None
    monitoring_interval: int | None = None
    monitoring_role_arn: str | None = None
    performance_insights_enabled: bool | None = None
    tags: dict[str, str] = {}


class RestoreConfig(_Lenient):
    """Everything restore_db_cluster_from_snapshot does not carry by itself, captured before any change."""

    engine_version: str
    cluster_parameter_group: str
    subnet_group: str | None = None
    security_group_ids: list[str] = []
    port: int | None = None
    kms_key_id: str | None = None
    iam_database_authentication: bool = False
    deletion_protection: bool = False
    backup_retention_period: int | None = None
    preferred_backup_window: str | None = None
    copy_tags_to_snapshot: bool | None = None
    cloudwatch_logs_exports: list[str] = []
    storage_type: str | None = None
    network_type: str | None = None
    engine_lifecycle_support: str | None = None
    serverless_v2: dict[str, float] | None = None
    tags: dict[str, str] = {}
    instances: list[InstanceConfig] = []


class Names(_Lenient):
    """Deterministic names of everything the workflow creates (idempotent re-runs)."""

    source_cluster_parameter_group: str
    target_cluster_parameter_group: str
    target_instance_parameter_group: str
    snapshot_id: str
    blue_green_name: str
    aside_cluster_id: str


class Plan(_Lenient):
    action: Literal["upgrade", "restore"] = "upgrade"
    mode: Literal["upgrade", "preflight"] = "upgrade"
    report: PreflightReport | None = None
    blocked: bool = Field(default=False, description="a preflight check failed: nothing may change")
    strategy: Literal["blue_green", "in_place"] = "blue_green"
    cluster: ClusterFacts
    source_version: str
    target_version: str
    target_family: str
    already_at_target: bool = False
    names: Names
    restore_config: RestoreConfig | None = None
    restore_snapshot_id: str | None = Field(default=None, description="the snapshot a restore starts from")
    restore_snapshot_source: str | None = Field(default=None, description="the snapshot's cluster, named by the input")
    rollback_on_failure: bool = True
    force_rollback: bool = False
    delete_failed_cluster: bool = False
    blue_green_deployment_id: str | None = Field(
        default=None, description="An existing deployment of ours found on a re-run."
    )
    approval_required: bool = False
    approval_timeout_seconds: int = 86_400


class Poll(_Lenient):
    """Bookkeeping of a wait loop: waited seconds are counted, or measured from ``started_at`` for
    loops woken by events (their wakes come at any time, not after ``wait_seconds``)."""

    attempts: int = 0
    waited_seconds: int = 0
    wait_seconds: int  # the Wait state's seconds, or the callback's timeout: the polling fallback
    deadline_seconds: int
    started_at: str | None = None  # ISO 8601, set for event-woken loops


class CapacityChange(_Lenient):
    serverless_v2: bool
    changed: bool
    original_min_capacity: float | None = None
    original_max_capacity: float | None = None
    upgrade_min_capacity: float | None = None


class CapacityRestore(_Lenient):
    restored: list[str] = []


class SourceParameterGroup(_Lenient):
    name: str
    created: bool
    attached: bool
    logical_replication_set: bool
    rebooted: list[str] = []
    in_sync: bool
    poll: Poll


class ParameterCarryOver(_Lenient):
    carried: dict[str, str] = {}
    renamed: dict[str, str] = {}
    dropped: dict[str, str] = {}


class TargetParameterGroups(_Lenient):
    """Target-family groups; None where an in-place upgrade keeps the (new) default group."""

    cluster_parameter_group: str | None
    instance_parameter_group: str | None
    family: str
    cluster_parameters: ParameterCarryOver
    instance_parameters: ParameterCarryOver


class SnapshotProgress(_Lenient):
    snapshot_id: str
    status: str
    adopted: bool
    ready: bool
    poll: Poll


class BlueGreenProgress(_Lenient):
    deployment_id: str
    name: str
    status: str
    adopted: bool
    ready: bool
    green_cluster_arn: str | None = None
    status_details: str | None = None
    poll: Poll


class BlueGreenAbandoned(_Lenient):
    """Before a switchover, the deployment and green were deleted; blue serves as before."""

    deployment_id: str
    green_cluster_id: str | None
    blue_cluster_id: str


class InPlaceProgress(_Lenient):
    status: str
    engine_version: str
    left_available: bool = False
    ready: bool
    rebooted: list[str] = []
    poll: Poll


class AsideProgress(_Lenient):
    """The cluster being replaced, renamed aside with its instances so the original names are free."""

    aside_cluster_id: str | None
    renamed_instances: dict[str, str] = {}
    ready: bool
    poll: Poll


class RestoreProgress(_Lenient):
    cluster_id: str
    snapshot_id: str
    snapshot_time: str | None = None
    status: str
    instances: dict[str, str] = {}
    ready: bool
    poll: Poll


class RollbackDecision(_Lenient):
    needed: bool
    reason: str
    restore_advised: bool = False  # not rolled back (the input said not to), but only a restore puts it back
    ready: bool = True  # False while the cluster is still changing: decide after the next wait
    poll: Poll | None = None


class Verification(_Lenient):
    cluster_id: str
    engine_version: str
    instances: dict[str, str]
    old_cluster_id: str | None = None


class CleanUp(_Lenient):
    blue_green_deleted: bool
    old_cluster_id: str | None = None
    old_cluster_deleted: bool = False
    old_cluster_final_snapshot: str | None = None


class StepError(_Lenient):
    Error: str
    Cause: str | None = None


class ApprovalDecision(_Lenient):
    """What the approval gate hands the workflow (``$.approval``): the Choice after it reads ``decision``."""

    # lenient: the CLI lets a person send any JSON, and the back-out steps must still parse the state
    decision: str | None = None
    decided_at: str | None = None  # ISO 8601, UTC; absent when decided with the CLI
    source_ip: str | None = None


class Notification(_Lenient):
    event: Literal[
        "succeeded",
        "failed",
        "already_upgraded",
        "rolled_back",
        "restored",
        "preflight_report",
        "capacity_not_restored",
        "approval_rejected",
        "approval_timed_out",
        # progress milestones
        "started",
        "preflight_passed",
        "snapshot_ready",
        "green_ready",
        "awaiting_approval",
        "switchover_done",
        "post_upgrade_done",
        # EventBridge: the safety net for executions that ended without their own message, and RDS events
        "execution_ended",
        "rds_event",
    ]
    subject: str
    message: str
    message_id: str | None = None
    drift: DriftReport | None = None  # after a successful upgrade: what the infrastructure code must say now


class WorkflowState(_Lenient):
    """Everything the state machine carries; each step reads what it needs."""

    input: dict[str, Any]
    execution: Execution
    plan: Plan | None = None
    capacity: CapacityChange | None = None
    capacity_restore: CapacityRestore | None = None
    source_parameter_group: SourceParameterGroup | None = None
    target_parameter_groups: TargetParameterGroups | None = None
    snapshot: SnapshotProgress | None = None
    blue_green: BlueGreenProgress | None = None
    switchover: BlueGreenProgress | None = None
    abandoned: BlueGreenAbandoned | None = None
    approval: ApprovalDecision | None = None
    in_place: InPlaceProgress | None = None
    verification: Verification | None = None
    cleanup: CleanUp | None = None
    rollback: RollbackDecision | None = None
    aside: AsideProgress | None = None
    restore: RestoreProgress | None = None
    restore_verification: Verification | None = None
    failed_cluster_cleanup: CleanUp | None = None
    failure: dict[str, StepError] | None = None
    capacity_restore_error: StepError | None = None
    post_upgrade: PostUpgradeResult | None = None
    consistency: ConsistencyResult | None = None
    switchover_probe: SwitchoverProbeResult | None = None
    drift: DriftReport | None = None

    @property
    def request(self) -> UpgradeInput:
        """The upgrade asked for (steps of a restore use ``restore_request``)."""
        return parse_upgrade_input(self.input)

    @property
    def deadlines(self) -> Deadlines:
        return parse_request(self.input).deadlines

    def require_plan(self) -> Plan:
        if self.plan is None:
            raise InvalidUpgradeInput("the workflow state has no plan: preflight has not run")
        return self.plan
