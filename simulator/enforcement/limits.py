"""Step Functions' payload and history limits, held as AWS holds them.

moto's interpreter already fails a state whose result or output reaches 256 KiB with
``States.DataLimitExceeded``, but its ``States.ALL`` then catches (and retries) it, and it keeps no
history limit at all. The patches here close both gaps:

* "Error handling in Step Functions" (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html):
  ``States.ALL`` "can't catch the States.DataLimitExceeded terminal error or Runtime error types";
  a Retry or Catch naming ``States.DataLimitExceeded`` or ``States.Runtime`` explicitly still matches.
  The same page: DataLimitExceeded is also reported "when, after Parameters processing, the input of a
  state is larger than the payload size quota", which moto does not check for a Lambda task's payload.
* "Avoid reaching the history quota" (https://docs.aws.amazon.com/step-functions/latest/dg/bp-history-limit.html):
  the history holds at most 25,000 events; when event 25,000 is not ``ExecutionSucceeded``, an
  ``ExecutionFailed`` event is logged and the execution fails. The error and cause AWS gives are
  ``States.Runtime`` / "The execution reached the maximum number of history events (25000)."
  (as users report it, e.g. github.com/loads/ardere/issues/86). No Catch sees it: the execution, not a
  state, fails.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final
from unittest import mock

from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import StatesErrorNameType
from moto.stepfunctions.parser.asl.component.program.program import Program
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager

# Step Functions service quotas (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html):
# "Maximum input or output size for a task, state, or execution: 256 KiB of data as a UTF-8 encoded string".
MAX_PAYLOAD_BYTES: Final = 256 * 1024
MAX_HISTORY_EVENTS: Final = 25_000
HISTORY_LIMIT_ERROR: Final = "States.Runtime"
HISTORY_LIMIT_CAUSE: Final = f"The execution reached the maximum number of history events ({MAX_HISTORY_EVENTS})."

_ALL = StatesErrorName(typ=StatesErrorNameType.StatesALL)
_NOT_CAUGHT_BY_ALL = (
    StatesErrorName(typ=StatesErrorNameType.StatesStatesDataLimitExceeded),
    StatesErrorName(typ=StatesErrorNameType.StatesRuntime),
)

PATCHED = (
    (ErrorEqualsDecl, "_eval_body"),
    (EventManager, "add_event"),
    (Program, "_eval_body"),
)


# The root environment of each running execution, by its event manager (frames share their root's).
_EXECUTIONS: weakref.WeakKeyDictionary[EventManager, Any] = weakref.WeakKeyDictionary()


def payload_bytes(value: Any) -> int:
    """The size Step Functions counts: the UTF-8 bytes of the JSON text (a Lambda payload is already those bytes)."""
    if isinstance(value, bytes):
        return len(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return len(text.encode("utf-8"))


def verify_task_input(env: Any, state_name: str, payload: Any) -> None:
    """A task's input after Parameters processing: past the quota, States.DataLimitExceeded."""
    if payload_bytes(payload) <= MAX_PAYLOAD_BYTES:
        return
    error = StatesErrorNameType.StatesStatesDataLimitExceeded
    cause = (
        f"The state/task '{state_name}' has an input with a size exceeding the maximum number of bytes service limit."
    )
    raise FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=error),
            event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(
                taskFailedEventDetails=TaskFailedEventDetails(error=error.to_name(), cause=cause)
            ),
        )
    )


def _matches(original: Callable[[ErrorEqualsDecl, Any], None]) -> Callable[[ErrorEqualsDecl, Any], None]:
    def matches(self: ErrorEqualsDecl, env: Any) -> None:
        error_name = env.stack[-1]
        if self.error_names == [_ALL] and error_name in _NOT_CAUGHT_BY_ALL:
            env.stack.pop()
            env.stack.append(False)
            return
        original(self, env)

    return matches


def _history_limit_failure(env: Any) -> FailureEventException:
    details = ExecutionFailedEventDetails(error=HISTORY_LIMIT_ERROR, cause=HISTORY_LIMIT_CAUSE)
    return FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=StatesErrorNameType.StatesRuntime),
            event_type=HistoryEventType.ExecutionFailed,
            event_details=EventDetails(executionFailedEventDetails=details),
        )
    )


def _counted(original: Callable[..., int]) -> Callable[..., int]:
    """Event 25,000 may only end the execution: any other event fails it with States.Runtime instead.

    The failure is raised where the event would have been added, as a States.Runtime failure that no
    ``States.ALL`` Retry or Catch matches, so it climbs to the program, which then logs ExecutionFailed.
    """

    def add_event(self: EventManager, context: Any, event_type: Any, *args: Any, **kwargs: Any) -> int:
        final = event_type in (HistoryEventType.ExecutionSucceeded, HistoryEventType.ExecutionFailed)
        execution = _EXECUTIONS.get(self)
        if execution is not None and not final and len(self._history_event_list) >= MAX_HISTORY_EVENTS - 1:
            raise _history_limit_failure(execution)
        return original(self, context, event_type, *args, **kwargs)

    return add_event


def _watched(original: Callable[[Program, Any], None]) -> Callable[[Program, Any], None]:
    def eval_body(self: Program, env: Any) -> None:
        if not env.is_frame():
            _EXECUTIONS[env.event_manager] = env
        original(self, env)

    return eval_body


@contextmanager
def step_functions_limits() -> Iterator[None]:
    """Within this block moto's interpreter keeps the payload and history limits as AWS does."""
    with (
        mock.patch.object(ErrorEqualsDecl, "_eval_body", _matches(ErrorEqualsDecl._eval_body)),
        mock.patch.object(EventManager, "add_event", _counted(EventManager.add_event)),
        mock.patch.object(Program, "_eval_body", _watched(Program._eval_body)),
    ):
        yield
