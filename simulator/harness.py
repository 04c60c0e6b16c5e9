"""Make moto's Step Functions interpreter run the real handlers, without sleeping.

moto executes the ASL (``execute_state_machine``) but its Lambda needs Docker. The three
patches below are the only contact points with moto's internals; ``tests`` hold a canary
that fails loudly if moto moves them.
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function

Handler = Callable[[dict[str, Any], Any], Any]

PATCHED = (
    (lambda_eval_utils, "_invoke_lambda_function"),
    (wait_function.WaitFunction, "_wait_interval"),
    (retrier_decl, "time"),
)


@dataclass
class Event:
    """One thing that happened, on the simulated clock (seconds since the start)."""

    at_seconds: float
    kind: str  # "invoke" | "error" | "wait" | "retry"
    name: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Recorder:
    clock_seconds: float = 0.0
    waits: list[int] = field(default_factory=list)
    retry_sleeps: list[float] = field(default_factory=list)
    invocations: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def reset(self) -> None:
        """Start counting a new execution."""
        self.clock_seconds = 0.0
        self.waits.clear()
        self.retry_sleeps.clear()
        self.invocations.clear()
        self.events.clear()

    def wait(self, seconds: int) -> None:
        self.waits.append(int(seconds))
        self.events.append(Event(self.clock_seconds, "wait", "Wait", {"seconds": int(seconds)}))
        self.clock_seconds += seconds

    def sleep(self, seconds: float) -> None:
        self.retry_sleeps.append(float(seconds))
        self.events.append(Event(self.clock_seconds, "retry", "Retry", {"seconds": float(seconds)}))
        self.clock_seconds += seconds


@dataclass
class LambdaFunction:
    handler: Handler
    environment: dict[str, str]


class _Context:
    """The parts of a Lambda context Powertools reads."""

    def __init__(self, name: str, region: str) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 256
        self.invoked_function_arn = f"arn:aws:lambda:{region}:123456789012:function:{name}"
        self.aws_request_id = f"sim-{name}"
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "simulated"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 120_000


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _invoker(functions: dict[str, LambdaFunction], recorder: Recorder) -> Callable[..., dict[str, Any]]:
    def invoke(parameters: dict[str, Any], region: str, state_credentials: Any) -> dict[str, Any]:
        name = str(parameters["FunctionName"]).split(":function:")[-1].split(":")[0]
        function = functions[name]
        raw = parameters.get("Payload") or b"{}"
        payload = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
        recorder.invocations.append(name)
        try:
            with _environment(function.environment):
                result = function.handler(payload, _Context(name, region))
        except Exception as error:  # the shape of an unhandled Lambda error: Retry/Catch match errorType
            recorder.events.append(
                Event(recorder.clock_seconds, "error", name, {"error": type(error).__name__, "message": str(error)})
            )
            return {
                "StatusCode": 200,
                "FunctionError": "Unhandled",
                "Payload": {
                    "errorType": type(error).__name__,
                    "errorMessage": str(error),
                    "stackTrace": traceback.format_exception(error)[-3:],
                },
            }
        recorder.events.append(Event(recorder.clock_seconds, "invoke", name, {"result": result}))
        return {"StatusCode": 200, "Payload": json.loads(json.dumps(result))}

    return invoke


class _RecordingTime:
    """Stands in for the ``time`` module inside moto's retrier: sleeps are recorded."""

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder

    def sleep(self, seconds: float) -> None:
        self._recorder.sleep(seconds)

    def __getattr__(self, name: str) -> Any:
        import time

        return getattr(time, name)


@contextmanager
def local_lambdas(functions: dict[str, LambdaFunction]) -> Iterator[Recorder]:
    """Route every Lambda task of the executed ASL to in-process handlers."""
    recorder = Recorder()

    def record_wait(self: Any, env: Any, wait_seconds: int) -> None:
        recorder.wait(wait_seconds)

    with (
        mock.patch.object(lambda_eval_utils, "_invoke_lambda_function", _invoker(functions, recorder)),
        mock.patch.object(wait_function.WaitFunction, "_wait_interval", record_wait),
        mock.patch.object(retrier_decl, "time", _RecordingTime(recorder)),
    ):
        yield recorder
