"""The deployment a scenario runs against: its clusters and database secrets must be configured.

Every role of the stack is scoped to the clusters in the configuration (infra/permissions.py) and
the database steps may read only the configured secrets (infra/database_access.py), so on AWS an
execution for a cluster that is not configured stops at its first call with AccessDenied, and the
in-database checks of an unconfigured secret are skipped. A scenario names the cluster it rehearses
and the secret its input uses; when the synthesized template was not configured for them, the
simulator synthesizes the same app with them added to the configuration (kept inside cdk.out and
reused while the sources are unchanged), as a user would add them to cdk.json before deploying. A
scenario that wants to see the refusal sets ``"configured": false``.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from simulator.engine.template import template_path


def _configured(cdk_out: Path, key: str) -> list[str]:
    path = template_path(cdk_out)
    stat = path.stat()
    return list(_configuration_of(path, stat.st_mtime_ns, stat.st_size).get(key, ()))


@functools.lru_cache(maxsize=32)
def _configuration_of(path: Path, mtime_ns: int, size: int) -> dict[str, tuple[str, ...]]:
    """The template's configuration metadata, read once per version of the file (every run asks for it)."""
    metadata = json.loads(path.read_text()).get("Metadata", {}).get("AuroraUpgrade", {})
    return {key: tuple(str(v) for v in values) for key, values in metadata.items() if isinstance(values, list)}


def missing_from(cdk_out: Path, inputs: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """The clusters and database secrets the inputs name that the template's roles do not cover."""
    clusters = {str(given["cluster_id"]) for given in inputs if isinstance(given.get("cluster_id"), str)}
    secrets = {
        str(given["database"]["secret_arn"])
        for given in inputs
        if isinstance(given.get("database"), dict) and isinstance(given["database"].get("secret_arn"), str)
    }
    patterns = _configured(cdk_out, "secrets")
    return (
        clusters - set(_configured(cdk_out, "clusters")),
        {arn for arn in secrets if not any(fnmatchcase(arn, p) or fnmatchcase(f"{arn}-abcdef", p) for p in patterns)},
    )


def variant_for(cdk_out: Path, clusters: set[str], secrets: set[str], stale: Any) -> Path:
    """A synthesis of cdk.json's configuration plus the missing clusters and secrets, inside ``cdk_out``."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from infra.app_factory import _cdk_json_context, build_app
    from infra.config import CONTEXT_KEY

    key = hashlib.sha256(",".join([*sorted(clusters), *sorted(secrets)]).encode()).hexdigest()[:12]
    outdir = cdk_out / "scenario-configurations" / key  # inside cdk.out: ignored by git and linters
    if not stale(template_path(outdir)):
        return outdir
    outdir.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(outdir.with_name(f"{key}.lock")):  # another process may be synthesizing the same variant
        if stale(template_path(outdir)):
            base = _base_configuration(_cdk_json_context())
            access = dict(base.get("database_access") or {})
            # Secrets Manager appends "-" and six random characters to a secret's ARN
            access["secret_arns"] = [*access.get("secret_arns", []), *(f"{arn}-??????" for arn in sorted(secrets))]
            config = {**base, "clusters": [*base.get("clusters", []), *sorted(clusters)], "database_access": access}
            build_app(outdir=str(outdir), context={CONTEXT_KEY: config}).synth()
    return outdir


@contextlib.contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold ``lock_file``'s lock: one process at a time (simulations run side by side share a cdk.out)."""
    with lock_file.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


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
