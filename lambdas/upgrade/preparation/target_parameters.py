"""Target-family parameter groups for the green cluster, carrying the user's settings."""

from __future__ import annotations

from aws.rds import Rds
from upgrade.preparation.parameter_migration import carry_over
from upgrade.shared.errors import ParameterGroupConflict
from upgrade.shared.models import ParameterCarryOver, Plan, TargetParameterGroups, WorkflowState
from upgrade.shared.naming import MANAGED_BY_TAG


def create_target_parameter_groups(state: WorkflowState, rds: Rds) -> TargetParameterGroups:
    """Blue/green always names both groups; in place needs them only where custom groups are in use."""
    plan = state.require_plan()
    source_cluster_group = (
        state.source_parameter_group.name if state.source_parameter_group else plan.cluster.cluster_parameter_group
    )
    custom_instance_groups = [m.parameter_group for m in plan.cluster.members if _custom(m.parameter_group)]
    writer_groups = [m.parameter_group for m in plan.cluster.members if m.is_writer and _custom(m.parameter_group)]
    source_instance_group = (writer_groups or custom_instance_groups or [None])[0]
    everything = plan.strategy == "blue_green"
    cluster_group = plan.names.target_cluster_parameter_group if everything or _custom(source_cluster_group) else None
    instance_group = plan.names.target_instance_parameter_group if everything or custom_instance_groups else None
    return TargetParameterGroups(
        cluster_parameter_group=cluster_group,
        instance_parameter_group=instance_group,
        family=plan.target_family,
        cluster_parameters=_ensure_group(rds, plan, cluster_group, "cluster", source_cluster_group),
        instance_parameters=_ensure_group(rds, plan, instance_group, "instance", source_instance_group),
    )


def _custom(group: str | None) -> bool:
    return bool(group) and not str(group).startswith("default.")


def _ensure_group(rds: Rds, plan: Plan, name: str | None, scope: str, source_group: str | None) -> ParameterCarryOver:
    if name is None:
        return ParameterCarryOver()
    existing = rds.find_parameter_group(name, scope)
    if existing is None:
        rds.create_parameter_group(
            name,
            plan.target_family,
            f"{scope.capitalize()} parameters of {plan.cluster.cluster_id} on {plan.target_version}",
            scope,
            MANAGED_BY_TAG,
        )
    elif existing.get("DBParameterGroupFamily") != plan.target_family:
        raise ParameterGroupConflict(
            f"{scope} parameter group '{name}' exists with family {existing.get('DBParameterGroupFamily')}, "
            f"expected {plan.target_family}; rename or delete it"
        )
    if source_group is None or source_group.startswith("default."):
        return ParameterCarryOver()
    decision = carry_over(rds.user_parameters(source_group, scope), rds.default_parameters(plan.target_family, scope))
    already = rds.user_parameters(name, scope)
    missing = {key: value for key, value in decision.carried.items() if already.get(key) != value}
    if missing:
        # the group is not attached to anything yet: pending-reboot is valid for static and dynamic parameters
        rds.set_parameters(name, missing, scope, apply_method="pending-reboot")
    return decision
