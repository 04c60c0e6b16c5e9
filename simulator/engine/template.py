"""Read the synthesized CloudFormation template: the state machine definition and its functions.

What the simulator runs is what CDK would deploy: the definition string of the template
(with its intrinsic functions resolved to simulated ARNs) and each function's handler
loaded from the synthesized asset folder.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ACCOUNT = "123456789012"
STACK_NAME = "AuroraUpgradeStack"

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    handler: str
    asset_dir: Path
    environment: dict[str, Any]


@dataclass(frozen=True)
class SynthesizedWorkflow:
    definition: dict[str, Any]  # the upgrade state machine's
    functions: dict[str, FunctionSpec]
    topic_logical_ids: list[str]
    resources: dict[str, Any]
    fleet_definition: dict[str, Any] | None = None  # the fleet state machine's (infra/fleet.py)

    def function_arn(self, logical_id: str, region: str) -> str:
        return f"arn:aws:lambda:{region}:{ACCOUNT}:function:{logical_id}"


def template_path(cdk_out: Path) -> Path:
    return cdk_out / f"{STACK_NAME}.template.json"


def load_workflow(cdk_out: Path, region: str) -> SynthesizedWorkflow:
    template = json.loads(template_path(cdk_out).read_text())
    resources: dict[str, Any] = template["Resources"]
    resolver = _Resolver(resources, region)
    machines = {
        resolver.text(r["Properties"]["StateMachineName"]): json.loads(
            resolver.text(r["Properties"]["DefinitionString"])
        )
        for r in resources.values()
        if r["Type"] == "AWS::StepFunctions::StateMachine"
    }
    if f"{STACK_NAME}-upgrade" not in machines:
        raise ValueError(f"no {STACK_NAME}-upgrade state machine in the template, found {sorted(machines)}")
    definition = machines[f"{STACK_NAME}-upgrade"]
    functions = {
        logical_id: FunctionSpec(
            logical_id=logical_id,
            handler=resource["Properties"]["Handler"],
            asset_dir=_asset_dir(cdk_out, resource),
            environment=resource["Properties"].get("Environment", {}).get("Variables", {}),
        )
        for logical_id, resource in resources.items()
        if resource["Type"] == "AWS::Lambda::Function" and "Handler" in resource["Properties"]
    }
    topics = [logical_id for logical_id, r in resources.items() if r["Type"] == "AWS::SNS::Topic"]
    return SynthesizedWorkflow(
        definition=definition,
        functions=functions,
        topic_logical_ids=topics,
        resources=resources,
        fleet_definition=machines.get(f"{STACK_NAME}-fleet"),
    )


class _Resolver:
    """Resolve the few intrinsics CDK puts in a definition string into simulated values."""

    def __init__(self, resources: dict[str, Any], region: str) -> None:
        self._resources = resources
        self._region = region

    def text(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(self.text(part) for part in parts)
        if "Fn::GetAtt" in value:
            logical_id, attribute = value["Fn::GetAtt"]
            return self._attribute(logical_id, attribute)
        if "Ref" in value:
            return self._ref(value["Ref"])
        raise ValueError(f"unsupported intrinsic in the definition: {value}")

    def _attribute(self, logical_id: str, attribute: str) -> str:
        kind = self._resources[logical_id]["Type"]
        if kind == "AWS::Lambda::Function" and attribute == "Arn":
            return f"arn:aws:lambda:{self._region}:{ACCOUNT}:function:{logical_id}"
        raise ValueError(f"unsupported attribute {logical_id}.{attribute} ({kind})")

    def _ref(self, name: str) -> str:
        pseudo = pseudo_parameters(self._region)
        if name in pseudo:
            return pseudo[name]
        kind = self._resources[name]["Type"]
        if kind == "AWS::SNS::Topic":
            return topic_arn(name, self._region)
        if kind == "AWS::StepFunctions::StateMachine":  # the fleet's definition names the upgrade state machine
            machine_name = self.text(self._resources[name]["Properties"]["StateMachineName"])
            return f"arn:aws:states:{self._region}:{ACCOUNT}:stateMachine:{machine_name}"
        raise ValueError(f"unsupported Ref {name} ({kind})")


def pseudo_parameters(region: str) -> dict[str, str]:
    """CloudFormation's pseudo parameters as the simulated deployment has them."""
    return {
        "AWS::Partition": "aws",
        "AWS::Region": region,
        "AWS::AccountId": ACCOUNT,
        "AWS::StackName": STACK_NAME,
        "AWS::URLSuffix": "amazonaws.com",
    }


def topic_arn(logical_id: str, region: str) -> str:
    return f"arn:aws:sns:{region}:{ACCOUNT}:{logical_id}"


def _asset_dir(cdk_out: Path, resource: dict[str, Any]) -> Path:
    metadata_path = resource.get("Metadata", {}).get("aws:asset:path")
    if metadata_path:
        return cdk_out / metadata_path
    key = resource["Properties"]["Code"]["S3Key"]
    return cdk_out / f"asset.{str(key).split('.')[0]}"


def load_handler(spec: FunctionSpec) -> Handler:
    """Import the handler from the synthesized asset, not from the source tree."""
    asset = str(spec.asset_dir.resolve())
    if sys.path[:1] != [asset]:
        _forget_modules_of(spec.asset_dir)
        if asset in sys.path:
            sys.path.remove(asset)
        sys.path.insert(0, asset)
    module_name, _, attribute = spec.handler.rpartition(".")
    module = importlib.import_module(module_name)
    handler: Handler = getattr(module, attribute)
    return handler


# The handler modules a run imported from the assets, kept for the next run with the same assets and import-time
# environment: importing them again costs a sixth of a simulated run. What a handler module holds at module level
# (Powertools' Logger and Metrics, settings read from the environment at import) is what a warm Lambda execution
# environment keeps between invocations too; the key holds everything the import could have read.
_IMPORTED: dict[tuple[Any, ...], dict[str, ModuleType]] = {}


@contextmanager
def isolated_imports(asset_dirs: set[Path], environment: dict[str, str]) -> Iterator[None]:
    """Load handlers from the assets for one run, then give the process back its own modules and path.

    ``environment``: the variables set while the handlers are imported (the same run after run gets the modules
    imported by the first)."""
    packages = {name for d in asset_dirs for name in _packages(d)}
    saved_path = list(sys.path)
    # the process's own modules (the source tree's) come back after the run; a module an earlier run's thread
    # imported late from another synthesis (a scenario's configured variant) must not: its exception classes are
    # not this run's, and an ``except`` in this run's handler would not catch them
    saved = {
        name: module
        for name, module in sys.modules.items()
        if name.split(".")[0] in packages and not _from_a_synthesis(module)
    }
    key = (
        tuple(sorted((str(d.resolve()), _newest_change(d)) for d in asset_dirs)),
        tuple(sorted(environment.items())),
    )
    if key in _IMPORTED:
        for name in [n for n in sys.modules if n.split(".")[0] in packages]:
            del sys.modules[name]
        sys.modules.update(_IMPORTED[key])
    try:
        yield
    finally:
        imported = {n: m for n, m in sys.modules.items() if n.split(".")[0] in packages}
        if all(_from_assets(module, asset_dirs) for module in imported.values()):
            _IMPORTED[key] = imported
        for name in imported:
            del sys.modules[name]
        sys.modules.update(saved)
        sys.path[:] = saved_path


def _newest_change(asset_dir: Path) -> float:
    """The latest modification under the asset (a new synth into the same folder makes new modules)."""
    return max((p.stat().st_mtime for p in asset_dir.rglob("*.py")), default=0.0)


def _packages(asset_dir: Path) -> set[str]:
    """The asset's top-level packages, namespace packages (a folder of modules without ``__init__.py``) included: a
    handler module left behind from another synthesis would keep that synthesis's exception classes."""
    return {p.name for p in asset_dir.iterdir() if p.is_dir() and any(p.glob("*.py"))}


def _from_a_synthesis(module: ModuleType) -> bool:
    """Loaded from a synthesized asset folder (``asset.<hash>`` in a cdk.out), not from the source tree."""
    return any(part.startswith("asset.") for part in Path(getattr(module, "__file__", None) or "").parts)


def _from_assets(module: ModuleType, asset_dirs: set[Path]) -> bool:
    origin = getattr(module, "__file__", None) or ""
    return any(origin.startswith(str(d.resolve())) for d in asset_dirs)


def _forget_modules_of(asset_dir: Path) -> None:
    """Drop same-named modules imported from elsewhere (the source tree) so the asset's load."""
    packages = _packages(asset_dir)
    for name in list(sys.modules):
        if name.split(".")[0] in packages:
            module = sys.modules[name]
            origin = getattr(module, "__file__", None) or ""
            if not origin.startswith(str(asset_dir.resolve())):
                del sys.modules[name]
