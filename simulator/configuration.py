"""The deployment a scenario runs against: its clusters must be among the configured ones.

Every role of the stack is scoped to the clusters in the configuration (infra/permissions.py), so on
AWS an execution for a cluster that is not configured stops at its first call with AccessDenied. A
scenario names the cluster it rehearses; when the synthesized template was not configured for it, the
simulator synthesizes the same app with that cluster added to the configuration (kept beside the
template and reused while the sources are unchanged), as a user would add it to cdk.json before
deploying. A scenario that wants to see the refusal sets ``"configured": false``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from simulator.template import template_path


def configured_clusters(cdk_out: Path) -> set[str]:
    """The cluster ids the template's roles are scoped to (the stack's template metadata)."""
    template = json.loads(template_path(cdk_out).read_text())
    return set(template.get("Metadata", {}).get("AuroraUpgrade", {}).get("clusters", []))


def clusters_named(inputs: list[dict[str, Any]]) -> set[str]:
    return {str(given["cluster_id"]) for given in inputs if isinstance(given.get("cluster_id"), str)}


def variant_for(cdk_out: Path, missing: set[str], stale: Any) -> Path:
    """A synthesis of cdk.json's configuration plus the missing clusters, beside ``cdk_out``."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from infra.app_factory import _cdk_json_context, build_app
    from infra.config import CONTEXT_KEY

    key = hashlib.sha256(",".join(sorted(missing)).encode()).hexdigest()[:12]
    outdir = cdk_out / "scenario-configurations" / key  # inside cdk.out: ignored by git and linters
    if stale(template_path(outdir)):
        base = _base_configuration(_cdk_json_context())
        config = {**base, "clusters": [*base.get("clusters", []), *sorted(missing)]}
        build_app(outdir=str(outdir), context={CONTEXT_KEY: config}).synth()
    return outdir


def _base_configuration(context: dict[str, Any]) -> dict[str, Any]:
    """cdk.json's configuration as raw data: inline, or the YAML/JSON file it names."""
    import yaml

    from infra.app_factory import REPO_ROOT
    from infra.config import CONTEXT_KEY, FILE_CONTEXT_KEY

    file = context.get(FILE_CONTEXT_KEY)
    if isinstance(file, str) and file.strip():
        path = Path(file) if Path(file).is_absolute() else REPO_ROOT / file
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        return dict(loaded) if isinstance(loaded, dict) else {"clusters": []}
    raw = context.get(CONTEXT_KEY)
    return dict(raw) if isinstance(raw, dict) else {"clusters": []}
