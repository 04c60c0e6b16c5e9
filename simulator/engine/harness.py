"""Make moto's Step Functions interpreter run the real handlers, without sleeping.

moto executes the ASL (``execute_state_machine``) but its Lambda needs Docker. The patches
below (and those of ``simulator.enforcement.limits``, which hold Step Functions' payload and history limits)
are the only contact points with moto's internals; ``tests`` hold a canary that fails loudly if
moto moves them.

Task faults (``task_error`` in a fault plan) are injected where the interpreter hands a Task
state's Lambda invocation over (``execute_lambda_function_integration``): there the interpreter's
environment names the state being run, so a fault is keyed by STATE, not by function (the Notify
function backs five states). The fault fires before the handler runs, shaped as Step Functions
sees the real failure:

* a handler's error name (``AwsThrottled``, ``SnapshotFailed``, ...) as the ``Unhandled`` function
  error moto builds from an invoke answering ``FunctionError`` (``errorType`` = the name);
* a ``Lambda.*`` name as a Lambda service error: error ``Lambda.<Code>`` with the AWS-style cause
  "... (Service: AWSLambda; Status Code: ...; Error Code: <Code>; ...)". moto's interpreter turns a
  ``ClientError`` raised by the invoke of a plain function ARN into the generic ``Exception``
  (``StateTaskLambda._from_error``), which no ``Lambda.*`` retrier would match, so the harness raises
  the failure event itself.
"""

from __future__ import annotations

import json
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, cast
from unittest import mock

import boto3
import botocore.endpoint
from botocore.exceptions import ClientError
from moto.core.botocore_stubber import BotocoreStubber
from moto.stepfunctions.parser.api import HistoryEventType, LambdaFunctionFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
    StateTaskServiceCallback,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from simulator.enforcement import limits
from simulator.rds.faults import FaultInjector, FaultPlan, TaskErrorFault

Handler = Callable[[dict[str, Any], Any], Any]

PATCHED = (
    (BotocoreStubber, "__call__"),
    (lambda_eval_utils, "_invoke_lambda_function"),
    (lambda_eval_utils, "execute_lambda_function_integration"),
    (wait_function.WaitFunction, "_wait_interval"),
    (retrier_decl, "time"),
    (botocore.endpoint, "time"),
    (StateTaskServiceCallback, "_wait_for_task_token_timeout"),
    (ExecutionWorker, "_get_evaluation_environment"),
    *limits.PATCHED,
)


@dataclass
class Event:
    """One thing that happened, on the simulated clock (seconds since the start)."""

    at_seconds: float
    kind: str  # "invoke" | "error" | "wait" | "retry" | "sdk-retry" | "callback"
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

    def sdk_sleep(self, seconds: float) -> None:
        """botocore's own backoff inside a handler (standard mode): time passes, no state transition."""
        self.events.append(Event(self.clock_seconds, "sdk-retry", "AWS SDK retry", {"seconds": float(seconds)}))
        self.clock_seconds += seconds

    def pass_time(self, seconds: float, why: str) -> None:
        """Time spent waiting for a task token (an event, a person, or the timeout)."""
        self.events.append(Event(self.clock_seconds, "callback", why, {"seconds": float(seconds)}))
        self.clock_seconds += seconds


@dataclass
class LambdaFunction:
    handler: Handler
    environment: dict[str, str]
    # the function's execution role: its AWS calls are authorized as that role (simulator.enforcement.iam)
    acting_as: Callable[[], AbstractContextManager[None]] = nullcontext
    # runs while other functions run (a Parallel branch beside the workflow's steps): see ``run_function``
    concurrent: bool = False


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


# os.environ is one per process, and each invocation sets its function's variables in it, then takes them out
# again. ``os.environ.copy()`` and ``os.environ.items()`` read the keys, then each value: a key taken out between
# the two fails them with a KeyError. botocore reads the environment both ways whenever it makes a client (its
# instance metadata fetcher copies it; its proxy lookup, urllib's getproxies_environment, walks its items), and a
# fleet's waiting tasks and the switchover probe make clients while another thread's invocation ends; so the
# changes and the readings take turns (``_copy_in_turn``, ``_items_in_turn``, in place while functions run:
# ``local_lambdas``; tests/simulator/test_environment_turns.py).
_ENVIRONMENT_CHANGES = threading.RLock()
_copy = os._Environ.copy
_items = os._Environ.items


def _copy_in_turn(self: Any) -> dict[str, str]:
    with _ENVIRONMENT_CHANGES:
        return _copy(self)  # type: ignore[no-any-return]


def _items_in_turn(self: Any) -> list[tuple[str, str]]:
    with _ENVIRONMENT_CHANGES:
        return list(_items(self))


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for a block, then put back what was there."""
    with _ENVIRONMENT_CHANGES:
        saved = {key: os.environ.get(key) for key in values}
        os.environ.update(values)
    try:
        yield
    finally:
        with _ENVIRONMENT_CHANGES:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@contextmanager
def _no_metrics_left() -> Iterator[None]:
    """Drop what a handler's metrics left behind: Powertools keeps metrics it did not flush (they are off in
    the simulator) in one store shared by every Metrics instance, and would print them all at the next flush
    that finds metrics on, in the middle of a report."""
    try:
        yield
    finally:
        from aws_lambda_powertools import Metrics

        Metrics().clear_metrics()


def function_name(arn: str) -> str:
    """``arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`` -> ``<name>``."""
    return arn.split(":function:")[-1].split(":")[0]


def task_functions(definition: dict[str, Any]) -> dict[str, str]:
    """Every Lambda Task state of a definition (Parallel and Map branches too) -> its function name."""
    found: dict[str, str] = {}
    for name, state in definition.get("States", {}).items():
        if state.get("Type") == "Task":
            resource = str(state.get("Resource", ""))
            if resource.startswith("arn:aws:states:::lambda:invoke"):
                resource = str(state.get("Parameters", {}).get("FunctionName", ""))
            if ":function:" in resource:
                found[name] = function_name(resource)
        for branch in state.get("Branches", []):
            found.update(task_functions(branch))
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                found.update(task_functions(state[key]))
    return found


def task_fault_injector(plan: FaultPlan, definition: dict[str, Any]) -> FaultInjector:
    """The injector of the plan's ``task_error`` faults; refuses a state that is no Lambda Task state."""
    unknown = sorted(plan.task_states() - task_functions(definition).keys())
    if unknown:
        raise ValueError(f"task_error faults name states that are not Lambda Task states of the definition: {unknown}")
    return FaultInjector(plan)


def run_function(
    functions: dict[str, LambdaFunction],
    recorder: Recorder,
    name: str,
    payload: dict[str, Any],
    region: str,
    via: str = "task",
) -> Any:
    """Run one function's real handler in-process, counted and timed like an invocation; errors propagate.

    ``via`` says who invoked it: a Task state of the workflow ("task"), or an EventBridge rule or a person ("event").
    """
    function = functions[name]
    recorder.invocations.append(name)
    started = time.perf_counter()
    # os.environ is one per process: two invocations that overlap would each put back what the other set (and leave
    # the last one's values behind). A concurrent function runs without the swap: its handler reads nothing from the
    # environment while it runs (the runtime read it at import, and the Region is the run's own), so only one
    # invocation at a time ever swaps it. Its role still holds: ``acting_as`` is per thread.
    own_environment = nullcontext() if function.concurrent else environment(function.environment)
    try:
        with own_environment, function.acting_as(), _no_metrics_left():
            result = function.handler(payload, _Context(name, region))
    except Exception as error:
        recorder.events.append(
            Event(recorder.clock_seconds, "error", name, {"error": type(error).__name__, "message": str(error)})
        )
        raise
    seconds = round(time.perf_counter() - started, 4)
    detail = {"result": result, "seconds": seconds, "via": via}
    recorder.events.append(Event(recorder.clock_seconds, "invoke", name, detail))
    return result


def _invoker(
    functions: dict[str, LambdaFunction], recorder: Recorder, before: Callable[[], None]
) -> Callable[..., dict[str, Any]]:
    def invoke(parameters: dict[str, Any], region: str, state_credentials: Any) -> dict[str, Any]:
        name = function_name(str(parameters["FunctionName"]))
        raw = parameters.get("Payload") or b"{}"
        payload = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
        before()
        try:
            result = run_function(functions, recorder, name, payload, region)
        except Exception as error:  # the shape of an unhandled Lambda error: Retry/Catch match errorType
            return {
                "StatusCode": 200,
                "FunctionError": "Unhandled",
                "Payload": {
                    "errorType": type(error).__name__,
                    "errorMessage": str(error),
                    "stackTrace": traceback.format_exception(error)[-3:],
                },
            }
        return {"StatusCode": 200, "Payload": json.loads(json.dumps(result))}

    return invoke


_LAMBDA_STATUS_CODES = {"TooManyRequestsException": 429, "ResourceNotReadyException": 502, "AWSLambdaException": 403}


def _task_failure(env: Any, fault: TaskErrorFault, function: str) -> Exception:
    """The exception the interpreter would meet if the invocation really failed that way."""
    if not fault.lambda_service_error:
        payload = {"errorType": fault.error, "errorMessage": fault.message, "stackTrace": ["injected by the harness"]}
        return lambda_eval_utils.LambdaFunctionErrorException("Unhandled", json.dumps(payload, separators=(",", ":")))
    code = fault.error.removeprefix("Lambda.")
    status = _LAMBDA_STATUS_CODES.get(code, 500)
    cause = (
        f"{fault.message} (Service: AWSLambda; Status Code: {status}; Error Code: {code}; "
        f"Request ID: sim-{function}; Proxy: null)"
    )
    details = LambdaFunctionFailedEventDetails(error=fault.error, cause=cause)
    event = FailureEvent(
        env=env,
        error_name=CustomErrorName(fault.error),
        event_type=HistoryEventType.LambdaFunctionFailed,
        event_details=cast(EventDetails, {"lambdaFunctionFailedEventDetails": details}),  # moto's TypedDict is total
    )
    return FailureEventException(failure_event=event)


def _faulty_integration(
    original: Callable[..., None], faults: FaultInjector, recorder: Recorder, may_invoke: Callable[[str, str], None]
) -> Callable[..., None]:
    """Wrap the interpreter's Lambda integration: a state's task fault fires before the invoke.

    The state machine's role must allow ``lambda:InvokeFunction`` on the function; when it does not, the
    task fails as AWS fails it: a Lambda service error ``Lambda.AWSLambdaException`` whose cause is the
    AccessDeniedException (Step Functions Developer Guide, "Handling errors": Lambda service exceptions).
    """

    def integration(env: Any, parameters: dict[str, Any], region: str, state_credentials: Any) -> None:
        state = str(env.next_state_name)
        limits.verify_task_input(env, state, parameters.get("Payload"))
        function = function_name(str(parameters["FunctionName"]))
        try:
            machine = str(env.states.context_object.context_object_data["StateMachine"]["Id"])
            may_invoke(str(parameters["FunctionName"]), machine)
        except ClientError as denied:
            refused = TaskErrorFault(
                kind="task_error", state=state, error="Lambda.AWSLambdaException", message=str(denied)
            )
            recorder.events.append(
                Event(
                    recorder.clock_seconds,
                    "error",
                    function,
                    {"error": refused.error, "message": refused.message, "state": state},
                )
            )
            raise _task_failure(env, refused, function) from denied
        fault = faults.task_fault(state, function)
        if fault is None:
            original(env=env, parameters=parameters, region=region, state_credentials=state_credentials)
            return
        detail = {"error": fault.error, "message": fault.message, "state": state, "injected": True}
        recorder.events.append(Event(recorder.clock_seconds, "error", function, detail))
        raise _task_failure(env, fault, function)

    return integration


# what a client takes from the environment when made: a client made under other values is another client
_CLIENT_ENVIRONMENT = (
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)


class _Clients:
    """The botocore clients of this process, by the arguments and environment they were made with."""

    def __init__(self) -> None:
        self.made: dict[tuple[Any, ...], tuple[Any, dict[str, Any]]] = {}
        self.lock = threading.RLock()  # a reuse inside a reuse asks the same cache

    def get(self, make: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        given = tuple(sorted((k, v if isinstance(v, str | int | float | None) else id(v)) for k, v in kwargs.items()))
        key = (args, given, tuple(os.environ.get(name) for name in _CLIENT_ENVIRONMENT))
        with self.lock:
            if key not in self.made:
                # kwargs kept alive with the client: an id in the key is valid while its object lives
                self.made[key] = (make(*args, **kwargs), kwargs)
            return self.made[key][0]

    def refill_retry_quotas(self) -> None:
        """Every client starts a run with a full retry quota, as a new one would (botocore's standard retry mode
        keeps 500 units per client; a retry takes 5, a success gives them back)."""
        from botocore.retries.quota import RetryQuota

        with self.lock:
            for client, _ in self.made.values():
                for checker in retry_quota_checkers(client):
                    checker._quota = RetryQuota()


def retry_quota_checkers(client: Any) -> list[Any]:
    """The holders of ``client``'s retry quota: botocore's standard mode registers one after each call."""
    from botocore.retries.standard import RetryQuotaChecker

    service = client.meta.service_model.service_id.hyphenize()
    handlers = client.meta.events._emitter._handlers.prefix_search(f"after-call.{service}")
    return [h.__self__ for h in handlers if isinstance(getattr(h, "__self__", None), RetryQuotaChecker)]


_CLIENTS = _Clients()


@contextmanager
def reused_clients() -> Iterator[None]:
    """``boto3.client`` hands back the client it made before for the same arguments and environment, in this run or
    an earlier one of the same process.

    The handlers make their clients inside each invocation (so that tests and the simulator reach moto), and making
    a botocore client costs about 9 ms of CPU: a tenth of a simulated run. A client made with the same arguments in
    the same environment behaves the same: moto's stubber, registered with every client made after moto's import,
    answers from the backends of the current mock; IAM is enforced per call, by the principal acting. Lambda's warm
    execution environments reuse clients the same way. The one state a client carries from call to call, its retry
    quota, is refilled at the start of every run.
    """
    make = boto3.client
    _CLIENTS.refill_retry_quotas()

    def client(*args: Any, **kwargs: Any) -> Any:
        return _CLIENTS.get(make, args, kwargs)

    with mock.patch.object(boto3, "client", client):
        yield


class _RecordingTime:
    """Stands in for the ``time`` module inside moto's retrier and botocore's endpoint: sleeps are recorded on the
    simulated clock (``sleep``: the ASL retrier's, ``Recorder.sleep``; botocore's backoff, ``Recorder.sdk_sleep``)."""

    def __init__(self, sleep: Callable[[float], None], after: Callable[[], None]) -> None:
        self._sleep = sleep
        self._after = after

    def sleep(self, seconds: float) -> None:
        self._sleep(seconds)
        self._after()

    def __getattr__(self, name: str) -> Any:
        import time

        return getattr(time, name)


class TokenWaits(Protocol):
    """What moves time while a task waits for its token (simulator.engine.callbacks.CallbackDriver)."""

    def wait(self, state: str, timeout_seconds: int, outcome: Callable[[], Any]) -> Any: ...

    def deliver_due(self) -> None: ...

    def settle(self) -> None: ...

    def acted(self) -> None: ...

    def now(self) -> datetime: ...


class _NoTokenWaits:
    """Without a driver, a task token is never sent: every such wait times out at once."""

    def wait(self, state: str, timeout_seconds: int, outcome: Callable[[], Any]) -> Any:
        return outcome()

    def deliver_due(self) -> None:
        return None

    def settle(self) -> None:
        return None

    def acted(self) -> None:
        return None

    def now(self) -> datetime:
        return datetime.now(UTC)


@contextmanager
def local_lambdas(
    functions: dict[str, LambdaFunction],
    task_faults: FaultInjector | None = None,
    recorder: Recorder | None = None,
    token_waits: TokenWaits | None = None,
    may_invoke: Callable[[str, str], None] = lambda function_arn, state_machine_arn: None,
) -> Iterator[Recorder]:
    """Route every Lambda task of the executed ASL to in-process handlers.

    ``task_faults`` hands out the plan's ``task_error`` faults (its ``log`` records each injection).
    ``token_waits`` answers ``waitForTaskToken`` tasks and hears of every move of the clock.
    ``may_invoke`` raises when the state machine's role may not invoke a function (simulator.enforcement.iam).
    """
    recorder = recorder if recorder is not None else Recorder()
    waits: TokenWaits = token_waits if token_waits is not None else _NoTokenWaits()
    faults = task_faults if task_faults is not None else FaultInjector()
    integration = _faulty_integration(
        lambda_eval_utils.execute_lambda_function_integration, faults, recorder, may_invoke
    )

    def record_wait(self: Any, env: Any, wait_seconds: int) -> None:
        waits.settle()
        recorder.wait(wait_seconds)
        waits.deliver_due()

    def wait_for_token(self: Any, timeout_seconds: int, callback_endpoint: Any) -> Any:
        return waits.wait(str(self.name), int(timeout_seconds), callback_endpoint.get_outcome)

    make_environment = ExecutionWorker._get_evaluation_environment

    def start_time_as_text(self: Any) -> Any:
        # AWS hands $$.Execution.StartTime over as ISO 8601 text; moto passes a datetime, which then
        # breaks the JSON of any state that keeps it. The simulated clock gives the time.
        env = make_environment(self)
        now = getattr(waits, "now", None)  # token waits without a clock of their own: the wall clock
        started = now() if now is not None else datetime.now(UTC)
        env.states.context_object.context_object_data["Execution"]["StartTime"] = started.isoformat()
        return env

    rds_calls = threading.RLock()
    serve = BotocoreStubber.__call__

    def one_rds_call_at_a_time(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        # moto's RDS models and the realism layer's progress (advanced on describes) are not thread-safe; a concurrent
        # function (the switchover probe) calls RDS beside the workflow's steps: its calls wait for theirs
        if event_name.split(".")[1:2] != ["rds"]:
            return serve(self, event_name, request, **kwargs)
        with rds_calls:
            return serve(self, event_name, request, **kwargs)

    with (
        mock.patch.object(BotocoreStubber, "__call__", one_rds_call_at_a_time),
        mock.patch.object(os._Environ, "copy", _copy_in_turn),
        mock.patch.object(os._Environ, "items", _items_in_turn),
        mock.patch.object(ExecutionWorker, "_get_evaluation_environment", start_time_as_text),
        mock.patch.object(lambda_eval_utils, "_invoke_lambda_function", _invoker(functions, recorder, waits.acted)),
        mock.patch.object(lambda_eval_utils, "execute_lambda_function_integration", integration),
        mock.patch.object(wait_function.WaitFunction, "_wait_interval", record_wait),
        mock.patch.object(retrier_decl, "time", _RecordingTime(recorder.sleep, waits.deliver_due)),
        # botocore's standard-mode retries back off for up to 20 s each (botocore.retries.standard); on the clock
        mock.patch.object(botocore.endpoint, "time", _RecordingTime(recorder.sdk_sleep, waits.deliver_due)),
        mock.patch.object(StateTaskServiceCallback, "_wait_for_task_token_timeout", wait_for_token),
        limits.step_functions_limits(),
    ):
        yield recorder
