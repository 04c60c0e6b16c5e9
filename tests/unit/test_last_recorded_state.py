"""The safety net reads the workflow state off the history: the newest exit that holds the whole state, not the part
a Parallel branch's state exits with (the switchover probe's result), whichever branch exited last."""

from __future__ import annotations

import json
from typing import Any

from aws.stepfunctions import StepFunctions
from upgrade.shared.shapes import is_workflow_state

WHOLE = {"input": {"cluster_id": "prod-db"}, "execution": {"name": "run"}, "switchover": {"ready": False}}
PROBE = {"measured": False, "not_measured": "no database access in the input"}


class _Client:
    def __init__(self, pages: list[list[tuple[int, dict[str, Any]]]]) -> None:
        self.pages = pages

    def get_paginator(self, operation: str) -> Any:
        assert operation == "get_execution_history"
        client = self

        class _Paginator:
            def paginate(self, **kwargs: Any) -> Any:
                assert kwargs["reverseOrder"] and kwargs["includeExecutionData"]
                for page in client.pages:
                    yield {
                        "events": [
                            {"id": n, "stateExitedEventDetails": {"name": "s", "output": json.dumps(output)}}
                            for n, output in page
                        ]
                    }

        return _Paginator()


def test_the_newest_whole_state_is_taken_past_a_branchs_part() -> None:
    history = _Client([[(41, WHOLE), (42, PROBE)]])
    assert StepFunctions(history).last_recorded_state("arn", is_workflow_state) == WHOLE
    assert StepFunctions(history).last_recorded_state("arn") == PROBE  # without the test: the newest exit


def test_a_page_of_parts_only_sends_the_search_to_the_next_page() -> None:
    history = _Client([[(42, PROBE)], [(30, WHOLE | {"execution": {"name": "older"}})]])
    assert StepFunctions(history).last_recorded_state("arn", is_workflow_state) == WHOLE | {
        "execution": {"name": "older"}
    }
