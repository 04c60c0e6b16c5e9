"""Parse once per process what moto's interpreter parses again and again: definitions and JSONPath expressions.

moto parses a state machine's definition (ANTLR, in Python) when it is created and again when each execution
starts, about a tenth of a simulated run; and it parses every JSONPath (``InputPath``, ``ResultPath``, ``$.x``
references) each time a state evaluates one, building jsonpath_ng's parser anew: a fifth of a long loop's time.
Neither parse keeps execution state: every value an execution computes lives in its ``Environment`` (retry counts,
the heap, the stack), jsonpath_ng's expressions are not changed by ``find`` or ``update_or_create``, and moto itself
runs one parsed branch in many threads (Parallel, Map). So the same text gets the same parse. A text that does
not parse raises as before, and nothing is kept of it.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import jsonpath_ng
import jsonpath_ng.ext
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.utils import json_path

_parse_definition = AmazonStateLanguageParser.parse
_definitions: dict[str, tuple[Any, Any]] = {}
_lock = threading.RLock()


def _definition_once(definition: str) -> tuple[Any, Any]:
    with _lock:
        if definition not in _definitions:
            _definitions[definition] = _parse_definition(definition)
        return _definitions[definition]


def parse_once() -> None:
    """Every parse of a definition or JSONPath text after this call returns the process's first parse of it."""
    AmazonStateLanguageParser.parse = staticmethod(_definition_once)  # type: ignore[method-assign]
    # the two modules import different parsers: the extended one (filters) for paths, the plain one for ResultPath
    json_path.parse = functools.lru_cache(maxsize=4096)(jsonpath_ng.ext.parse)
    result_path.parse = functools.lru_cache(maxsize=4096)(jsonpath_ng.parse)  # type: ignore[attr-defined]
