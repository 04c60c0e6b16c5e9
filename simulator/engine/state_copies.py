"""moto's Step Functions interpreter copies the state's JSON at every step (input, result, output, events): with
``copy.deepcopy``, a sixth of a simulated run. A pickle round trip makes the same copy five times faster.

For the plain data an execution holds (dicts, lists, strings, numbers, booleans, None) the two copies are the same:
equal values, nothing shared with the original, shared parts shared alike in the copy. Anything pickle cannot copy
is handed to ``copy.deepcopy`` as before. Only the interpreter's modules see the faster copy.
"""

from __future__ import annotations

import copy
import pickle
from types import ModuleType
from typing import Any

# the interpreter's modules that call copy.deepcopy on state data (tests/simulator/test_state_copies.py finds them)
INTERPRETER_MODULES = (
    "moto.stepfunctions.parser.asl.component.common.path.result_path",
    "moto.stepfunctions.parser.asl.component.common.string.string_expression",
    "moto.stepfunctions.parser.asl.component.intrinsic.function.statesfunction.json_manipulation.json_merge",
    "moto.stepfunctions.parser.asl.component.state.exec.execute_state",
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map",
    "moto.stepfunctions.parser.asl.component.state.exec.state_parallel.state_parallel",
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service",
    "moto.stepfunctions.parser.asl.eval.event.event_manager",
    "moto.stepfunctions.parser.asl.eval.states",
)


def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    if memo is None:
        try:
            return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        except (pickle.PicklingError, TypeError, AttributeError):
            pass
    return copy.deepcopy(value, memo)


class _CopyModule(ModuleType):
    """``copy`` as the interpreter's modules see it: the same module, with the faster ``deepcopy``."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


_FAST_COPY = _CopyModule("copy")
_FAST_COPY.deepcopy = deepcopy  # type: ignore[attr-defined]


def copy_states_faster() -> None:
    """Give the interpreter's modules the faster copy (for the process; idempotent)."""
    import importlib

    for name in INTERPRETER_MODULES:
        module = importlib.import_module(name)
        if module.copy is not _FAST_COPY:
            module.copy = _FAST_COPY
