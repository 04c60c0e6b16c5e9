"""The interpreter's faster copy of the state is the copy ``copy.deepcopy`` makes."""

from __future__ import annotations

import copy
import importlib
import re
from pathlib import Path

import moto.stepfunctions.parser as parser

from simulator.engine import state_copies
from simulator.engine.state_copies import INTERPRETER_MODULES, copy_states_faster, deepcopy

# modules of moto's interpreter that deep-copy something other than an execution's data: left as they are
NOT_STATE_DATA = {
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.result_writer_decl",  # self.__dict__
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.item_reader_decl",  # self.__dict__
    "moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.job",  # a job pool's bookkeeping
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.mock_eval_utils",  # mocked responses: unused
    "moto.stepfunctions.parser.asl.eval.environment",  # a frame's context object and program state: small
    "moto.stepfunctions.parser.models",  # a state machine at the start of an execution
    "moto.stepfunctions.parser.provider",  # a state machine at the start of an execution
    "moto.stepfunctions.parser.backend.alias",  # an alias's routing configuration
}


def test_every_interpreter_module_that_copies_state_gets_the_faster_copy() -> None:
    root = Path(parser.__file__).parent
    copying = {
        "moto.stepfunctions.parser." + ".".join(path.relative_to(root).with_suffix("").parts)
        for path in root.rglob("*.py")
        if re.search(r"\bcopy\.deepcopy\(", path.read_text())
    }
    assert copying - NOT_STATE_DATA == set(INTERPRETER_MODULES), "moto moved its copies: update INTERPRETER_MODULES"
    copy_states_faster()
    for name in INTERPRETER_MODULES:
        module = importlib.import_module(name)
        assert module.copy.deepcopy is deepcopy, name
        assert module.copy.copy is copy.copy, "the rest of the copy module is the copy module's"


def test_the_faster_copy_is_equal_independent_and_shares_what_the_original_shares() -> None:
    shared = {"id": "prod-db", "tags": [{"Key": "team", "Value": "data"}]}
    state = {"cluster": shared, "again": shared, "numbers": [1, 2.5, None, True, "x"], "nested": {"a": {"b": []}}}
    copied = deepcopy(state)
    assert copied == state == copy.deepcopy(state)
    assert copied["again"] is copied["cluster"], "one object twice in the original, one object twice in the copy"
    copied["cluster"]["tags"].append("changed")
    copied["nested"]["a"]["b"].append(1)
    assert shared["tags"] == [{"Key": "team", "Value": "data"}] and state["nested"]["a"]["b"] == []


def test_what_pickle_cannot_copy_is_deep_copied_as_before() -> None:
    def local() -> None:  # a local function cannot be pickled; deepcopy keeps functions as they are
        return None

    value = {"call": local, "data": [1, {"x": 2}]}
    copied = state_copies.deepcopy(value)
    assert copied["call"] is local and copied["data"] == [1, {"x": 2}] and copied["data"] is not value["data"]
