"""Builds the CDK app in-process, so app.py, the tests and the simulator synthesize the same thing."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.config import CONTEXT_KEY, FILE_CONTEXT_KEY, ConfigError, DeploymentConfig, load_config_file, parse_config
from infra.stack import AuroraUpgradeStack

REPO_ROOT = Path(__file__).resolve().parent.parent
STACK_NAME = "AuroraUpgradeStack"


def build_app(outdir: str | None = None, context: Mapping[str, Any] | None = None) -> cdk.App:
    """The app with its one stack and cdk-nag's AwsSolutions checks; call ``.synth()`` on it.

    ``outdir``: where the cloud assembly goes (default: $CDK_OUTDIR, which the CDK CLI sets,
    else <repo>/cdk.out). ``context``: overrides cdk.json's context key by key (tests pass a
    different ``aurora-upgrade`` or ``aurora-upgrade-file`` this way; either replaces cdk.json's
    configuration as a whole). Raises ConfigError, naming the field, on a bad config.
    """
    overrides = dict(context or {})
    defaults = _cdk_json_context()
    if CONTEXT_KEY in overrides or FILE_CONTEXT_KEY in overrides:
        defaults = {key: value for key, value in defaults.items() if key not in (CONTEXT_KEY, FILE_CONTEXT_KEY)}
    # `python app.py` runs without the CLI, which is what normally injects cdk.json's context
    merged = {**defaults, **overrides}
    app = cdk.App(outdir=outdir or os.environ.get("CDK_OUTDIR") or str(REPO_ROOT / "cdk.out"), context=merged)
    config = _config_of(app)
    AuroraUpgradeStack(app, STACK_NAME, config=config)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def _config_of(app: cdk.App) -> DeploymentConfig:
    """Read the final context (the CLI's -c and CDK_CONTEXT_JSON win over cdk.json).

    The configuration is inline (``aurora-upgrade``) or in a YAML/JSON file named by
    ``aurora-upgrade-file`` (relative paths from the folder of cdk.json). A named file is the
    configuration: an inline one is then ignored, with a warning on stderr.
    """
    raw = app.node.try_get_context(CONTEXT_KEY)
    file = app.node.try_get_context(FILE_CONTEXT_KEY)
    if file is not None:
        if raw is not None:
            print(
                f"[aurora-upgrade] cdk context '{FILE_CONTEXT_KEY}' names the configuration file: "
                f"the inline '{CONTEXT_KEY}' is ignored",
                file=sys.stderr,
            )
        if not isinstance(file, str) or not file.strip():
            raise ConfigError(f"cdk context '{FILE_CONTEXT_KEY}' must be a file path (got {file!r})")
        path = Path(file)
        return load_config_file(path if path.is_absolute() else REPO_ROOT / path)
    if isinstance(raw, str):  # `cdk synth -c aurora-upgrade='{...}'` arrives as a string
        try:
            raw = json.loads(raw)
        except ValueError as error:
            raise ConfigError(f"cdk context '{CONTEXT_KEY}' is not valid JSON: {error}") from None
    return parse_config(raw)


def _cdk_json_context() -> dict[str, Any]:
    cdk_json = REPO_ROOT / "cdk.json"
    if not cdk_json.exists():
        return {}
    context = json.loads(cdk_json.read_text(encoding="utf-8")).get("context", {})
    return dict(context) if isinstance(context, dict) else {}
