"""What every execution of the upgrade workflow must keep true, whatever failed along the way.

Each check takes a finished :class:`Run` (the scenario, its simulator outcome and the synthesized
definition) and returns the violations it found, as sentences; an empty list means the invariant holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulator.scenario.model import Scenario
from upgrade.shared.models import Deadlines

# Wait loops by the progress object their Wait reads (``$.<key>.poll.wait_seconds``) -> the input deadline.
POLL_DEADLINES = {
    "source_parameter_group": "parameter_sync_minutes",
    "snapshot": "snapshot_minutes",
    "blue_green": "blue_green_ready_minutes",
    "switchover": "switchover_minutes",
    "in_place": "upgrade_minutes",
    "aside": "rename_minutes",
    "restore": "restore_minutes",
    "rollback": "upgrade_minutes",  # waiting for a failed in-place upgrade to settle before deciding
}
# States whose handler changes the engine (or starts the change) of the serving cluster.
ENGINE_CHANGES = ("Switchover", "StartInPlaceUpgrade")
# The Choice that passes only once the pre-upgrade snapshot is available (``$.snapshot.ready``).
SNAPSHOT_GATE = "ChooseUpgrade"


@dataclass(frozen=True)
class Run:
    scenario: Scenario
    outcome: dict[str, Any]
    definition: dict[str, Any]

    @property
    def cluster_id(self) -> str:
        return str(self.scenario.input.get("cluster_id", self.scenario.cluster.id))

    @property
    def serving(self) -> dict[str, Any] | None:
        """The cluster under the original identifier at the end, if any."""
        cluster: dict[str, Any] | None = self.outcome["cluster"]
        return cluster

    @property
    def is_restore(self) -> bool:
        return self.scenario.input.get("action") == "restore"

    def asked(self, flag: str) -> bool:
        return bool(self.scenario.input.get(flag, False))


Check = Callable[[Run], list[str]]


def pre_upgrade_snapshot(run: Run) -> list[str]:
    """An engine change (switchover, in-place modify, other version serving) needs an available snapshot first."""
    states, serving = run.outcome["states"], run.serving
    changed = [state for state in ENGINE_CHANGES if state in states]
    if serving is not None and serving["engine_version"] != run.scenario.cluster.engine_version:
        changed.append(f"{run.cluster_id} runs {serving['engine_version']}")
    if not changed:
        return []
    problems = []
    if not any(snapshot["status"] == "available" for snapshot in run.outcome["snapshots"]):
        problems.append(f"engine changed ({', '.join(changed)}) without an available manual snapshot")
    for state in (s for s in ENGINE_CHANGES if s in states):
        if SNAPSHOT_GATE not in states[: states.index(state)]:
            problems.append(f"{state} ran before the snapshot gate {SNAPSHOT_GATE} passed")
    return problems


def blue_green_original_intact(run: Run) -> list[str]:
    """A blue/green run that failed before its switchover completed leaves the original serving, available."""
    blue_green = run.scenario.input.get("strategy") == "blue_green" and not run.is_restore
    switched = f"{run.cluster_id}-old1" in run.outcome["clusters"]
    if not blue_green or run.outcome["status"] == "SUCCEEDED" or switched:
        return []
    serving = run.serving
    if serving is None:
        return [f"no cluster named {run.cluster_id} after a blue/green failure before the switchover"]
    want = (run.scenario.cluster.engine_version, "available")
    got = (serving["engine_version"], serving["status"])
    return [] if got == want else [f"{run.cluster_id} is {got} after a failure before the switchover, not {want}"]


def wait_polls(definition: dict[str, Any]) -> dict[str, str | None]:
    """Every Wait state (a Parallel's branches too) -> the progress key of its poll (None for a fixed wait)."""
    found: dict[str, str | None] = {}
    for name, state in definition["States"].items():
        if state["Type"] == "Wait":
            path = str(state.get("SecondsPath", ""))
            found[name] = path.split(".")[1] if path.endswith(".poll.wait_seconds") else None
        for branch in state.get("Branches", []):
            found |= wait_polls(branch)
    return found


def poll_deadlines(run: Run) -> list[str]:
    """The waits of each poll loop add up to no more than that loop's deadline."""
    polls = wait_polls(run.definition)
    entered = [state for state in run.outcome["states"] if state in polls]
    waits: list[int] = run.outcome["waits_seconds"]
    if len(entered) != len(waits):
        return [f"{len(waits)} waits recorded for {len(entered)} Wait states entered"]
    waited: dict[str, int] = {}
    for state, seconds in zip(entered, waits, strict=True):
        key = polls[state]
        if key is not None:
            waited[key] = waited.get(key, 0) + seconds
    deadlines = Deadlines.model_validate(run.scenario.input.get("deadlines", {}))
    problems = []
    for key, seconds in waited.items():
        if key not in POLL_DEADLINES:
            problems.append(f"poll loop '{key}' has no known deadline: add it to POLL_DEADLINES")
            continue
        limit = int(getattr(deadlines, POLL_DEADLINES[key])) * 60
        if seconds > limit:
            problems.append(f"poll loop '{key}' waited {seconds} s, past its deadline of {limit} s")
    return problems


def capacity_restored(run: Run) -> list[str]:
    """The original Serverless v2 capacity range is back, or a notification says it is not and how to fix it.

    (When the restore step itself fails terminally, telling people with the command is all a workflow can do.)
    """
    original, serving = run.scenario.cluster.serverless_v2, run.serving
    if original is None or serving is None:
        return []
    want = (original.min_capacity, original.max_capacity)
    got = (serving["min_capacity"], serving["max_capacity"])
    if got == want:
        return []
    told = any(
        "capacity NOT restored" in note["subject"] and f"MinCapacity={original.min_capacity}" in note["message"]
        for note in run.outcome["notifications"]
    )
    return [] if told else [f"Serverless v2 capacity of {run.cluster_id} is {got}, not the original {want}"]


def original_data_kept(run: Run) -> list[str]:
    """No cluster the input did not ask to delete is gone: the original serves, or is kept as -old1 / -aside-."""
    clusters, cluster_id = run.outcome["clusters"], run.cluster_id
    problems = [f"cluster {c.id} is gone" for c in run.scenario.other_clusters if c.id not in clusters]
    old1 = f"{cluster_id}-old1" in clusters
    aside = any(c.startswith(f"{cluster_id}-aside-") for c in clusters)
    if run.serving is None and not (old1 or aside):
        problems.append(f"nothing holds {cluster_id}'s data: clusters {clusters}")
    green_serves = (
        run.serving is not None
        and not run.is_restore
        and run.scenario.input.get("strategy") == "blue_green"
        and run.serving["engine_version"] != run.scenario.cluster.engine_version
    )
    if green_serves and not old1 and not run.asked("delete_old_cluster"):
        problems.append(f"green serves {cluster_id} but the original {cluster_id}-old1 is gone")
    restored = "RestoreSnapshot" in run.outcome["states"] and run.serving is not None
    if restored and not aside and not run.asked("delete_failed_cluster"):
        problems.append(f"{cluster_id} was restored but the replaced cluster is not kept aside: clusters {clusters}")
    return problems


INVARIANTS: tuple[Check, ...] = (
    pre_upgrade_snapshot,
    blue_green_original_intact,
    poll_deadlines,
    capacity_restored,
    original_data_kept,
)


def notification_names_step(run: Run, step: str) -> list[str]:
    """A failure notification names the step that failed ("FAILED at step: X" or "FAILED at step X")."""
    named = re.compile(rf"FAILED at step:? {re.escape(step)}\b")
    if any(named.search(note["message"]) for note in run.outcome["notifications"]):
        return []
    subjects = [note["subject"] for note in run.outcome["notifications"]]
    return [f"no notification names the failed step {step}; sent: {subjects}"]


def violations(run: Run, failed_step: str | None = None) -> list[str]:
    """Every invariant's violations; with ``failed_step``, also that a notification names it."""
    found = [problem for check in INVARIANTS for problem in check(run)]
    if failed_step is not None:
        found += notification_names_step(run, failed_step)
    return found
