"""Fault plans for the RDS simulator: which failures to inject, and the bookkeeping of injecting them.

A plan is written as a JSON list so that tests (and scenario files) can describe failures without
code, for example::

    [{"kind": "throttle", "operation": "CreateDBClusterSnapshot", "times": 2},
     {"kind": "blue_green_invalid_configuration"},
     {"kind": "blue_green_task_failed", "task": "DB_ENGINE_VERSION_UPGRADE"},
     {"kind": "switchover_failed"},
     {"kind": "switchover_not_ready", "times": 3},
     {"kind": "in_place_prechecks_failed", "message": "..."},
     {"kind": "in_place_upgrade_failed"},
     {"kind": "error", "operation": "ModifyDBCluster", "code": "InvalidDBClusterStateFault",
      "message": "...", "times": 1},
     {"kind": "task_error", "state": "CheckSnapshot", "error": "AwsThrottled", "times": 2}]

``task_error`` is not an RDS fault: the harness (``simulator.engine.harness``) fails the Lambda invocation
of a Task state before its handler runs; every other kind is answered by the simulated RDS.

Every fault fires ``times`` times (default 1) and is then used up, so a workflow that retries or
recreates a resource eventually meets the normal behaviour again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any, Literal

import botocore.session
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

BlueGreenTask = Literal[
    "CREATING_READ_REPLICA_OF_SOURCE",
    "DB_ENGINE_VERSION_UPGRADE",
    "CONFIGURE_BACKUPS",
    "CREATING_TOPOLOGY_OF_SOURCE",
]


@lru_cache(maxsize=1)
def rds_operation_names() -> frozenset[str]:
    """PascalCase names of every RDS API operation known to botocore (catches typos in plans)."""
    return frozenset(botocore.session.get_session().get_service_model("rds").operation_names)


class _Fault(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    times: int = Field(default=1, ge=1, description="How many occurrences the fault affects.")


class _ApiFault(_Fault):
    operation: str = Field(description="boto3 operation name, e.g. CreateDBClusterSnapshot.")

    @field_validator("operation")
    @classmethod
    def _known_operation(cls, value: str) -> str:
        if value not in rds_operation_names():
            raise ValueError(f"unknown RDS operation {value!r} (use the PascalCase API name)")
        return value


class ThrottleFault(_ApiFault):
    """The operation answers HTTP 400 ``Throttling`` "Rate exceeded" (botocore retries it)."""

    kind: Literal["throttle"]

    @property
    def code(self) -> str:
        return "Throttling"

    @property
    def message(self) -> str:
        return "Rate exceeded"

    @property
    def status(self) -> int:
        return 400


class ErrorFault(_ApiFault):
    """The operation answers with an arbitrary RDS error code and message."""

    kind: Literal["error"]
    code: str
    message: str = "Injected fault"
    status: int = Field(default=400, ge=400, le=599)


class BlueGreenInvalidConfigurationFault(_Fault):
    """After provisioning, the deployment goes INVALID_CONFIGURATION (replication degraded)."""

    kind: Literal["blue_green_invalid_configuration"]
    status_details: str = "Replication degraded: DDL detected on the blue environment"


class BlueGreenTaskFailedFault(_Fault):
    """A provisioning task goes FAILED; the deployment stays PROVISIONING (RDS-EVENT-0245)."""

    kind: Literal["blue_green_task_failed"]
    task: BlueGreenTask = "DB_ENGINE_VERSION_UPGRADE"
    status_details: str | None = None

    def details(self) -> str:
        return self.status_details or (
            f"Creation of blue/green deployment failed because the {self.task} task failed. "
            "Delete the blue/green deployment and create it again."
        )


class SwitchoverFailedFault(_Fault):
    """After the in-progress polls the switchover rolls back: SWITCHOVER_FAILED, nothing renamed."""

    kind: Literal["switchover_failed"]
    status_details: str = (
        "Switchover timed out: the green environment did not catch up with the blue environment "
        "within the switchover timeout. All changes were rolled back."
    )


class SwitchoverNotReadyFault(_Fault):
    """The first ``times`` switchover calls on an AVAILABLE deployment answer InvalidBlueGreenDeploymentStateFault.

    RDS does this for a while right after a deployment turns AVAILABLE; Terraform's provider retries the
    switchover for minutes because of it (hashicorp/terraform-provider-aws#36241).
    """

    kind: Literal["switchover_not_ready"]


DEFAULT_PRECHECK_FAILURE = (
    'The ["reg*"] data types are used in user tables: column public.job_queue.handler has type regprocedure. '
    "Drop or alter these columns, then upgrade again. Please check the precheck log file for more details."
)


class InPlacePrechecksFailedFault(_Fault):
    """Aurora's own prechecks refuse an in-place major upgrade (aurora-upgrade-facts.md §1.1).

    After the upgrading polls the cluster is ``available`` again on the old version with its old
    parameter groups, and an RDS-EVENT-0174-like event says why. Nothing needs rolling back.
    """

    kind: Literal["in_place_prechecks_failed"]
    message: str | None = Field(default=None, description="Why the prechecks failed (default: a reg* column).")

    def details(self) -> str:
        return self.message or DEFAULT_PRECHECK_FAILURE


class InPlaceUpgradeFailedFault(_Fault):
    """An in-place major upgrade fails after the engine started changing and is not rolled back.

    After the upgrading polls the cluster and every instance are ``failed``, still reporting the old
    EngineVersion: the case that needs the pre-upgrade snapshot restored.
    """

    kind: Literal["in_place_upgrade_failed"]


_ERROR_NAME = r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$"


class TaskErrorFault(_Fault):
    """The Lambda behind a Task state fails before its handler runs, so nothing changes.

    ``error`` is the name Step Functions matches in Retry/Catch: a handler's exception class name
    (``AwsThrottled``, ``SnapshotFailed``, ...) arrives as an unhandled function error, a
    ``Lambda.*`` name (``Lambda.ServiceException``, ...) as a Lambda service error.
    """

    kind: Literal["task_error"]
    state: str = Field(min_length=1, description="Task state name of the definition, e.g. CheckSnapshot.")
    error: str = Field(pattern=_ERROR_NAME, description="Error name, e.g. AwsThrottled or Lambda.ServiceException.")
    message: str = "Injected task fault"

    @field_validator("error")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value.startswith("States."):
            raise ValueError("States.* error names are reserved for Step Functions itself")
        return value

    @property
    def lambda_service_error(self) -> bool:
        """True for ``Lambda.*`` names: the Lambda service failed, not the function."""
        return self.error.startswith("Lambda.")


Fault = Annotated[
    ThrottleFault
    | ErrorFault
    | BlueGreenInvalidConfigurationFault
    | BlueGreenTaskFailedFault
    | SwitchoverFailedFault
    | SwitchoverNotReadyFault
    | InPlacePrechecksFailedFault
    | InPlaceUpgradeFailedFault
    | TaskErrorFault,
    Field(discriminator="kind"),
]
ApiFault = ThrottleFault | ErrorFault
_FAULT_LIST: TypeAdapter[list[Fault]] = TypeAdapter(list[Fault])


class FaultPlan(BaseModel):
    """An ordered list of faults; build it with :meth:`from_json`."""

    model_config = ConfigDict(frozen=True)

    faults: tuple[Fault, ...] = ()

    @classmethod
    def from_json(cls, data: str | bytes | list[dict[str, Any]]) -> FaultPlan:
        """Parse a JSON text or an already decoded list; raises pydantic.ValidationError on bad input."""
        items = json.loads(data) if isinstance(data, (str, bytes)) else data
        return cls(faults=tuple(_FAULT_LIST.validate_python(items)))

    def task_states(self) -> frozenset[str]:
        """The Task state names that ``task_error`` faults target."""
        return frozenset(f.state for f in self.faults if isinstance(f, TaskErrorFault))


@dataclass(frozen=True)
class InjectedFault:
    """One fault that actually fired, for assertions in tests.

    For ``task_error``: ``operation`` is the Task state, ``resource`` its function, ``code`` the error.
    """

    kind: str
    operation: str
    resource: str | None = None
    code: str | None = None


@dataclass
class FaultInjector:
    """Hands out the faults of a plan, each at most ``times`` times, and logs every injection."""

    plan: FaultPlan = field(default_factory=FaultPlan)
    log: list[InjectedFault] = field(default_factory=list)
    _used: dict[int, int] = field(default_factory=dict)

    def _take(self, index: int) -> None:
        self._used[index] = self._used.get(index, 0) + 1

    def _available(self) -> list[tuple[int, Fault]]:
        return [(i, f) for i, f in enumerate(self.plan.faults) if self._used.get(i, 0) < f.times]

    def api_fault(self, operation: str) -> ApiFault | None:
        """The throttle/error fault to answer this call of ``operation`` with, if any is left."""
        for index, fault in self._available():
            if isinstance(fault, (ThrottleFault, ErrorFault)) and fault.operation == operation:
                self._take(index)
                self.log.append(InjectedFault(fault.kind, operation, code=fault.code))
                return fault
        return None

    def task_fault(self, state: str, function: str) -> TaskErrorFault | None:
        """The ``task_error`` fault for this invocation of ``state`` (run by ``function``), if any is left."""
        for index, fault in self._available():
            if isinstance(fault, TaskErrorFault) and fault.state == state:
                self._take(index)
                self.log.append(InjectedFault(fault.kind, state, resource=function, code=fault.error))
                return fault
        return None

    def claim(self, *kinds: str) -> Fault | None:
        """Reserve the first unused fault of one of ``kinds`` (blue/green, in-place); not logged yet."""
        for index, fault in self._available():
            if fault.kind in kinds:
                self._take(index)
                return fault
        return None

    def record(self, kind: str, operation: str, resource: str | None = None) -> None:
        """Log a claimed fault at the moment it becomes visible to the caller."""
        self.log.append(InjectedFault(kind, operation, resource=resource))
