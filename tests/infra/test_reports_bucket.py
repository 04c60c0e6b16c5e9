"""The report bucket: private, encrypted, TLS only, expiring; preflight and post-upgrade write, only under reports/."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from infra.config import parse_config
from infra.stack import STEP_HANDLERS

if TYPE_CHECKING:
    from tests.infra.conftest import Synthesized


def _bucket(synthesized: Synthesized) -> tuple[str, dict[str, Any]]:
    [(logical_id, bucket)] = synthesized.of_type("AWS::S3::Bucket").items()
    return logical_id, bucket


def test_the_bucket_is_private_encrypted_expiring_and_kept(synthesized: Synthesized) -> None:
    _, bucket = _bucket(synthesized)
    properties = bucket["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    [rule] = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    [expiry] = properties["LifecycleConfiguration"]["Rules"]
    assert expiry["Status"] == "Enabled" and expiry["Prefix"] == "reports/"
    assert expiry["ExpirationInDays"] == 90, "the default when the configuration says nothing"
    assert bucket["DeletionPolicy"] == "Retain" and bucket["UpdateReplacePolicy"] == "Retain"


def test_the_bucket_refuses_requests_without_tls(synthesized: Synthesized) -> None:
    logical_id, _ = _bucket(synthesized)
    [policy] = [
        p["Properties"]["PolicyDocument"]
        for p in synthesized.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logical_id}
    ]
    denials = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denials)


@pytest.mark.parametrize("writer", ["PreflightFunction", "PostUpgradeFunction"])
def test_only_the_report_writers_may_write_and_only_under_reports(synthesized: Synthesized, writer: str) -> None:
    logical_id, _ = _bucket(synthesized)
    writers = {}
    for construct_id in STEP_HANDLERS:
        pairs = synthesized.action_resource_pairs(synthesized.function_statements(construct_id))
        s3_pairs = {(action, resource) for action, resource in pairs if action.startswith("s3:")}
        if s3_pairs:
            writers[construct_id] = s3_pairs
    assert sorted(writers) == ["PostUpgradeFunction", "PreflightFunction"]
    assert ("s3:PutObject", f"<{logical_id}.Arn>/reports/*") in writers[writer]
    assert {resource for _, resource in writers[writer]} == {f"<{logical_id}.Arn>/reports/*"}
    assert not {action for action, _ in writers[writer] if action.startswith(("s3:Get", "s3:Delete"))}
    _, properties = synthesized.function(writer)
    assert properties["Environment"]["Variables"]["REPORT_BUCKET"] == {"Ref": logical_id}


@pytest.mark.parametrize("days", [0, 3651])
def test_the_expiry_is_bounded(days: int) -> None:
    with pytest.raises(ValueError, match="expire_after_days"):
        parse_config({"clusters": ["prod-db"], "reports": {"expire_after_days": days}})


def test_the_expiry_is_configurable() -> None:
    assert parse_config({"clusters": ["prod-db"], "reports": {"expire_after_days": 30}}).reports.expire_after_days == 30
