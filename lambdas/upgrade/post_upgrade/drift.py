"""What the cluster's Terraform/Terragrunt code needs after the workflow changed the cluster behind its back.

A pure function of the workflow state. Without these changes the next ``terragrunt apply`` tries to put the old
engine version and parameter groups back (a downgrade AWS refuses, or worse, a group of the wrong family).
Variable names follow the module of the seed guide: ``engine_version``, ``target_rds_family_name``,
``db_cluster_parameter_group_name``, ``serverless_min_capacity``.
"""

from __future__ import annotations

from upgrade.shared.models import Plan, WorkflowState
from upgrade.shared.post_upgrade_result import DriftReport


def drift_report(state: WorkflowState) -> DriftReport:
    plan = state.require_plan()
    base = {"cluster_id": plan.cluster.cluster_id, "strategy": plan.strategy}
    unchanged = _unchanged_reason(state, plan)
    if unchanged:
        return DriftReport(
            **base,
            changed=False,
            engine_version=plan.source_version,
            family=plan.cluster.family,
            terragrunt_inputs="",
            notes=[unchanged],
        )
    engine_version = state.verification.engine_version if state.verification else plan.target_version
    groups = state.target_parameter_groups
    family = groups.family if groups else plan.target_family
    cluster_group = (groups.cluster_parameter_group if groups else None) or f"default.{family}"
    instance_group = (groups.instance_parameter_group if groups else None) or f"default.{family}"
    inputs = [
        ("engine_version", f'"{engine_version}"', f"was {plan.source_version}"),
        ("target_rds_family_name", f'"{family}"', f"the family of {engine_version}"),
        ("db_cluster_parameter_group_name", f'"{cluster_group}"', _made_by(cluster_group)),
    ]
    capacity = _capacity_input(state)
    if capacity:
        inputs.append(capacity)
    return DriftReport(
        **base,
        changed=True,
        engine_version=engine_version,
        family=family,
        terragrunt_inputs=_hcl(inputs, instance_group),
        notes=_notes(state, plan, cluster_group, family),
    )


def _unchanged_reason(state: WorkflowState, plan: Plan) -> str | None:
    if plan.mode == "preflight":
        return "Preflight only: nothing was changed, the code needs no change."
    if plan.blocked:
        return "The preflight blocked the upgrade: nothing was changed, the code needs no change."
    if state.restore is not None:
        return (
            f"The cluster was restored from a snapshot at {plan.source_version}: keep engine_version as it is. "
            "The restored cluster has new resource ids (DbClusterResourceId, DbiResourceId): update IAM policies, "
            "CloudTrail filters and Performance Insights consumers that name them, then run "
            "`terragrunt apply -refresh-only`."
        )
    if plan.already_at_target:
        return (
            f"The cluster already ran {plan.target_version}: make sure the code says "
            f'engine_version = "{plan.target_version}" (a lower value would attempt a downgrade).'
        )
    return None


def _made_by(group: str) -> str:
    return "the engine's default group" if group.startswith("default.") else "created by the upgrade workflow"


def _capacity_input(state: WorkflowState) -> tuple[str, str, str] | None:
    """Serverless v2: the workflow raised min capacity for the upgrade and put it back, unless that failed."""
    change = state.capacity
    if not change or not change.changed or change.upgrade_min_capacity is None:
        return None
    if state.capacity_restore_error is None:
        return None  # restored to the original value: the code already says it
    return (
        "serverless_min_capacity",
        _number(change.upgrade_min_capacity),
        f"still raised: restoring {_number(change.original_min_capacity)} failed; set it back by hand or keep this",
    )


def _number(value: float | None) -> str:
    return "null" if value is None else f"{value:g}" if value != int(value) else f"{value:.1f}"


def _hcl(inputs: list[tuple[str, str, str]], instance_group: str) -> str:
    width = max(len(name) for name, _, _ in inputs)
    lines = ["inputs = {"]
    lines.extend(f"  {name.ljust(width)} = {value}  # {why}" for name, value, why in inputs)
    lines.append(f'  # db_parameter_group_name = "{instance_group}"  # instances, if your module sets their group')
    lines.append("}")
    return "\n".join(lines)


def _notes(state: WorkflowState, plan: Plan, cluster_group: str, family: str) -> list[str]:
    cluster_id = plan.cluster.cluster_id
    notes = [
        f"Parameter group: the cluster now uses {cluster_group} ({family}). Either point the module at it as "
        "above, or let the module create its own group of the new family (rds_family_name / "
        "cluster_parameter_group_parameters) and apply it (a pending-reboot change).",
        "create_target_parameter_group: the workflow made its own target groups, so a target group the module "
        "created is unused; set create_target_parameter_group = false to remove it.",
    ]
    change = state.capacity
    if change and change.changed and state.capacity_restore_error is None:
        notes.append(
            f"serverless_min_capacity: no change; the workflow raised it to {_number(change.upgrade_min_capacity)} "
            f"for the upgrade and restored {_number(change.original_min_capacity)}."
        )
    groups = state.target_parameter_groups
    if groups and (groups.cluster_parameters.renamed or groups.cluster_parameters.dropped):
        renamed = ", ".join(f"{old} -> {new}" for old, new in groups.cluster_parameters.renamed.items())
        dropped = ", ".join(sorted(groups.cluster_parameters.dropped))
        notes.append(
            "cluster_parameter_group_parameters: "
            + (f"rename {renamed}" if renamed else "")
            + ("; " if renamed and dropped else "")
            + (f"remove {dropped} (not valid in {family})" if dropped else "")
            + "."
        )
    if plan.strategy == "blue_green":
        notes.extend(_blue_green_notes(state, plan))
    notes.append(
        f"Then run `terragrunt apply -refresh-only` for {cluster_id} (accepts the new attributes) and "
        "`terragrunt plan`: it must show no changes. A planned engine_version change or cluster replacement "
        "means an input above is still missing."
    )
    return notes


def _blue_green_notes(state: WorkflowState, plan: Plan) -> list[str]:
    cluster_id = plan.cluster.cluster_id
    old_id = (
        (state.cleanup.old_cluster_id if state.cleanup else None)
        or (state.verification.old_cluster_id if state.verification else None)
        or f"{cluster_id}-old1"
    )
    notes = [
        f"{cluster_id} is now the former green cluster: its resource ids changed (DbClusterResourceId was "
        f"{plan.cluster.resource_id}; every DbiResourceId too). Update IAM policies (rds-db:connect for IAM "
        "authentication), CloudTrail and EventBridge filters, Performance Insights and Database Activity Streams "
        "consumers that name them; re-associate IAM roles of the cluster (e.g. aws_s3 import/export).",
    ]
    if state.cleanup and state.cleanup.old_cluster_deleted:
        snapshot = state.cleanup.old_cluster_final_snapshot
        notes.append(
            f"{old_id} was deleted by the workflow" + (f" (final snapshot {snapshot})" if snapshot else "") + "."
        )
    else:
        notes.append(
            f"{old_id} (the old blue cluster, at {plan.source_version}) exists outside Terraform's state: delete it "
            "when no longer needed (disable deletion protection, delete its instances, then "
            f"`aws rds delete-db-cluster --db-cluster-identifier {old_id} --final-db-snapshot-identifier "
            f"{old_id}-final`). Do not `terraform import` it at the cluster's address: the state already follows "
            f"{cluster_id}."
        )
    return notes
