"""Deterministic names: a retried step or a re-run finds what an earlier attempt made."""

from __future__ import annotations

import hashlib
import re

from upgrade.shared.models import Names

_NOT_ALLOWED = re.compile(r"[^a-z0-9]+")

# RDS limits (letters, digits, single hyphens, starts with a letter)
_BLUE_GREEN_NAME_MAX = 60
_SNAPSHOT_ID_MAX = 255
_IDENTIFIER_MAX = 63  # clusters and instances

# Put on a cluster and its instances before they are renamed aside, so that a later restore finds the
# cluster that last held the name, and the names its instances had, even after an interrupted rollback.
MOVED_ASIDE_FROM_TAG = "aurora-upgrade:moved-aside-from"
ORIGINAL_ID_TAG = "aurora-upgrade:original-id"
# Put on the parameter groups the workflow makes (source and target)
MANAGED_BY_TAG = {"managed-by": "aurora-upgrade"}


def _slug(text: str) -> str:
    return _NOT_ALLOWED.sub("-", text.lower()).strip("-")


def _fit(name: str, limit: int) -> str:
    """Shorten a name to RDS's limit, keeping it unique with a short hash."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9].rstrip('-')}-{digest}"


def version_slug(version: str) -> str:
    return _slug(version)


def run_slug(execution_name: str) -> str:
    slug = _slug(execution_name)
    return slug if slug else "run"


def names_for(
    cluster_id: str, source_family: str, target_family: str, source: str, target: str, execution_name: str
) -> Names:
    cluster = cluster_id.lower()
    path = f"{version_slug(source)}-to-{version_slug(target)}"
    return Names(
        source_cluster_parameter_group=f"{cluster}-{source_family}-cluster",
        target_cluster_parameter_group=f"{cluster}-{target_family}-cluster",
        target_instance_parameter_group=f"{cluster}-{target_family}-instance",
        snapshot_id=_fit(f"{cluster}-pre-upgrade-{path}-{run_slug(execution_name)}", _SNAPSHOT_ID_MAX),
        blue_green_name=_fit(f"{cluster}-upgrade-{path}", _BLUE_GREEN_NAME_MAX),
        aside_cluster_id=aside_id(cluster, execution_name),
    )


def _run_tag(execution_name: str) -> str:
    return hashlib.sha256(execution_name.encode()).hexdigest()[:6]


def aside_id(identifier: str, execution_name: str) -> str:
    """Where a replaced cluster or instance goes: its name + ``-aside-`` + a tag of this execution."""
    return _fit(f"{identifier.lower()}-aside-{_run_tag(execution_name)}", _IDENTIFIER_MAX)


def final_snapshot_id(old_cluster_id: str, execution_name: str) -> str:
    return _fit(f"{old_cluster_id.lower()}-final-{run_slug(execution_name)}", _SNAPSHOT_ID_MAX)


def cluster_id_of(arn: str) -> str:
    """arn:aws:rds:<region>:<account>:cluster:<id> -> <id> (an identifier passes through)."""
    return arn.split(":cluster:", 1)[1] if ":cluster:" in arn else arn
