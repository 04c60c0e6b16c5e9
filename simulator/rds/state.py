"""State kept by the RDS realism layer while it is active, and the object handed to tests.

moto changes state instantly; the realism layer instead makes resources progress one describe
("poll") at a time. The progress of each resource is kept here, keyed by the moto model object
itself (weakly), so that renames during a blue/green switchover do not lose it and every
account/region backend is covered without extra bookkeeping.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast
from weakref import WeakKeyDictionary

from moto.core.utils import utcnow

from simulator.catalogue import versions as catalogue
from simulator.rds.faults import Fault, FaultInjector, FaultPlan, InjectedFault

IN_SYNC = "in-sync"
APPLYING = "applying"
PENDING_REBOOT = "pending-reboot"


Clock = Callable[[], float]
DURATION_KINDS = (
    "snapshot",
    "blue_green_provisioning",
    "switchover",
    "in_place_upgrade",
    "reboot",
    "rename",
    "restore",
)
_TIMED_STEPS = 100  # a timed countdown reports its progress in hundredths


@dataclass
class Countdown:
    """A resource that stays busy for ``remaining`` more polls; the poll after that completes it.

    Timed (``due_at`` set): busy until the simulated clock reaches ``due_at``, however often it is
    described; ``elapsed`` then counts hundredths of the duration.
    """

    total: int
    remaining: int = -1
    due_at: float | None = None
    started_at: float = 0.0
    clock: Clock | None = None

    def __post_init__(self) -> None:
        if self.remaining < 0:
            self.remaining = self.total

    def tick(self) -> bool:
        """Count one poll; True when this poll is the one that shows the final state."""
        if self.due_at is not None and self.clock is not None:
            return self.clock() >= self.due_at
        if self.remaining > 0:
            self.remaining -= 1
            return False
        return True

    @property
    def elapsed(self) -> int:
        if self.due_at is not None and self.clock is not None:
            span = max(self.due_at - self.started_at, 1e-9)
            return min(self.total, int(self.total * (self.clock() - self.started_at) / span))
        return self.total - self.remaining


@dataclass(frozen=True)
class EventSpec:
    """The RDS event a timed change sends through EventBridge when it completes."""

    detail_type: str  # "RDS DB Cluster Event", "RDS Blue Green Deployment Event", ...
    source_type: str  # CLUSTER, CLUSTER_SNAPSHOT, BLUE_GREEN_DEPLOYMENT, DB_INSTANCE
    source_id: str
    source_arn: str
    event_id: str
    message: str


@dataclass
class TimedChange:
    """A status change due at a simulated time; ``sent`` once its event went out."""

    kind: str
    due_at: float
    event: EventSpec | None
    sent: bool = False
    started_at: float = 0.0


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


def bgd_event(bgd: Any, event_id: str, message: str) -> EventSpec:
    arn = f"{bgd.source.rsplit(':cluster:', 1)[0]}:deployment:{bgd.blue_green_deployment_identifier}"
    return EventSpec(
        "RDS Blue Green Deployment Event",
        "BLUE_GREEN_DEPLOYMENT",
        bgd.blue_green_deployment_identifier,
        arn,
        event_id,
        message,
    )


def cluster_event(cluster: Any, event_id: str, message: str) -> EventSpec:
    return EventSpec(
        "RDS DB Cluster Event", "CLUSTER", cluster.db_cluster_identifier, cluster.db_cluster_arn, event_id, message
    )


def instance_event(instance: Any, event_id: str, message: str) -> EventSpec:
    return EventSpec(
        "RDS DB Instance Event",
        "DB_INSTANCE",
        instance.db_instance_identifier,
        instance.db_instance_arn,
        event_id,
        message,
    )


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


class DatabaseHooks(Protocol):
    """Real servers behind the simulated clusters (``simulator.databases``), told what RDS does to the clusters."""

    def green_created(self, blue_cluster: Any, green_cluster: Any) -> None: ...

    def switchover_started(self) -> None: ...

    def settle(self) -> None:
        """Wait for what the servers are doing in real time (a switchover under way): called before the simulated
        clock moves, by the workflow's own thread, outside any RDS call."""

    def switchover_finishing(self) -> str | None:
        """Replication caught up and green ready to take the name; else why the switchover fails."""

    def switchover_completed(self) -> None: ...

    def switchover_rolled_back(self) -> None: ...


@dataclass
class RealisticRds:
    """Handle returned by ``realistic_rds()``: counters and logs for assertions, plus internal state."""

    polls: int = 3
    injector: FaultInjector = field(default_factory=FaultInjector)
    durations: dict[str, float] = field(default_factory=dict)  # kind -> simulated seconds (else polls)
    clock: Clock = lambda: 0.0
    timed_changes: list[TimedChange] = field(default_factory=list)
    strict_parameters: bool = True
    # versions the catalogue shows as deprecated: hidden without IncludeAll, never an upgrade target
    unavailable_versions: frozenset[str] = catalogue.DEPRECATED
    # zero-ETL integrations (moto has none), boto3-shaped Integration dicts served by DescribeIntegrations
    integrations: list[dict[str, Any]] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    switchover_timeouts: list[int | None] = field(default_factory=list)
    databases: DatabaseHooks | None = None  # real servers behind blue and green (a scenario's real_databases)
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

    def add_zero_etl_integration(self, source_arn: str, name: str) -> dict[str, Any]:
        """An active zero-ETL integration of ``source_arn`` with an Amazon Redshift namespace."""
        account_region = source_arn.split(":cluster:", 1)[0]
        integration = {
            "IntegrationName": name,
            "IntegrationArn": f"{account_region}:integration:{name}",
            "SourceArn": source_arn,
            "TargetArn": f"{account_region.replace(':rds:', ':redshift-serverless:')}:namespace/{name}",
            "Status": "active",
            "CreateTime": utcnow(),
        }
        self.integrations.append(integration)
        return integration

    def countdown(self, kind: str, event: EventSpec | None = None) -> Countdown:
        """Busy for ``polls`` describes, or for ``durations[kind]`` simulated seconds when given."""
        if kind not in DURATION_KINDS:
            raise ValueError(f"unknown kind of change {kind!r}")
        duration = self.durations.get(kind)
        if duration is None:
            return Countdown(self.polls)
        now = self.clock()
        self.timed_changes.append(TimedChange(kind, now + duration, event, started_at=now))
        return Countdown(_TIMED_STEPS, due_at=now + duration, started_at=now, clock=self.clock)

    def due_changes(self, until: float) -> list[TimedChange]:
        """Changes not yet announced that are due by ``until``, earliest first."""
        due = [change for change in self.timed_changes if not change.sent and change.due_at <= until]
        return sorted(due, key=lambda change: change.due_at)

    def next_change_at(self) -> float | None:
        pending = [change.due_at for change in self.timed_changes if not change.sent]
        return min(pending) if pending else None

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

    def begin(self, resource: Any, busy: str, kind: str, final: str = "available") -> None:
        """Show ``busy`` for the next ``polls`` describes of ``resource`` (or ``kind``'s duration), then ``final``."""
        self.transitions[resource] = Transition(busy, self.countdown(kind), final)
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
