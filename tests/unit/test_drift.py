"""The drift report: what the Terraform/Terragrunt inputs must say after the workflow changed the cluster."""

from __future__ import annotations

import re
from typing import Any

from upgrade.post_upgrade.drift import drift_report
from upgrade.shared.models import WorkflowState

EMPTY_CARRY = {"carried": {}, "renamed": {}, "dropped": {}}


def state(strategy: str = "blue_green", **steps: Any) -> WorkflowState:
    plan = {
        "strategy": strategy,
        "cluster": {
            "cluster_id": "prod-db",
            "cluster_arn": "arn:aws:rds:eu-west-2:123456789012:cluster:prod-db",
            "resource_id": "cluster-BLUE123",
            "engine_version": "13.20",
            "family": "aurora-postgresql13",
            "cluster_parameter_group": "prod-db-aurora-postgresql13-cluster",
            "serverless_v2": True,
            "min_capacity": 0.5,
            "max_capacity": 8,
            "members": [{"instance_id": "prod-db-writer", "is_writer": True, "instance_class": "db.serverless"}],
        },
        "source_version": "13.20",
        "target_version": "14.18",
        "target_family": "aurora-postgresql14",
        "names": {
            "source_cluster_parameter_group": "prod-db-aurora-postgresql13-cluster",
            "target_cluster_parameter_group": "prod-db-aurora-postgresql14-cluster",
            "target_instance_parameter_group": "prod-db-aurora-postgresql14-instance",
            "snapshot_id": "prod-db-pre-upgrade-13-20-to-14-18-run",
            "blue_green_name": "prod-db-upgrade-13-20-to-14-18",
            "aside_cluster_id": "prod-db-aside-abc123",
        },
        **steps.pop("plan", {}),
    }
    groups = {
        "cluster_parameter_group": "prod-db-aurora-postgresql14-cluster",
        "instance_parameter_group": "prod-db-aurora-postgresql14-instance",
        "family": "aurora-postgresql14",
        "cluster_parameters": EMPTY_CARRY,
        "instance_parameters": EMPTY_CARRY,
    }
    raw = {
        "input": {"cluster_id": "prod-db", "target_engine_version": "14.18", "strategy": strategy},
        "execution": {"name": "run"},
        "plan": plan,
        "target_parameter_groups": groups,
        **steps,
    }
    return WorkflowState.model_validate(raw)


def inputs_of(snippet: str) -> dict[str, str]:
    """The assignments of an ``inputs = { ... }`` block (comments dropped)."""
    found = re.findall(r"^\s+(\w+)\s*=\s*([^#\n]+?)\s*(?:#.*)?$", snippet, flags=re.MULTILINE)
    return {name: value for name, value in found}


def test_blue_green_names_version_family_and_the_groups_the_workflow_made() -> None:
    report = drift_report(
        state(
            verification={
                "cluster_id": "prod-db",
                "engine_version": "14.18",
                "instances": {},
                "old_cluster_id": "prod-db-old1",
            },
            capacity={
                "serverless_v2": True,
                "changed": True,
                "original_min_capacity": 0.5,
                "upgrade_min_capacity": 1.0,
            },
        )
    )
    assert report.changed
    assert report.terragrunt_inputs.startswith("inputs = {") and report.terragrunt_inputs.endswith("}")
    assert inputs_of(report.terragrunt_inputs) == {
        "engine_version": '"14.18"',
        "target_rds_family_name": '"aurora-postgresql14"',
        "db_cluster_parameter_group_name": '"prod-db-aurora-postgresql14-cluster"',
    }
    assert 'db_parameter_group_name = "prod-db-aurora-postgresql14-instance"' in report.terragrunt_inputs
    notes = "\n".join(report.notes)
    assert "cluster-BLUE123" in notes and "DbiResourceId" in notes and "Performance Insights" in notes
    assert "prod-db-old1" in notes and "outside Terraform's state" in notes
    assert "terragrunt plan" in notes and "no changes" in notes
    assert "serverless_min_capacity: no change" in notes and "restored 0.5" in notes
    lines = report.lines()
    assert lines[0].startswith("Terraform/Terragrunt for prod-db") and "inputs = {" in lines


def test_an_unrestored_capacity_goes_into_the_inputs() -> None:
    report = drift_report(
        state(
            capacity={
                "serverless_v2": True,
                "changed": True,
                "original_min_capacity": 0.5,
                "upgrade_min_capacity": 1.0,
            },
            capacity_restore_error={"Error": "AwsThrottled", "Cause": "slow down"},
        )
    )
    assert inputs_of(report.terragrunt_inputs)["serverless_min_capacity"] == "1.0"
    assert "restoring 0.5 failed" in report.terragrunt_inputs


def test_a_deleted_old_cluster_is_reported_as_deleted() -> None:
    report = drift_report(
        state(
            cleanup={
                "blue_green_deleted": True,
                "old_cluster_id": "prod-db-old1",
                "old_cluster_deleted": True,
                "old_cluster_final_snapshot": "prod-db-old1-final-run",
            }
        )
    )
    notes = "\n".join(report.notes)
    assert "prod-db-old1 was deleted by the workflow (final snapshot prod-db-old1-final-run)" in notes
    assert "outside Terraform's state" not in notes


def test_in_place_with_default_groups_points_at_the_new_default() -> None:
    raw = state("in_place").model_dump()
    raw["target_parameter_groups"].update(cluster_parameter_group=None, instance_parameter_group=None)
    report = drift_report(WorkflowState.model_validate(raw))
    assert inputs_of(report.terragrunt_inputs)["db_cluster_parameter_group_name"] == '"default.aurora-postgresql14"'
    notes = "\n".join(report.notes)
    assert "-old1" not in notes and "resource ids" not in notes


def test_renamed_and_dropped_parameters_are_named() -> None:
    raw = state().model_dump()
    raw["target_parameter_groups"]["cluster_parameters"] = {
        "carried": {"debug_parallel_query": "on"},
        "renamed": {"force_parallel_mode": "debug_parallel_query"},
        "dropped": {"vacuum_defer_cleanup_age": "not a parameter of the target family"},
    }
    notes = "\n".join(drift_report(WorkflowState.model_validate(raw)).notes)
    assert "rename force_parallel_mode -> debug_parallel_query" in notes
    assert "remove vacuum_defer_cleanup_age" in notes


def test_nothing_to_change_after_a_preflight_or_a_restore() -> None:
    preflight = drift_report(state(plan={"mode": "preflight"}))
    assert not preflight.changed and preflight.terragrunt_inputs == ""
    assert preflight.lines()[0] == "Terraform/Terragrunt for prod-db: no change needed."
    restored = drift_report(
        state(
            "in_place",
            restore={
                "cluster_id": "prod-db",
                "snapshot_id": "s",
                "status": "available",
                "ready": True,
                "poll": {"wait_seconds": 60, "deadline_seconds": 600},
            },
        )
    )
    assert not restored.changed and "new resource ids" in restored.notes[0]
