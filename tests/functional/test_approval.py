"""The approval gate against moto, with a real waiting task: moto executes a state machine whose
``lambda:invoke.waitForTaskToken`` task runs the real request handler (the simulator's harness), and
the decide handler's SendTaskSuccess really resumes (or fails to resume) that execution.

The harness hands each token wait to a ``TokenWaits``; here that is a person at the keyboard: the
wait lasts (in real time) until the test decides, or until the test lets the task time out.
"""

from __future__ import annotations

import base64
import importlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import boto3
import pytest
from approval.handler import request
from approval_decision import handler as decision_handler
from approval_decision.handler import decide
from moto import mock_aws
from moto.sns.models import sns_backends
from preflight.handler import handler as preflight

import upgrade.shared.clock
from aws.stepfunctions import StepFunctions
from simulator.engine.harness import LambdaFunction, local_lambdas
from simulator.rds.realism import realistic_rds
from tests.functional.world import (
    FakeContext,
    call,
    create_report_bucket,
    create_token_table,
    initial_state,
    make_cluster,
)
from upgrade.approval.links import nonce_for, signature, signing_key
from upgrade.notifications import notifier as notify
from upgrade.shared.errors import AwsThrottled
from upgrade.shared.runtime import logger

REGION = "us-east-1"
ACCOUNT = "123456789012"
TABLE = "aurora-upgrade-tokens"
SIGNING_SECRET = "approval-signing-key-" + "x" * 40
APPROVAL_URL = "https://abcdefg.lambda-url.us-east-1.on.aws/"
FUNCTION = "RequestApprovalFunction"
SOURCE_IP = "203.0.113.9"
SECURITY_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


def await_approval_definition(timeout_seconds: int) -> str:
    return json.dumps(
        {
            "StartAt": "AwaitApproval",
            "States": {
                "AwaitApproval": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {
                        "FunctionName": f"arn:aws:lambda:{REGION}:123456789012:function:{FUNCTION}",
                        "Payload": {"token.$": "$$.Task.Token", "state.$": "$"},
                    },
                    "TimeoutSeconds": timeout_seconds,
                    "ResultPath": "$.approval",
                    "End": True,
                }
            },
        }
    )


class PersonAtTheKeyboard:
    """Answers the harness's token waits: the task waits until a decision arrives, or times out when told."""

    def __init__(self) -> None:
        self.time_out = False
        self.closed = threading.Event()

    def wait(self, state: str, timeout_seconds: int, outcome: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + 30  # a test that never decides must not hang the run
        while not (self.time_out or self.closed.is_set()) and time.monotonic() < deadline:
            if outcome() is not None:
                break
            self.closed.wait(0.01)
        return outcome()

    def deliver_due(self) -> None:
        return None

    def acted(self) -> None:
        return None


class Gate:
    """The simulated account: table, signing secret, topic, a planned upgrade, and spies."""

    def __init__(self, environment: dict[str, str], state: dict[str, Any]) -> None:
        self.environment = environment
        self.state = state
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.milestones: list[dict[str, Any]] = []
        self.task_successes: list[dict[str, Any]] = []
        self.executions: list[str] = []
        self.person = PersonAtTheKeyboard()

    def items(self) -> list[dict[str, Any]]:
        return list(self.dynamodb.scan(TableName=TABLE)["Items"])

    def start(self) -> str:
        machine = self.sfn.create_state_machine(
            name=f"approval-{len(self.sfn.list_state_machines()['stateMachines'])}",
            definition=await_approval_definition(self.state["plan"]["approval_timeout_seconds"]),
            roleArn="arn:aws:iam::123456789012:role/simulated",
        )
        started = self.sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input=json.dumps(self.state))
        arn = str(started["executionArn"])
        self.executions.append(arn)
        self.wait_for(lambda: len(self.milestones) == 1, "the approval request")
        return arn

    def status(self, execution_arn: str) -> str:
        return str(self.sfn.describe_execution(executionArn=execution_arn)["status"])

    def finished(self, execution_arn: str) -> dict[str, Any]:
        self.wait_for(lambda: self.status(execution_arn) != "RUNNING", "the execution to end")
        return dict(self.sfn.describe_execution(executionArn=execution_arn))

    @staticmethod
    def wait_for(condition: Any, what: str, seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}")
            time.sleep(0.02)

    @property
    def links(self) -> Any:
        return self.milestones[-1]["approval"]


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}), realistic_rds(polls=1):
        rds = boto3.client("rds", region_name=REGION)
        make_cluster(rds)
        create_report_bucket(monkeypatch, REGION)
        state = initial_state()
        state["plan"] = call(preflight, state)
        create_token_table(TABLE, REGION)
        secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="approval-signing-key", SecretString=SIGNING_SECRET
        )
        topic = boto3.client("sns", region_name=REGION).create_topic(Name="aurora-upgrade")
        environment = {
            "TOKEN_TABLE": TABLE,
            "APPROVAL_SIGNING_SECRET_ARN": secret["ARN"],
            "APPROVAL_URL": APPROVAL_URL,
            "TOPIC_ARN": topic["TopicArn"],
        }
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        world = Gate(environment, state)
        _spy_on_milestones(monkeypatch, world)
        _spy_on_task_successes(monkeypatch, world)
        functions = {FUNCTION: LambdaFunction(handler=request, environment=environment)}
        with local_lambdas(functions, token_waits=world.person):
            yield world
            world.person.closed.set()  # no waiting task outlives its test


def _spy_on_milestones(monkeypatch: pytest.MonkeyPatch, world: Gate) -> None:
    """Record what the gate asks the notifier to send (the real notifier publishes it)."""
    real = notify.notify_milestone

    def spy(state: Any, event: str, rds: Any, sns: Any, topic_arn: str, **options: Any) -> Any:
        world.milestones.append({"event": event, "approval": options.get("approval"), "topic_arn": topic_arn})
        return real(state, event, rds, sns, topic_arn, **options)

    monkeypatch.setattr(notify, "notify_milestone", spy)


def published_messages() -> list[str]:
    topics = sns_backends[ACCOUNT][REGION].topics.values()
    return [str(sent[1]) for topic in topics for sent in topic.sent_notifications]


def _spy_on_task_successes(monkeypatch: pytest.MonkeyPatch, world: Gate) -> None:
    real = StepFunctions.send_task_success

    def spy(self: StepFunctions, task_token: str, output: dict[str, Any]) -> bool:
        world.task_successes.append(output)
        return real(self, task_token, output)

    monkeypatch.setattr(StepFunctions, "send_task_success", spy)


def url_event(
    method: str,
    query: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    *,
    as_base64: bool = False,
    content_type: str = "application/x-www-form-urlencoded",
) -> dict[str, Any]:
    """A Lambda function URL request, payload format 2.0."""
    body = urlencode(form) if form is not None else None
    if body is not None and as_base64:
        body = base64.b64encode(body.encode()).decode()
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": urlencode(query or {}),
        "headers": {"content-type": content_type, "host": "abcdefg.lambda-url.us-east-1.on.aws"},
        "queryStringParameters": query,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abcdefg",
            "domainName": "abcdefg.lambda-url.us-east-1.on.aws",
            "http": {"method": method, "path": "/", "protocol": "HTTP/1.1", "sourceIp": SOURCE_IP, "userAgent": "t"},
            "requestId": "r",
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Jan/2030:00:00:00 +0000",
            "timeEpoch": 1_893_456_000_000,
        },
        "body": body,
        "isBase64Encoded": as_base64,
    }


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def get(url: str) -> dict[str, Any]:
    return decide(url_event("GET", query_of(url)), FakeContext())  # type: ignore[no-any-return]


def post(url: str, **changes: str) -> dict[str, Any]:
    return decide(url_event("POST", form={**query_of(url), **changes}), FakeContext())  # type: ignore[no-any-return]


def request_payload(gate: Gate, token: str) -> dict[str, Any]:
    return {"token": token, "state": gate.state}


def test_request_stores_one_item_and_sends_the_same_links_when_retried(gate, monkeypatch):
    token = "AQB8AAAAKgAAAAMAAAAAAAAAAQ-test-token"
    first = request(request_payload(gate, token), FakeContext())
    later = datetime.now(UTC) + timedelta(minutes=3)  # a retry comes later: the expiry must not move
    monkeypatch.setattr(upgrade.shared.clock, "now", lambda: later)
    second = request(request_payload(gate, token), FakeContext())

    assert first == second
    assert first["nonce"] == nonce_for(token, signing_key(SIGNING_SECRET))
    items = gate.items()
    assert len(items) == 1
    item = items[0]
    assert item["pk"] == {"S": f"approval#{first['nonce']}"} and item["sk"] == {"S": "approval"}
    assert item["task_token"] == {"S": token}
    assert item["cluster_id"] == {"S": "prod-db"}
    assert item["source_version"] == {"S": "13.20"} and item["target_version"] == {"S": "14.18"}
    assert item["execution"] == {"S": "test-run"}
    assert item["expires_at"] == {"N": str(first["expires_at"])}
    assert abs(first["expires_at"] - (time.time() + 86_400)) < 60  # approval_timeout_seconds' default

    assert [m["event"] for m in gate.milestones] == ["awaiting_approval", "awaiting_approval"]
    assert gate.milestones[0]["approval"] == gate.milestones[1]["approval"]
    links = gate.links
    assert query_of(links.approve_url) == {
        "id": first["nonce"],
        "decision": "approve",
        "expires": str(first["expires_at"]),
        "sig": signature(first["nonce"], "approve", first["expires_at"], signing_key(SIGNING_SECRET)),
    }
    assert query_of(links.reject_url)["decision"] == "reject"
    assert links.cli_approve == (
        f"aws stepfunctions send-task-success --task-token '{token}' --task-output '{{\"decision\":\"approve\"}}'"
    )
    assert gate.milestones[0]["topic_arn"] == gate.environment["TOPIC_ARN"]
    messages = published_messages()
    assert len(messages) == 2, "a retry sends the message again, with the same links"
    assert all(links.approve_url in message and links.reject_url in message for message in messages)


def test_the_links_expire_with_the_task_timeout_the_input_asks_for(gate):
    state = initial_state(approval_timeout_seconds=900)
    state["plan"] = call(preflight, state)
    requested = request({"token": "t-900", "state": state}, FakeContext())
    assert abs(requested["expires_at"] - (time.time() + 900)) < 60
    assert query_of(gate.links.approve_url)["expires"] == str(requested["expires_at"])


def test_get_shows_a_confirmation_page_and_decides_nothing(gate):
    execution = gate.start()
    page = get(gate.links.approve_url)

    assert page["statusCode"] == 200
    assert page["headers"].items() >= SECURITY_HEADERS.items()
    assert "prod-db" in page["body"] and "13.20 \u2192 14.18" in page["body"]
    assert '<form method="post">' in page["body"]
    assert f'name="sig" value="{query_of(gate.links.approve_url)["sig"]}"' in page["body"]
    assert "switchover starts" in page["body"]
    assert "backed out" in get(gate.links.reject_url)["body"]
    assert len(gate.items()) == 1, "a GET must not consume the approval"
    assert gate.task_successes == []
    assert gate.status(execution) == "RUNNING"


def test_head_answers_like_get_without_a_body(gate):
    gate.start()
    answer = decide(url_event("HEAD", query_of(gate.links.approve_url)), FakeContext())
    assert answer["statusCode"] == 200 and answer["body"] == ""
    assert len(gate.items()) == 1


def test_post_approve_resumes_the_waiting_task_once(gate):
    execution = gate.start()
    page = post(gate.links.approve_url)

    assert page["statusCode"] == 200, page["body"]
    assert "Approved" in page["body"]
    assert gate.items() == [], "the approval is used once"
    assert len(gate.task_successes) == 1
    ended = gate.finished(execution)
    assert ended["status"] == "SUCCEEDED"
    approval = json.loads(ended["output"])["approval"]
    assert approval["decision"] == "approve"
    assert approval["source_ip"] == SOURCE_IP
    assert datetime.fromisoformat(approval["decided_at"]).tzinfo is not None

    again = post(gate.links.approve_url)
    assert again["statusCode"] == 410
    assert "already decided or has expired" in again["body"]
    assert len(gate.task_successes) == 1, "the second click must not reach Step Functions"
    assert post(gate.links.reject_url)["statusCode"] == 410, "nor may the other link of the pair"


def test_post_reject_hands_reject_to_the_workflow(gate):
    execution = gate.start()
    page = post(gate.links.reject_url)

    assert page["statusCode"] == 200
    assert "Rejected" in page["body"]
    assert json.loads(gate.finished(execution)["output"])["approval"]["decision"] == "reject"


def test_a_base64_encoded_form_is_read(gate):
    execution = gate.start()
    event = url_event("POST", form=query_of(gate.links.approve_url), as_base64=True)
    assert decide(event, FakeContext())["statusCode"] == 200
    assert json.loads(gate.finished(execution)["output"])["approval"]["decision"] == "approve"


@pytest.mark.parametrize(
    "tamper",
    [
        {"sig": "0" * 64},
        {"decision": "approve"},  # the reject link's signature on an approve decision
        {"expires": "4102444800"},
    ],
    ids=["sig", "decision", "expires"],
)
def test_a_tampered_link_is_forbidden_and_changes_nothing(gate, tamper):
    execution = gate.start()
    for answer in (
        get(gate.links.reject_url.replace("decision=reject", "decision=approve")),
        post(gate.links.reject_url, **tamper),
    ):
        assert answer["statusCode"] == 403
        assert answer["headers"].items() >= SECURITY_HEADERS.items()
    assert len(gate.items()) == 1
    assert gate.task_successes == []
    assert gate.status(execution) == "RUNNING"


def test_an_expired_link_is_gone_and_changes_nothing(gate, monkeypatch):
    execution = gate.start()
    expires = int(query_of(gate.links.approve_url)["expires"])
    monkeypatch.setattr(upgrade.shared.clock, "now", lambda: datetime.fromtimestamp(expires + 1, UTC))

    for answer in (get(gate.links.approve_url), post(gate.links.approve_url)):
        assert answer["statusCode"] == 410
        assert "expired" in answer["body"]
    assert gate.task_successes == []
    assert gate.status(execution) == "RUNNING"


def test_a_decision_after_the_task_timed_out_is_gone(gate):
    gate.person.time_out = True  # nobody answers within approval_timeout_seconds
    execution = gate.start()
    ended = gate.finished(execution)
    assert ended["status"] == "FAILED" and ended["error"] == "States.Timeout"

    answer = post(gate.links.approve_url)
    assert answer["statusCode"] == 410
    assert "no longer waits" in answer["body"]
    assert len(gate.task_successes) == 1, "Step Functions was asked, and said the token is spent"


@pytest.mark.parametrize(
    ("event", "status"),
    [
        (url_event("DELETE", {"id": "x"}), 405),
        (url_event("PUT"), 405),
        (url_event("GET", None), 400),
        (url_event("GET", {"id": "n" * 22, "decision": "approve", "expires": "1", "sig": "zz"}), 400),
        (url_event("POST", form={}), 400),
        (url_event("POST", form={"id": "n" * 22}, content_type="application/json"), 400),
        ({"not": "a function url event"}, 400),
    ],
    ids=["delete", "put", "no-query", "bad-sig-shape", "empty-form", "json-body", "not-http"],
)
def test_malformed_requests_are_refused(gate, event, status):
    answer = decide(event, FakeContext())
    assert answer["statusCode"] == status
    assert answer["headers"].items() >= SECURITY_HEADERS.items()
    if status == 405:
        assert answer["headers"]["Allow"] == "GET, HEAD, POST"


def test_a_repeated_form_field_is_refused(gate):
    gate.start()
    fields = query_of(gate.links.approve_url)
    event = url_event("POST", form=fields)
    event["body"] += "&decision=reject"
    assert decide(event, FakeContext())["statusCode"] == 400
    assert len(gate.items()) == 1


def test_stored_values_are_escaped_in_the_page(gate):
    key = signing_key(SIGNING_SECRET)
    nonce, expires = "N" * 22, int(time.time()) + 600
    gate.dynamodb.put_item(
        TableName=TABLE,
        Item={
            "pk": {"S": f"approval#{nonce}"},
            "sk": {"S": "approval"},
            "task_token": {"S": "t"},
            "execution": {"S": "run"},
            "cluster_id": {"S": "<script>alert(1)</script>"},
            "source_version": {"S": "13.20"},
            "target_version": {"S": '14.18"><b>'},
            "switchover_timeout_seconds": {"N": "300"},
            "expires_at": {"N": str(expires)},
        },
    )
    query = {
        "id": nonce,
        "decision": "approve",
        "expires": str(expires),
        "sig": signature(nonce, "approve", expires, key),
    }
    body = decide(url_event("GET", query), FakeContext())["body"]
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert '14.18"><b>' not in body


def test_neither_handler_logs_the_token_or_the_signature(gate, caplog):
    token = "AQB8-secret-task-token-that-must-not-be-logged"
    saved = logger.log_level
    logger.setLevel("DEBUG")
    try:
        request(request_payload(gate, token), FakeContext())
        approve = gate.links.approve_url
        get(approve)
        post(approve)
        post(approve.replace(query_of(approve)["sig"], "0" * 64))
    finally:
        logger.setLevel(saved)
    # every record as Powertools writes it (message and structured keys)
    logs = "\n".join(logger.registered_formatter.format(record) for record in caplog.records)
    assert "approval request answered" in logs
    assert '"status":410' in logs and '"cluster_id":"prod-db"' in logs
    assert token not in logs
    assert query_of(approve)["sig"] not in logs
    assert SIGNING_SECRET not in logs


def test_a_throttled_decision_puts_the_approval_back_so_the_link_still_works(gate, monkeypatch):
    execution = gate.start()
    real = StepFunctions.send_task_success

    def throttled(self: StepFunctions, task_token: str, output: dict[str, Any]) -> bool:
        raise AwsThrottled("Rate exceeded")

    monkeypatch.setattr(StepFunctions, "send_task_success", throttled)
    answer = post(gate.links.approve_url)
    assert answer["statusCode"] == 503 and "nothing was decided" in answer["body"]
    assert len(gate.items()) == 1
    assert gate.status(execution) == "RUNNING"

    monkeypatch.setattr(StepFunctions, "send_task_success", real)
    assert post(gate.links.approve_url)["statusCode"] == 200
    assert json.loads(gate.finished(execution)["output"])["approval"]["decision"] == "approve"


def test_decide_never_logs_its_event_even_when_powertools_is_told_to(gate, caplog, monkeypatch):
    gate.start()
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")  # read when the handler module is imported
    told = importlib.reload(decision_handler)
    saved = logger.log_level
    logger.setLevel("DEBUG")
    try:
        told.decide(url_event("GET", query_of(gate.links.approve_url)), FakeContext())
    finally:
        logger.setLevel(saved)
        monkeypatch.delenv("POWERTOOLS_LOGGER_LOG_EVENT")
        importlib.reload(decision_handler)
    logs = "\n".join(logger.registered_formatter.format(record) for record in caplog.records)
    assert "approval request answered" in logs
    assert query_of(gate.links.approve_url)["sig"] not in logs
