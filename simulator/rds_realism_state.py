"""State kept by the RDS realism layer while it is active, and the object handed to tests.

moto changes state instantly; the realism layer instead makes resources progress one describe
("poll") at a time. The progress of each resource is kept here, keyed by the moto model object
itself (weakly), so that renames during a blue/green switchover do not lose it and every
account/region backend is covered without extra bookkeeping.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from weakref import WeakKeyDictionary

from moto.core.utils import utcnow

from simulator.faults import Fault, FaultInjector, FaultPlan, InjectedFault

IN_SYNC = "in-sync"
APPLYING = "applying"
PENDING_REBOOT = "pending-reboot"


@dataclass
class Countdown:
    """A resource that stays busy for ``remaining`` more polls; the poll after that completes it."""

    total: int
    remaining: int = -1

    def __post_init__(self) -> None:
        if self.remaining < 0:
            self.remaining = self.total

    def tick(self) -> bool:
        """Count one poll; True when this poll is the one that shows the final state."""
        if self.remaining > 0:
            self.remaining -= 1
            return False
        return True

    @property
    def elapsed(self) -> int:
        return self.total - self.remaining


@dataclass
class Transition:
    """A cluster or instance that shows ``busy`` for the rest of ``countdown``, then ``final``.

    Used for what moto does at once but AWS does over minutes: creating a restored cluster or an
    instance in it, and renaming. ``final`` is the status from before (a failed cluster stays failed).
    """

    busy: str
    countdown: Countdown
    final: str = "available"


@dataclass
class InPlaceUpgrade:
    """An accepted in-place major upgrade of one cluster (aurora-upgrade-facts.md §4.2).

    AWS answers at once with the target in PendingModifiedValues, starts "a few moments later"
    (one more describe still shows ``available``), is ``upgrading`` for ``countdown`` describes,
    then finishes on the new version, or not at all when a fault was claimed.
    """

    source: str
    target: str
    cluster_group: str
    instance_group: str | None
    countdown: Countdown
    fault: Fault | None = None
    announced: bool = False  # the "still available" describe was shown
    started: bool = False


@dataclass(frozen=True)
class RdsEvent:
    """One RDS event, shaped as moto's DescribeEvents serializes it.

    moto's own ``Event`` only knows a fixed list of instance/snapshot messages; the upgrade and
    rename events the workflow reads (RDS-EVENT-0363/0174/0176/0172) are not among them.
    """

    source_identifier: str
    source_type: str
    message: str
    event_categories: list[str]
    source_arn: str
    date: datetime = field(default_factory=utcnow)


def record_cluster_event(cluster: Any, message: str, *categories: str) -> None:
    """Append an event for ``cluster`` to its backend's event list (read by moto's DescribeEvents)."""
    event = RdsEvent(cluster.db_cluster_identifier, "db-cluster", message, list(categories), cluster.db_cluster_arn)
    cluster.backend.events.append(event)


@dataclass
class BlueGreenState:
    """Progress of one blue/green deployment beyond what moto models."""

    provisioning: Countdown
    provisioning_fault: Fault | None = None
    blue_cluster: Any = None
    green_cluster: Any = None
    # (green instance, blue instance) model objects, paired at creation (green is "<blue>-green-xxxxxx")
    instance_pairs: list[tuple[Any, Any]] = field(default_factory=list)
    switchover: Countdown | None = None
    switchover_fault: Fault | None = None
    frozen: bool = False  # a failure was shown: nothing progresses until a new switchover call


@dataclass
class RealisticRds:
    """Handle returned by ``realistic_rds()``: counters and logs for assertions, plus internal state."""

    polls: int = 3
    injector: FaultInjector = field(default_factory=FaultInjector)
    strict_parameters: bool = True
    calls: Counter[str] = field(default_factory=Counter)
    switchover_timeouts: list[int | None] = field(default_factory=list)
    # --- internal state, keyed by moto model objects ---
    cluster_pg_status: WeakKeyDictionary[Any, str] = field(default_factory=WeakKeyDictionary)
    instance_pg_status: WeakKeyDictionary[Any, str] = field(default_factory=WeakKeyDictionary)
    reboots: WeakKeyDictionary[Any, Countdown] = field(default_factory=WeakKeyDictionary)
    snapshots: WeakKeyDictionary[Any, Countdown] = field(default_factory=WeakKeyDictionary)
    blue_green: WeakKeyDictionary[Any, BlueGreenState] = field(default_factory=WeakKeyDictionary)
    applying_seen: set[tuple[str, int]] = field(default_factory=set)
    transitions: WeakKeyDictionary[Any, Transition] = field(default_factory=WeakKeyDictionary)
    upgrades: WeakKeyDictionary[Any, InPlaceUpgrade] = field(default_factory=WeakKeyDictionary)
    restored: WeakKeyDictionary[Any, bool] = field(default_factory=WeakKeyDictionary)

    @classmethod
    def create(cls, faults: FaultPlan | None, polls: int, strict_parameters: bool) -> RealisticRds:
        if polls < 0:
            raise ValueError("polls must be >= 0")
        return cls(polls=polls, injector=FaultInjector(faults or FaultPlan()), strict_parameters=strict_parameters)

    @property
    def fault_log(self) -> list[InjectedFault]:
        """Every fault that fired, in order, with the API operation that exposed it."""
        return self.injector.log

    @property
    def switchover_timeout(self) -> int | None:
        """SwitchoverTimeout of the last accepted switchover call (None if the caller omitted it)."""
        return self.switchover_timeouts[-1] if self.switchover_timeouts else None

    def countdown(self) -> Countdown:
        return Countdown(self.polls)

    def status_of(self, resource: Any) -> str:
        """Status as the next describe will show it (moto's own status may lag behind a transition)."""
        transition = self.transitions.get(resource)
        if transition is not None:
            return transition.busy
        upgrade = self.upgrades.get(resource)
        if upgrade is not None and upgrade.started:
            return "upgrading"
        status = str(resource.status)
        # moto shows a new cluster "creating" to exactly one reader and treats it as available after
        # that; seeded worlds rely on it, so an untracked "creating" counts as available.
        return "available" if status == "creating" else status

    def begin(self, resource: Any, busy: str, final: str = "available") -> None:
        """Show ``busy`` for the next ``polls`` describes of ``resource``, then ``final``."""
        self.transitions[resource] = Transition(busy, self.countdown(), final)
        resource.status = busy

    def tick_transition(self, resource: Any) -> None:
        """Count one describe of ``resource``; re-asserts the busy status (moto flips "creating" itself)."""
        transition = self.transitions.get(resource)
        if transition is None:
            return
        if transition.countdown.tick():
            del self.transitions[resource]
            resource.status = transition.final
        else:
            resource.status = transition.busy

    # --- DBClusterParameterGroupStatus (cluster members) and ParameterApplyStatus (instances) ---
    # "applying" is shown by exactly one describe of the resource, then becomes "pending-reboot".
    def member_status(self, instance: Any) -> str:
        return self.cluster_pg_status.get(instance, IN_SYNC)

    def instance_status(self, instance: Any) -> str:
        return self.instance_pg_status.get(instance, IN_SYNC)

    def set_member_status(self, instances: list[Any], status: str) -> None:
        _set_status(self.cluster_pg_status, instances, status)

    def set_instance_status(self, instances: list[Any], status: str) -> None:
        _set_status(self.instance_pg_status, instances, status)

    def poll_member_status(self, instance: Any) -> None:
        """Called once per describe that shows the member: moves "applying" on after one showing."""
        _poll_status(self.cluster_pg_status, self.applying_seen, ("cluster", instance))

    def poll_instance_status(self, instance: Any) -> None:
        _poll_status(self.instance_pg_status, self.applying_seen, ("instance", instance))


def _set_status(statuses: WeakKeyDictionary[Any, str], instances: list[Any], status: str) -> None:
    for instance in instances:
        if not (status == PENDING_REBOOT and statuses.get(instance) == APPLYING):
            statuses[instance] = status  # an "applying" member still has to be shown once


def _poll_status(statuses: WeakKeyDictionary[Any, str], seen: set[tuple[str, int]], key: tuple[str, Any]) -> None:
    marker = (key[0], id(key[1]))
    if statuses.get(key[1]) != APPLYING:
        seen.discard(marker)
    elif marker in seen:
        seen.discard(marker)
        statuses[key[1]] = PENDING_REBOOT
    else:
        seen.add(marker)


def payload(result: Any) -> dict[str, Any]:
    """The dict a moto ``RDSResponse`` action put in its ActionResult (typed as ``object`` by moto)."""
    return cast(dict[str, Any], result.result)


@dataclass(frozen=True)
class Patch:
    """One attribute replaced on a moto class while the realism layer is active."""

    owner: type
    attribute: str
    replacement: Any
    create: bool = False  # True for RDSResponse actions moto does not implement at all
