"""Make moto's in-process RDS behave like real Aurora PostgreSQL for the upgrade workflow.

Use it inside an active ``mock_aws()``::

    with mock_aws(), realistic_rds(faults=FaultPlan.from_json(plan), polls=3) as rds:
        ...  # boto3 calls; then assert on rds.calls, rds.fault_log, rds.switchover_timeout

Everything is patched at class level (``RDSResponse``, ``DBCluster``, ``DBInstance``), so every
account and region backend is affected, and everything is restored on exit. Behaviour lives in:

* ``rds_realism_parameters``: engine catalogue, engine defaults, parameter-group validation;
* ``rds_realism_clusters``: ModifyDBCluster validation, parameter status, reboots, snapshots;
* ``rds_in_place``: in-place major upgrades over several describes, their events and faults;
* ``rds_restore``: restore from snapshot, instance creation, renames, automated backups;
* ``rds_blue_green``: blue/green validation, provisioning, switchover and their faults;
* this module: API-level fault injection (throttling, errors) and call counting.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

from moto.core.responses import ActionResult
from moto.rds import models as rds_models
from moto.rds.exceptions import RDSClientError
from moto.rds.responses import RDSResponse

from simulator.rds import blue_green as rds_blue_green
from simulator.rds import clusters as rds_realism_clusters
from simulator.rds import operations_extra as rds_operations_extra
from simulator.rds import parameters as rds_realism_parameters
from simulator.rds import restore as rds_restore
from simulator.rds.faults import ApiFault, FaultPlan
from simulator.rds.state import Patch, RealisticRds

__all__ = ["MOTO_INTERNALS", "RealisticRds", "missing_moto_internals", "realistic_rds"]

# moto internals the realism layer reads or calls without patching them (checked by the canary test).
MOTO_INTERNALS: tuple[tuple[Any, str], ...] = (
    (RDSResponse, "call_action"),
    (RDSResponse, "serialized"),
    (RDSResponse, "_enrich_response"),
    (RDSResponse, "_get_action"),
    (rds_models.DBCluster, "members"),
    (rds_models.DBCluster, "status"),  # a property that flips "creating" to "available" when read
    (rds_models.DBCluster, "master_user_password"),  # setter, for restores of managed-password clusters
    (rds_models.RDSBackend, "describe_events"),  # serves the events appended to ``backend.events``
    (RDSResponse, "describe_events"),
    (rds_models.DBInstance, "db_parameter_groups"),
    (rds_models.DBInstanceClustered, "engine_version"),
    (rds_models.BlueGreenDeployment, "set_status"),
    (rds_models.BlueGreenDeployment, "switchover"),
    (rds_models.BlueGreenDeployment, "SupportedStates"),
    (rds_models.RDSBackend, "_is_cluster"),
    (rds_models, "BlueGreenDeploymentTask"),
    (rds_models, "SwitchoverDetails"),
    (rds_models, "find_cluster"),
)


def _fault_response(response: RDSResponse, fault: ApiFault) -> Any:
    """Serialize an injected error exactly like moto serializes its own service errors."""
    with warnings.catch_warnings():  # moto warns when a code (e.g. Throttling) is not in the RDS model
        warnings.simplefilter("ignore", UserWarning)
        _, headers, body = response.serialized(ActionResult(RDSClientError(fault.code, fault.message)))
    headers["status"] = str(fault.status)
    headers, body = response._enrich_response(headers, body)
    return fault.status, headers, body


def _call_action_patch(sim: RealisticRds) -> Patch:
    """Count every RDS API call (botocore retries included) and answer throttle/error faults."""
    original: Callable[[RDSResponse], Any] = RDSResponse.call_action

    def call_action(self: RDSResponse) -> Any:
        operation = self._get_action()
        sim.calls[operation] += 1
        fault = sim.injector.api_fault(operation)
        return original(self) if fault is None else _fault_response(self, fault)

    return Patch(RDSResponse, "call_action", call_action)


def _all_patches(sim: RealisticRds) -> list[Patch]:
    patches = [
        _call_action_patch(sim),
        *rds_realism_parameters.patches(sim),
        *rds_realism_clusters.patches(sim),
        *rds_restore.patches(),
        *rds_blue_green.patches(sim),
        *rds_operations_extra.patches(sim),
    ]
    targets = [(p.owner, p.attribute) for p in patches]
    if len(targets) != len(set(targets)):
        raise RuntimeError("two realism patches replace the same moto attribute")
    return patches


def missing_moto_internals() -> list[str]:
    """Names of moto attributes the realism layer needs but this moto version lacks (empty = fine)."""
    try:
        patches = _all_patches(RealisticRds())
    except AttributeError as error:  # a wrapped RDSResponse action vanished
        return [str(error)]
    needed = list(MOTO_INTERNALS) + [(p.owner, p.attribute) for p in patches if not p.create]
    return [f"{getattr(owner, '__name__', owner)}.{name}" for owner, name in needed if not hasattr(owner, name)]


def _as_plan(faults: FaultPlan | str | list[dict[str, Any]] | None) -> FaultPlan | None:
    if faults is None or isinstance(faults, FaultPlan):
        return faults
    return FaultPlan.from_json(faults)


@contextmanager
def realistic_rds(
    faults: FaultPlan | str | list[dict[str, Any]] | None = None,
    polls: int = 3,
    *,
    strict_parameters: bool = True,
    durations: dict[str, float] | None = None,
    unavailable_versions: frozenset[str] | None = None,
) -> Iterator[RealisticRds]:
    """Patch moto's RDS for realism while the block runs; yields the counters/log handle.

    ``polls`` is how many describes a busy resource stays busy for (0 = done at the next describe).
    ``durations`` (kind -> simulated seconds, kinds in ``DURATION_KINDS``) makes those changes take
    time on the clock the caller sets as ``sim.clock`` instead of a number of describes.
    ``unavailable_versions`` replaces the catalogue's deprecated minors (hidden without IncludeAll).
    ``strict_parameters`` rejects parameters the family does not have, as RDS does; turn it off only
    for tests that use parameters outside the simulator's catalogue.
    """
    missing = missing_moto_internals()
    if missing:
        raise RuntimeError(f"moto internals changed, realism layer cannot patch: {missing}")
    sim = RealisticRds.create(_as_plan(faults), polls, strict_parameters)
    sim.durations = dict(durations or {})
    if unavailable_versions is not None:
        sim.unavailable_versions = frozenset(unavailable_versions)
    with ExitStack() as stack:
        for patch in _all_patches(sim):
            stack.enter_context(mock.patch.object(patch.owner, patch.attribute, patch.replacement, create=patch.create))
        yield sim
