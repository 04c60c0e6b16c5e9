"""Compare a run's outcome with the scenario's ``expect`` block."""

from __future__ import annotations

from typing import Any

from simulator.scenario.model import Expectation


def unmet(expect: Expectation | None, outcome: dict[str, Any]) -> list[str]:
    """Every expectation that the outcome does not meet, as a sentence."""
    if expect is None:
        return []
    problems: list[str] = []
    cluster = outcome.get("cluster") or {}
    checks = {
        "status": outcome.get("status"),
        "engine_version": cluster.get("engine_version"),
        "min_capacity": cluster.get("min_capacity"),
        "max_capacity": cluster.get("max_capacity"),
        "cluster_parameter_group": cluster.get("db_cluster_parameter_group"),
        "snapshots": len(outcome.get("snapshots", [])),
        "clusters": outcome.get("clusters"),
    }
    for field, actual in checks.items():
        wanted = getattr(expect, field)
        if wanted is not None and wanted != actual:
            problems.append(f"{field}: expected {wanted!r}, got {actual!r}")
    states = outcome.get("states", [])
    problems += [f"state {name} was not visited" for name in expect.states_visited if name not in states]
    problems += [f"state {name} was visited" for name in expect.states_not_visited if name in states]
    if expect.error_contains is not None:
        error = outcome.get("error") or {}
        text = (
            f"{error.get('execution_error') or ''}: {error.get('execution_cause') or ''}\n"
            f"{error.get('error') or ''}: {error.get('message') or ''}"
        )
        if expect.error_contains not in text:
            problems.append(f"error should contain {expect.error_contains!r}, got {text!r}")
    versions = outcome.get("engine_versions", {})
    problems += [
        f"{cluster}: expected engine version {wanted}, got {versions.get(cluster)}"
        for cluster, wanted in expect.engine_versions.items()
        if versions.get(cluster) != wanted
    ]
    started = len(outcome.get("upgrade_executions", []))
    if expect.upgrade_executions is not None and expect.upgrade_executions != started:
        problems.append(f"upgrade_executions: expected {expect.upgrade_executions}, got {started}")
    messages = "\n".join(f"{n['subject']}\n{n['message']}" for n in outcome.get("notifications", []))
    problems += [f"no notification contains {text!r}" for text in expect.notification_contains if text not in messages]
    return problems
