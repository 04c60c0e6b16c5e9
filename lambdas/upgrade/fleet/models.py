"""The fleet input (what a person or a schedule asks for) and the fleet state the parent execution carries.

The state holds, for every cluster, only what starting its child execution needs and a one-line outcome: the
child's own history, reports and messages stay with the child (its report in S3, its notifications as today),
so the parent's state grows by a few hundred bytes per cluster (a 100-cluster fleet stays far below 256 KiB).
"""

from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, model_validator

from upgrade.shared.base_model import Model
from upgrade.shared.errors import UpgradeError
from upgrade.shared.shapes import CLUSTER_ID_PATTERN


class InvalidFleetInput(UpgradeError):
    """The fleet input is malformed or names clusters or targets that cannot be planned; nothing started."""


# Fields of the upgrade input that the fleet sets per cluster; the rest can be given once in `upgrade`.
PER_CLUSTER_FIELDS = ("action", "cluster_id", "target_engine_version", "strategy", "mode")
# a fleet's name goes into every child execution's name (Step Functions: at most 80 characters in all)
FLEET_NAME_PATTERN = r"^[a-z0-9](-?[a-z0-9])*$"


class _Strict(Model):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class TagSelection(_Strict):
    """Every configured cluster whose tag ``tag`` has one of ``values`` (any value when empty)."""

    tag: str = Field(min_length=1, max_length=128)
    values: list[str] = []


class TargetMajor(_Strict):
    """The latest minor of ``major`` that every selected cluster can reach in one major upgrade."""

    major: int = Field(ge=10, le=99)


class WavePlan(_Strict):
    """Canary first, then waves; a wave that reaches ``failure_threshold`` failed clusters stops the waves after it."""

    canary: list[str] = Field(default=[], description="clusters upgraded first, on their own")
    canary_bake_seconds: int | None = Field(default=None, ge=0, le=604_800, description="default: bake_seconds")
    wave_tag: str | None = Field(
        default=None, min_length=1, max_length=128, description="waves by this tag's value, in order of the value"
    )
    wave_size: int | None = Field(default=None, ge=1, le=500, description="else waves of this many clusters")
    max_concurrency: int = Field(default=1, ge=1, le=40, description="child executions running at once in a wave")
    bake_seconds: int = Field(default=0, ge=0, le=604_800, description="wait after a wave before the next starts")
    failure_threshold: int = Field(default=1, ge=1, description="failed clusters in a wave that stop the fleet")

    @model_validator(mode="after")
    def _one_way_to_cut_waves(self) -> "WavePlan":
        if self.wave_tag is not None and self.wave_size is not None:
            raise ValueError("give wave_tag or wave_size, not both")
        return self


class FleetInput(_Strict):
    """A fleet: which clusters, which target, how (strategy, mode, options), and the plan."""

    name: str = Field(pattern=FLEET_NAME_PATTERN, max_length=24, description="a short name, e.g. pg13-retirement")
    clusters: list[str] = []
    select: TagSelection | None = None
    targets: dict[str, str] = Field(default={}, description="source major version -> target MAJOR.MINOR")
    target: TargetMajor | None = None
    strategy: Literal["blue_green", "in_place"]
    mode: Literal["upgrade", "preflight"] = "upgrade"
    upgrade: dict[str, Any] = Field(default={}, description="options of every cluster's upgrade input")
    plan: WavePlan = Field(default_factory=WavePlan)
    attempt: int = Field(default=1, ge=1, le=99, description="start again what an earlier attempt left failed")

    @model_validator(mode="after")
    def _consistent(self) -> "FleetInput":
        if bool(self.clusters) == (self.select is not None):
            raise ValueError("name the clusters either by list (clusters) or by tag (select), one of the two")
        if bool(self.targets) == (self.target is not None):
            raise ValueError("give either targets (per source major) or target (latest minor of a major)")
        repeated = sorted({c for c in self.clusters if self.clusters.count(c) > 1})
        if repeated:
            raise ValueError(f"clusters listed twice: {', '.join(repeated)}")
        given = sorted(set(self.upgrade) & set(PER_CLUSTER_FIELDS))
        if given:
            raise ValueError(f"upgrade: {', '.join(given)} are set by the fleet, not per upgrade")
        return self


class ClusterRun(Model):
    """One cluster's child execution: its deterministic name and its input."""

    cluster_id: str = Field(pattern=CLUSTER_ID_PATTERN)
    source_version: str
    target_version: str
    execution_name: str
    input: dict[str, Any]


class Wave(Model):
    name: str
    clusters: list[ClusterRun]
    bake_seconds: int = 0  # the wait after this wave, before the next


Status = Literal["succeeded", "failed", "not_started", "skipped"]


class Outcome(Model):
    cluster_id: str
    wave: str
    status: Status
    line: str  # what a person reads: the cluster and what happened, one line


class FleetState(Model):
    """What the parent execution carries from step to step ($.fleet)."""

    name: str
    mode: Literal["upgrade", "preflight"]
    strategy: str
    attempt: int = 1
    waves: list[Wave]
    max_concurrency: int
    failure_threshold: int
    next_wave: int = 0
    outcomes: list[Outcome] = []
    bake_seconds: int = 0  # the wait before the next wave starts
    stopped: bool = False
    stop_reason: str = ""
    done: bool = False

    failures: int = 0  # clusters failed so far (the Choice after each wave reads it)

    @property
    def clusters(self) -> list[ClusterRun]:
        return [run for wave in self.waves for run in wave.clusters]

    def with_status(self, status: Status) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status == status]


class ChildResult(Model):
    """One item of a wave's Map result, as the state machine shaped it (statemachines/fleet.asl.json)."""

    model_config = ConfigDict(extra="ignore")

    cluster_id: str
    execution_name: str
    status: Literal["SUCCEEDED", "FAILED", "EXISTS"]
    error: str | None = None


def parse_fleet_input(raw: Any) -> FleetInput:
    """Validate the fleet input; the error names every offending field."""
    try:
        return FleetInput.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or 'input'}: {issue['msg']}" for issue in error.errors()
        )
        raise InvalidFleetInput(f"invalid fleet input: {problems}") from None
