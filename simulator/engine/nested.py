"""Child executions (``states:startExecution.sync:2``), as the fleet state machine starts them.

moto's interpreter runs the integration itself: it calls StartExecution, then DescribeExecution until the child
ends. Three things are added here:

* IAM: those calls are authorized against the *parent state machine's* role, with the actions the Step
  Functions Developer Guide lists for a synchronous nested workflow ("IAM policies for starting a nested
  workflow": states:StartExecution on the child state machine; states:DescribeExecution and
  states:StopExecution on its executions; events:PutTargets, events:PutRule and events:DescribeRule on the
  rule StepFunctionsGetEventsForStepFunctionsExecutionRule, which Step Functions puts in place to hear of the
  child's end). A missing one fails the task as AWS does, before the child starts.
* One child at a time: every execution of the upgrade state machine runs its states holding one lock. The
  harness runs each Lambda in-process with its environment set in ``os.environ`` and keeps one simulated clock;
  children running at once would share both. A wave's children are all *started* as the Map's
  MaxConcurrency allows (each is RUNNING, as the one-upgrade-per-cluster lock sees it); their states run in turn.
  The simulated clock then adds up their waits: the fleet's simulated duration is an upper bound.
* The request and the answer in the integration's own casing: moto 5.2.5 leaves the parameters as the ASL
  writes them (``StateMachineArn``, which botocore refuses) and the answers as botocore gives them
  (``executionArn``, which its own ``.sync:2`` resolver then fails to find). Step Functions maps both to the
  API's members ("Passing parameters to a service API": the field names of the API, PascalCase), so the
  ``.sync:2`` result is DescribeExecution's, in PascalCase (``Status``, ``Output``), as AWS hands it over.
* No task token: a ``.sync:2`` task ends when its child does (or at its own TimeoutSeconds). moto also listens
  for a task token on it, which the harness's token waits (simulator.engine.callbacks) would time out at once.
* DescribeExecution when a waiting task's own child has ended, rather than every half second of wall time (moto's
  loop) or at every child's end (a wave's ten waiting tasks would each ask at each of the ten ends).
* The end of every execution is announced (``Ends``): the runner waits for its execution on that, not by calling
  DescribeExecution in a loop, which took the interpreter's thread's turns and half of a run's time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any
from unittest import mock

import botocore.session
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
    StateTaskServiceSfn,
)
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.parser.utils import camel_to_snake_case

from simulator.enforcement.iam import ACCOUNT, Authorizer, Request

PATCHED = (
    (StateTaskServiceSfn, "_eval_execution"),
    (StateTaskServiceSfn, "_eval_sync"),
    (StateTaskServiceSfn, "_normalise_parameters"),
    (StateTaskServiceSfn, "_normalise_response"),
    (StateTaskServiceSfn, "_to_boto_request"),
    (StateTaskServiceSfn, "_from_boto_response"),
    (ExecutionWorker, "_execution_logic"),
)
SYNC_EVENTS_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule"
_POLL_SECONDS = 0.5  # a waiting task's DescribeExecution when no execution ended meanwhile


@cache
def _shapes(snake_action: str) -> tuple[Any, Any]:
    """(input shape, output shape) of the Step Functions operation ``start_execution`` etc."""
    model = botocore.session.get_session().get_service_model("stepfunctions")
    name = next(op for op in model.operation_names if camel_to_snake_case(op) == snake_action)
    operation = model.operation_model(name)
    return operation.input_shape, operation.output_shape


def _child_of(sync_resolver: Any) -> str | None:
    """The child execution's ARN, which moto's ``.sync`` resolver closes over (``execution_arn`` in
    StateTaskServiceSfn._build_sync_resolver and _build_sync2_resolver); None when it does not."""
    cells = dict(zip(sync_resolver.__code__.co_freevars, sync_resolver.__closure__ or (), strict=False))
    cell = cells.get("execution_arn")
    arn = cell.cell_contents if cell is not None else None
    return arn if isinstance(arn, str) else None


def _state_machine_of(env: Any) -> str:
    return str(env.states.context_object.context_object_data["StateMachine"]["Id"])


class Ends:
    """Announces each execution's end to whoever waits for one; remembers which executions ended."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.ended: set[str] = set()

    def announce(self, execution_arn: str | None = None) -> None:
        with self.condition:
            if execution_arn is not None:
                self.ended.add(execution_arn)
            self.condition.notify_all()

    def wait_until(self, ended: Callable[[], bool], timeout: float, recheck: float = _POLL_SECONDS) -> None:
        """Until ``ended()`` or ``timeout`` real seconds; ``ended()`` is asked at each end and every ``recheck``."""
        deadline = time.monotonic() + timeout
        with self.condition:
            while not ended() and time.monotonic() < deadline:
                self.condition.wait(timeout=min(recheck, max(0.0, deadline - time.monotonic())))


@contextmanager
def nested_executions(authorizer: Authorizer, one_at_a_time: Callable[[str], bool]) -> Iterator[Ends]:
    """``one_at_a_time(state machine ARN)``: whether that state machine's executions take turns (the children)."""
    turn = threading.Lock()
    start_child = StateTaskServiceSfn._eval_execution
    normalise_parameters = StateTaskServiceSfn._normalise_parameters
    ends = Ends()
    ended = ends.condition

    def until_child_ends(self: StateTaskServiceSfn, env: Any, sync_resolver: Any, **waits: Any) -> Any:
        # DescribeExecution when this task's child has ended (or every _POLL_SECONDS), not every half second of wall
        # time: a wave's waiting tasks would otherwise keep the one running child from the interpreter. The check and
        # the wait hold the condition together: an end announced between them would otherwise go unheard
        child = _child_of(sync_resolver)
        with ended:
            ask = True  # the child may have ended before the task waits
            while env.is_running():
                if ask or child is None or child in ends.ended:
                    described = sync_resolver()
                    if described:
                        return described
                ask = not ended.wait(timeout=_POLL_SECONDS)  # timed out: ask anyway
        return None

    def api_parameters(
        self: StateTaskServiceSfn,
        parameters: dict[str, Any],
        boto_service_name: Any = None,
        service_action_name: Any = None,
    ) -> None:
        normalise_parameters(self, parameters, boto_service_name, service_action_name)  # Input as JSON text
        self._to_boto_request(parameters, _shapes(self._get_boto_service_action(service_action_name))[0])

    def api_response(
        self: StateTaskServiceSfn, response: Any, boto_service_name: Any = None, service_action_name: Any = None
    ) -> None:
        self._from_boto_response(response, _shapes(self._get_boto_service_action(service_action_name))[1])

    run_execution = ExecutionWorker._execution_logic

    def as_parent(self: StateTaskServiceSfn, env: Any) -> None:
        parent = _state_machine_of(env)
        if self.resource.condition in (ResourceCondition.Sync, ResourceCondition.Sync2):
            region = parent.split(":")[3]
            rule = f"arn:aws:events:{region}:{ACCOUNT}:rule/{SYNC_EVENTS_RULE}"
            requests = [Request(f"events:{action}", rule) for action in ("PutTargets", "PutRule", "DescribeRule")]
            authorizer.authorize("StateMachine", authorizer.policy_of(parent), "StartExecution", requests)
        with authorizer.acting_as(parent):
            start_child(self, env)

    def taking_turns(self: ExecutionWorker) -> None:
        try:
            if not one_at_a_time(str(self._evaluation_details.state_machine_details.arn)):
                run_execution(self)
                return
            # moto's SendTaskSuccess looks for the token in every execution's environment: one waiting for its
            # turn has none until it runs, so it gets an empty one now
            self.env = self._get_evaluation_environment()
            with turn:
                run_execution(self)
        finally:
            ends.announce(str(self._evaluation_details.execution_details.arn))

    with (
        mock.patch.object(StateTaskServiceSfn, "_eval_execution", as_parent),
        mock.patch.object(StateTaskServiceSfn, "_eval_sync", until_child_ends),
        mock.patch.object(StateTaskServiceSfn, "_normalise_parameters", api_parameters),
        mock.patch.object(StateTaskServiceSfn, "_normalise_response", api_response),
        mock.patch.object(ExecutionWorker, "_execution_logic", taking_turns),
    ):
        yield ends
