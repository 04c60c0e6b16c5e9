"""What a handler's cold import pulls in: the X-Ray SDK only when the deployment traces AWS calls, pg8000 only when a
session is opened directly, no pydantic validator built before a model is used. `make bench` measures the times
(docs/benchmark.md); this checks the causes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"
HANDLERS = sorted(p.parent.name for p in LAMBDAS.glob("*/handler.py"))

_PROBE = """
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
for name in json.loads(sys.argv[2]):
    importlib.import_module(name + ".handler")
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""

_MODULES_PROBE = """
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
for name in json.loads(sys.argv[2]):
    importlib.import_module(name + ".handler")
print(json.dumps(sorted(sys.modules)))
"""

# every model class of ours that the handlers' import defined, and those of them whose validator was built
_MODELS_PROBE = """
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
for name in json.loads(sys.argv[2]):
    importlib.import_module(name + ".handler")
from pydantic import BaseModel
classes, pending = [], [BaseModel]
while pending:
    for sub in pending.pop().__subclasses__():
        pending.append(sub)
        if sub.__module__.split(".")[0] != "pydantic":
            classes.append(sub)
print(json.dumps({
    "defined": sorted(c.__module__ + "." + c.__qualname__ for c in classes),
    "postponing": sorted({c.__module__ for c in classes if hasattr(sys.modules[c.__module__], "annotations")}),
    "built": sorted(c.__module__ + "." + c.__qualname__ for c in classes if c.__pydantic_complete__),
}))
"""


def _probe(code: str, handlers: list[str], trace_aws_calls: str = "false") -> Any:
    environment = {
        "AWS_LAMBDA_FUNCTION_NAME": "probe",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "probe",
        "AWS_SECRET_ACCESS_KEY": "probe",
        "TRACE_AWS_CALLS": trace_aws_calls,
    }
    probe = subprocess.run(
        [sys.executable, "-I", "-c", code, str(LAMBDAS), json.dumps(handlers)],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(probe.stdout)


def _imported(handlers: list[str], trace_aws_calls: str) -> set[str]:
    return set(_probe(_PROBE, handlers, trace_aws_calls))


def test_no_handler_imports_the_xray_sdk_or_pg8000_at_cold_start():
    assert len(HANDLERS) >= 15
    imported = _imported(HANDLERS, "false")
    assert {"boto3", "pydantic", "aws_lambda_powertools"} <= imported
    assert "aws_xray_sdk" not in imported
    assert "pg8000" not in imported


def test_tracing_aws_calls_brings_the_tracer():
    assert "aws_xray_sdk" in _imported(["snapshot"], "true")


def test_no_model_validator_is_built_at_import():
    """Every model of ours defers its build (upgrade.shared.base_model): importing a handler defines its models and
    builds none of them; a model is built when it first validates or serialises."""
    models = _probe(_MODELS_PROBE, HANDLERS)
    assert len(models["defined"]) >= 50  # the probe sees the models (it would pass vacuously otherwise)
    assert "upgrade.shared.models.WorkflowState" in models["defined"]
    assert models["built"] == []


def test_no_model_module_postpones_its_annotations():
    """``from __future__ import annotations`` makes pydantic compile every field's annotation from its text when the
    class is defined (upgrade.shared.base_model says why the model modules do without it)."""
    models = _probe(_MODELS_PROBE, HANDLERS)
    assert "upgrade.shared.models" in {name.rpartition(".")[0] for name in models["defined"]}
    assert models["postponing"] == []


# What a handler's module leaves to the call that needs it (a cold start pays for what its payload uses): the
# notifier's outcome and event paths; the fleet's planning and the workflow state's models (a fleet has none); the
# in-database code of the steps that run SQL only when the input gives database access (preflight, post-upgrade,
# consistency check); and the wrappers of the AWS services a step never calls (upgrade.shared.runtime.Clients).
NOT_AT_IMPORT = {
    "notify": [
        "upgrade.notifications.events",
        "upgrade.notifications.outcome",
        "upgrade.preflight",
        "upgrade.post_upgrade",
    ],
    "approval": [
        "upgrade.notifications.events",
        "upgrade.notifications.outcome",
        "upgrade.preflight",
        "upgrade.post_upgrade",
        "upgrade.approval.decision",
    ],
    # the function URL a person's click reaches: neither the request's notification nor the workflow state
    "approval_decision": ["upgrade.notifications", "upgrade.shared.models", "upgrade.approval.gate", "aws.sns"],
    "preflight": [
        "upgrade.preflight.sql_runner",
        "upgrade.preflight.sql_checks",
        "upgrade.preflight.in_database",
        "upgrade.database",
        "aws.rds_data",
    ],
    "post_upgrade": ["upgrade.post_upgrade.work", "upgrade.database.access", "aws.rds_data"],
    "consistency": ["upgrade.consistency.compare", "upgrade.database.access", "aws.rds_data"],
    "fleet": [
        "upgrade.fleet.planning",
        "upgrade.shared.models",
        "upgrade.preflight",
        "upgrade.post_upgrade",
        "upgrade.strategies",
        "upgrade.recovery",
    ],
    "capacity": ["aws.s3", "aws.sns", "aws.stepfunctions"],
    "target_parameters": ["upgrade.preparation.source_parameters", "upgrade.waiting"],  # another step's code
}


@pytest.mark.parametrize("handler", sorted(NOT_AT_IMPORT))
def test_a_handler_imports_only_what_its_payloads_always_use(handler):
    imported = set(_probe(_MODULES_PROBE, [handler]))
    assert f"{handler}.handler" in imported
    for module in NOT_AT_IMPORT[handler]:
        assert not {name for name in imported if name == module or name.startswith(module + ".")}, module
