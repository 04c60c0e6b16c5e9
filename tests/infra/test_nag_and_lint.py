"""The tools AWS users trust say the template is fine: cdk-nag (AwsSolutions) and cfn-lint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks

if TYPE_CHECKING:
    from conftest import Synthesized

Json = dict[str, Any]

ACKNOWLEDGED = "aws:cdk:acknowledged-rules"
MIN_REASON_LENGTH = 60  # a sentence that says why, not "ok" or "needed"
# the only rules besides IAM5 wildcards acknowledged anywhere: the Lambda runtime, the dead-letter queue
# without a dead-letter queue of its own, the approval signing key without rotation
OTHER_ACKNOWLEDGED = {"AwsSolutions-L1", "AwsSolutions-SQS3", "AwsSolutions-SMG4", "AwsSolutions-S1"}


def _violations(report: Json) -> list[str]:
    """'<rule> at [<construct paths>]' for each violation in CDK's validation-report.json."""
    return [
        f"{violation['ruleName']} at {[c['constructPath'] for c in violation.get('violatingConstructs', [])]}"
        for plugin in report.get("pluginReports", [])
        for violation in plugin.get("violations", [])
    ]


def test_cdk_nag_finds_nothing_unacknowledged(synthesized: Synthesized) -> None:
    report_path = synthesized.outdir / "validation-report.json"
    violations = _violations(json.loads(report_path.read_text())) if report_path.exists() else []
    assert not violations, "unacknowledged cdk-nag findings:\n" + "\n".join(violations)
    assert synthesized.error is None, f"synth failed: {synthesized.error}"


def test_cdk_nag_rules_pass_on_the_construct_tree(synthesized: Synthesized) -> None:
    """Same rules, run directly on the tree: does not depend on how synth reports plugins."""
    report = AwsSolutionsChecks().validate_scope(synthesized.app)
    assert report.success, [v.rule_name for v in report.violations]


def test_cdk_nag_would_catch_an_unacknowledged_wildcard() -> None:
    """Canary: the pack is live in this cdk-nag version (the rule above cannot pass vacuously)."""
    app = cdk.App()
    stack = cdk.Stack(app, "Canary")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["rds:DescribeDBClusters"], resources=["*"]))
    report = AwsSolutionsChecks().validate_scope(app)
    assert "AwsSolutions-IAM5[Resource::*]" in [v.rule_name for v in report.violations]


def _acknowledgments(synthesized: Synthesized) -> dict[tuple[str, str], str]:
    """(construct path, rule id) -> reason, for every acknowledgment in the assembly."""
    found = {}
    for path, entries in synthesized.metadata().items():
        for entry in entries:
            if entry["type"] == ACKNOWLEDGED:
                for rule, reason in entry["data"].items():
                    found[(path, rule.split("::", 1)[1] if rule.startswith("Annotation::") else rule)] = reason
    return found


def _wildcard_findings_under(synthesized: Synthesized, path: str) -> set[str]:
    """IAM5 findings of the IAM policies at or below a construct path, computed from the template."""
    logical_ids = {
        entry["data"]
        for entry_path, entries in synthesized.metadata().items()
        if entry_path == path or entry_path.startswith(path + "/")
        for entry in entries
        if entry["type"] == "aws:cdk:logicalId"
    }
    findings = set()
    for logical_id in logical_ids:
        resource = synthesized.resources.get(logical_id, {})
        if resource.get("Type") != "AWS::IAM::Policy":
            continue
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            actions = synthesized.as_list(statement["Action"])
            resources = [synthesized.flatten(r) for r in synthesized.as_list(statement["Resource"])]
            findings |= {f"AwsSolutions-IAM5[Action::{a}]" for a in actions if "*" in a}
            findings |= {f"AwsSolutions-IAM5[Resource::{r}]" for r in resources if "*" in r}
    return findings


def test_every_acknowledgment_has_a_reason_and_a_finding(synthesized: Synthesized) -> None:
    acknowledgments = _acknowledgments(synthesized)
    assert acknowledgments, "expected acknowledged findings (IAM5 wildcards, L1)"
    for (path, rule), reason in acknowledgments.items():
        assert len(reason) >= MIN_REASON_LENGTH, f"{rule} at {path}: reason too thin: {reason!r}"
        if rule.startswith("AwsSolutions-IAM5"):
            assert rule in _wildcard_findings_under(synthesized, path), f"stale acknowledgment {rule} at {path}"
        else:
            assert rule in OTHER_ACKNOWLEDGED, f"unexpected acknowledgment {rule} at {path}"


def _cfn_lint() -> list[str]:
    script = Path(sys.executable).with_name("cfn-lint")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cfnlint"]


def test_cfn_lint_passes(synthesized: Synthesized) -> None:
    # W3005 ("dependency already enforced") is noise from CDK's explicit DependsOn
    result = subprocess.run(
        [*_cfn_lint(), "--ignore-checks", "W3005", "--", str(synthesized.template_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
