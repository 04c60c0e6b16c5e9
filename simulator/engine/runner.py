"""Run a scenario: seed moto, execute the synthesized state machine, collect the outcome."""

from __future__ import annotations

import faulthandler
import json
import logging
import os
import sys
import warnings
from contextlib import ExitStack
from dataclasses import asdict
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends
from moto.stepfunctions.parser.models import StepFunctionsParserBackend, stepfunctions_parser_backends

from simulator.databases.rehearsal import DEFAULT_SEED, Rehearsal, Traffic
from simulator.databases.servers import SUPERUSER, ServerError, binaries_for, client_tool
from simulator.enforcement.iam import Authorizer, authorizer_for
from simulator.engine.callbacks import CallbackDriver, load_rules, message_variants
from simulator.engine.configuration import missing_from, variant_for
from simulator.engine.harness import (
    LambdaFunction,
    Recorder,
    environment,
    local_lambdas,
    reused_clients,
    run_function,
    task_fault_injector,
    task_functions,
)
from simulator.engine.key_material import share_symmetric_key_pairs
from simulator.engine.nested import Ends, nested_executions
from simulator.engine.parsing import parse_once
from simulator.engine.service_models import share_service_models
from simulator.engine.shortcuts import take_shortcuts
from simulator.engine.stack_resources import (
    FLEET_STATE_MACHINE_NAME,
    STATE_MACHINE_NAME,
    StackResources,
    state_machine_arn,
)
from simulator.engine.state_copies import copy_states_faster
from simulator.engine.template import SynthesizedWorkflow, isolated_imports, load_handler, load_workflow, template_path
from simulator.rds.endpoints import mapped_endpoints
from simulator.rds.faults import FaultPlan
from simulator.rds.realism import realistic_rds
from simulator.scenario.model import Scenario, ScenarioError, seed

share_service_models()
parse_once()
share_symmetric_key_pairs()
copy_states_faster()
take_shortcuts()

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CDK_OUT = REPO / "cdk.out"
_EXECUTION_TIMEOUT_SECONDS = 300  # real seconds; the simulated clock runs much faster
_SECONDS_PER_FLEET_CLUSTER = 15  # real seconds a fleet may take per cluster on top of that

_QUIET_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "simulated",
    "AWS_SECRET_ACCESS_KEY": "simulated",
    "AWS_SESSION_TOKEN": "simulated",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "POWERTOOLS_DEV": "false",
}


_SOURCES = ("lambdas", "statemachines", "infra", "app.py", "cdk.json")


def _stale(template: Path) -> bool:
    """True when the source of what would be deployed changed after the last synth."""
    if not template.exists():
        return True
    built = template.stat().st_mtime
    for name in _SOURCES:
        source = REPO / name
        files = [source] if source.is_file() else [p for p in source.rglob("*") if p.is_file()]
        if any(f.stat().st_mtime > built for f in files if "__pycache__" not in f.parts):
            return True
    return False


def ensure_synthesized(cdk_out: Path = DEFAULT_CDK_OUT, force: bool = False) -> Path:
    """Synthesize the CDK app in-process when the template is missing or older than its sources."""
    if force or _stale(template_path(cdk_out)):
        os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
        from infra.app_factory import build_app

        build_app(outdir=str(cdk_out)).synth()
    return cdk_out


def deployment_for(scenario: Scenario, cdk_out: Path) -> Path:
    """The synthesis whose roles cover the scenario's clusters and secrets (simulator.engine.configuration)."""
    if not scenario.configured:
        return cdk_out
    inputs = [*scenario.before, scenario.input]
    if scenario.workflow == "fleet":  # a fleet's clusters are the scenario's, each with the fleet's options
        options = scenario.input.get("upgrade") if isinstance(scenario.input.get("upgrade"), dict) else {}
        inputs = [{**options, "cluster_id": cluster.id} for cluster in [scenario.cluster, *scenario.other_clusters]]
    clusters, secrets = missing_from(cdk_out, inputs)
    return variant_for(cdk_out, clusters, secrets, _stale) if clusters or secrets else cdk_out


# moto's interpreter logs every caught error at ERROR level; the report tells the story instead
logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
# metrics are off in the simulator (POWERTOOLS_METRICS_DISABLED), yet Powertools warns at each empty flush
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)


def run_scenario(scenario: Scenario, cdk_out: Path = DEFAULT_CDK_OUT, log_level: str | None = None) -> dict[str, Any]:
    if scenario.real_databases is not None:
        _check_servers_installed(scenario)
    workflow = load_workflow(deployment_for(scenario, ensure_synthesized(cdk_out)), scenario.region)
    boto3.DEFAULT_SESSION = None  # its region is fixed at creation; each scenario brings its own
    env_values = {**_QUIET_ENVIRONMENT, "AWS_DEFAULT_REGION": scenario.region, "AWS_REGION": scenario.region}
    if log_level:
        env_values["POWERTOOLS_LOG_LEVEL"] = log_level
    plan = FaultPlan.from_json(scenario.faults)
    task_faults = task_fault_injector(plan, workflow.definition)
    recorder = Recorder()
    with ExitStack() as servers:
        rehearsal = _rehearsal(scenario) if scenario.real_databases else None
        if rehearsal is not None:
            servers.callback(rehearsal.close)  # servers stopped and data removed, also when the run fails
        outcome = _run_in_world(scenario, workflow, env_values, plan, task_faults, recorder, rehearsal)
        if rehearsal is not None:
            outcome["real_databases"] = rehearsal.outcome()
            measured = _switchover_probe_result(outcome)
            if measured is not None:
                outcome["real_databases"]["downtime"] = measured
        return outcome


def _switchover_probe_result(outcome: dict[str, Any]) -> dict[str, Any] | None:
    """What the workflow's own switchover probe (its real handler, against the real servers) measured, last run."""
    results = [r["result"] for r in outcome["step_results"] if r["name"].startswith(SWITCHOVER_PROBE_FUNCTION)]
    return results[-1] if results else None


def _check_servers_installed(scenario: Scenario) -> None:
    """Before anything runs: a server of each exact version, and the client tools, are on this machine."""
    try:
        for version in (scenario.cluster.engine_version, str(scenario.input.get("target_engine_version"))):
            binaries_for(version)
        client_tool("pg_dump")
    except ServerError as error:
        raise ScenarioError(f"real_databases: {error}") from None


def _rehearsal(scenario: Scenario) -> Rehearsal:
    """Blue's real server, started and seeded (stopped and removed when the run's ExitStack closes)."""
    real = scenario.real_databases
    assert real is not None
    traffic = real.traffic
    rehearsal = Rehearsal(
        scenario.cluster.engine_version,
        str(scenario.input.get("target_engine_version")),
        Path(real.seed_sql) if real.seed_sql else DEFAULT_SEED,
        Traffic(traffic.database, traffic.sql, traffic.interval_seconds) if traffic else None,
        real.changes_on_blue,
    )
    try:
        rehearsal.start_blue()
        return rehearsal
    except ServerError as error:
        rehearsal.close()
        raise ScenarioError(f"real_databases: {error}") from None


def _attach_blue(scenario: Scenario, rehearsal: Rehearsal) -> None:
    """Blue's cluster answers on blue's server; the input's secret holds that address (no password: trust auth)."""
    from moto.rds.models import rds_backends

    cluster = rds_backends[DEFAULT_ACCOUNT_ID][scenario.region].clusters[scenario.cluster.id]
    rehearsal.attach(cluster, "blue")
    assert rehearsal.blue is not None and scenario.real_databases is not None
    value = {"username": SUPERUSER, "host": rehearsal.blue.host, "port": rehearsal.blue.port}
    boto3.client("secretsmanager", region_name=scenario.region).create_secret(
        Name=scenario.real_databases.secret, SecretString=json.dumps(value)
    )


def _run_in_world(
    scenario: Scenario,
    workflow: SynthesizedWorkflow,
    env_values: dict[str, str],
    plan: FaultPlan,
    task_faults: Any,
    recorder: Recorder,
    rehearsal: Rehearsal | None,
) -> dict[str, Any]:
    with (
        isolated_imports({spec.asset_dir for spec in workflow.functions.values()}, env_values),
        environment(env_values),
        mock_aws(config={"stepfunctions": {"execute_state_machine": True}}),
        reused_clients(),
        realistic_rds(
            plan,
            polls=scenario.polls,
            durations=dict(scenario.durations),
            unavailable_versions=None
            if scenario.deprecated_versions is None
            else frozenset(scenario.deprecated_versions),
        ) as realism,
        mapped_endpoints(scenario.endpoints, rehearsal.endpoint if rehearsal else None),
    ):
        realism.clock = lambda: recorder.clock_seconds
        realism.databases = rehearsal
        seed(scenario, realism)
        if rehearsal is not None:
            _attach_blue(scenario, rehearsal)
        stack = StackResources(workflow.resources, scenario.region)
        stack.create()
        authorizer = authorizer_for(workflow.resources, stack.resolve, scenario.region)
        functions = _functions(workflow, stack, authorizer)
        driver = _driver(workflow, scenario, stack, functions, recorder, realism)
        upgrade_machine = state_machine_arn(scenario.region)
        with (
            authorizer.enforced(),
            local_lambdas(functions, task_faults, recorder, driver, authorizer.state_machine_may_invoke),
            nested_executions(authorizer, one_at_a_time=lambda machine: machine == upgrade_machine) as ends,
            mock.patch.object(sys.modules["upgrade.shared.clock"], "now", driver.now),
        ):
            outcome = _run_all(scenario, workflow, recorder, driver, ends)
        outcome["faults_injected"] = [asdict(fault) for fault in [*realism.fault_log, *task_faults.log]]
        outcome["authorizations"] = authorizer.used()
        return outcome


def _run_all(
    scenario: Scenario, workflow: SynthesizedWorkflow, recorder: Recorder, driver: CallbackDriver, ends: Ends
) -> dict[str, Any]:
    machine_arn = _create_state_machine(STATE_MACHINE_NAME, workflow.definition, scenario)
    if workflow.fleet_definition is not None:
        fleet_arn = _create_state_machine(FLEET_STATE_MACHINE_NAME, workflow.fleet_definition, scenario)
        machine_arn = fleet_arn if scenario.workflow == "fleet" else machine_arn
    elif scenario.workflow == "fleet":
        raise ValueError("the synthesized template has no fleet state machine")
    base = scenario.execution_name or f"simulated-{scenario.name}"
    runs = [(f"{base}-before-{n}", given) for n, given in enumerate(scenario.before, start=1)]
    runs += [(base if n == 1 else f"{base}-rerun-{n}", scenario.input) for n in range(1, scenario.repeat + 1)]
    earlier: list[dict[str, Any]] = []
    for name, given in runs:
        recorder.reset()
        driver.reactions.clear()
        clusters = 1 + len(scenario.other_clusters) if scenario.workflow == "fleet" else 0
        timeout = _EXECUTION_TIMEOUT_SECONDS + _SECONDS_PER_FLEET_CLUSTER * clusters
        execution = _execute(machine_arn, scenario.region, name, given, timeout, ends)
        outcome = _collect(scenario, execution, recorder)
        outcome.update(_reactions(driver))
        earlier.append({"name": name, "status": outcome["status"], "states": outcome["states"]})
    outcome["earlier_runs"] = earlier[:-1]
    return outcome


# handlers that run in a Parallel branch beside the workflow's other steps (simulator/engine/harness.py, run_function)
CONCURRENT_HANDLERS = frozenset({"switchover_probe.handler.handler"})
SWITCHOVER_PROBE_FUNCTION = "SwitchoverProbeFunction"


def _functions(
    workflow: SynthesizedWorkflow, stack: StackResources, authorizer: Authorizer
) -> dict[str, LambdaFunction]:
    return {
        logical_id: LambdaFunction(
            handler=load_handler(spec),
            environment=stack.environment(spec.environment),
            acting_as=partial(authorizer.acting_as, logical_id),
            concurrent=spec.handler in CONCURRENT_HANDLERS,
        )
        for logical_id, spec in workflow.functions.items()
    }


def _driver(
    workflow: SynthesizedWorkflow,
    scenario: Scenario,
    stack: StackResources,
    functions: dict[str, LambdaFunction],
    recorder: Recorder,
    realism: Any,
) -> CallbackDriver:
    """Wire the callback driver to the template: its rules, its approval functions."""
    by_handler = {spec.handler: logical_id for logical_id, spec in workflow.functions.items()}

    def call(name: str, payload: dict[str, Any]) -> Any:
        try:
            return run_function(functions, recorder, name, payload, scenario.region, via="event")
        except Exception as error:  # an event target's failure is logged by AWS, not seen by the workflow
            return {"error": type(error).__name__, "message": str(error)}

    request = by_handler.get("approval.handler.request")
    return CallbackDriver(
        realism=realism,
        rules=load_rules(workflow.resources, stack.resolve, set(functions)),
        call=call,
        clock=lambda: recorder.clock_seconds,
        advance=recorder.pass_time,
        approval=scenario.approval,
        region=scenario.region,
        approval_states={
            state for state, function in task_functions(workflow.definition).items() if function == request
        },
        decision_function=by_handler.get("approval_decision.handler.decide", ""),
        rds_events=scenario.rds_events,
    )


def _reactions(driver: CallbackDriver) -> dict[str, Any]:
    """How long after each timed RDS change the workflow next acted."""
    reactions = [
        {
            "resource": r.resource,
            "change": r.change,
            "started_at": r.started_at,
            "changed_at": r.changed_at,
            "acted_at": r.acted_at,
            "delay_seconds": None if r.acted_at is None else round(r.acted_at - r.changed_at, 3),
        }
        for r in driver.reactions
    ]
    delays = [r["delay_seconds"] for r in reactions if r["delay_seconds"] is not None]
    return {"reaction_delays": reactions, "max_reaction_delay_seconds": max(delays) if delays else None}


_VALIDATED_DEFINITIONS: set[str] = set()
_validate_definition = StepFunctionsParserBackend._validate_definition


def _validate_once(definition: str) -> None:
    """moto parses a definition with ANTLR to validate it at every CreateStateMachine (a third of a second for
    ours); a text it accepted once is accepted again, so each text is validated once per process."""
    if definition not in _VALIDATED_DEFINITIONS:
        _validate_definition(definition)
        _VALIDATED_DEFINITIONS.add(definition)


def _create_state_machine(name: str, definition: dict[str, Any], scenario: Scenario) -> str:
    sfn = boto3.client("stepfunctions", region_name=scenario.region)
    with mock.patch.object(StepFunctionsParserBackend, "_validate_definition", staticmethod(_validate_once)):
        machine = sfn.create_state_machine(
            name=name,
            definition=json.dumps(definition),
            roleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/simulated-state-machine",
        )
    return str(machine["stateMachineArn"])


def _execute(
    machine_arn: str, region: str, name: str, given: dict[str, Any], timeout: float, ends: Ends
) -> dict[str, Any]:
    sfn = boto3.client("stepfunctions", region_name=region)
    started = sfn.start_execution(stateMachineArn=machine_arn, name=name[:80], input=json.dumps(given))
    described: dict[str, Any] = {}

    def ended() -> bool:
        described.update(sfn.describe_execution(executionArn=started["executionArn"]))
        return described["status"] != "RUNNING"

    ends.wait_until(ended, timeout)
    if described["status"] == "RUNNING":  # it did not end in time: where each thread is, for whoever reads the failure
        print(f"execution {name} still RUNNING after {timeout:.0f} s; its threads:", file=sys.stderr)
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    execution = described
    return {"description": execution, "history": execution_history(region, started["executionArn"])}


def execution_history(region: str, execution_arn: str) -> list[dict[str, Any]]:
    """The execution's events as GetExecutionHistory lists them (timestamps as ISO text), read from moto's backend:
    through the API, moto serializes every event and botocore parses it back, a tenth of a simulated run and half
    of a 25,000-event one for the same list."""
    backend: StepFunctionsParserBackend = stepfunctions_parser_backends[DEFAULT_ACCOUNT_ID][region]
    events = backend.describe_execution(execution_arn).to_history_output()["events"]
    return [
        {key: value.value if isinstance(value, Enum) else value for key, value in event.items() if value is not None}
        for event in events
    ]


def _collect(scenario: Scenario, execution: dict[str, Any], recorder: Recorder) -> dict[str, Any]:
    rds = boto3.client("rds", region_name=scenario.region)
    entered = [e["stateEnteredEventDetails"]["name"] for e in execution["history"] if "stateEnteredEventDetails" in e]
    clusters = rds.describe_db_clusters()["DBClusters"]
    cluster_id = str(scenario.input.get("cluster_id", scenario.cluster.id))
    serving = next((c for c in clusters if c["DBClusterIdentifier"] == cluster_id), None)
    snapshots = rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    return {
        "scenario": scenario.name,
        "status": execution["description"]["status"],
        "states": entered,
        "cluster": _cluster_summary(rds, serving),
        "clusters": sorted(c["DBClusterIdentifier"] for c in clusters),
        "snapshots": [{"id": s["DBClusterSnapshotIdentifier"], "status": s["Status"]} for s in snapshots],
        "blue_green_deployments": [
            {"name": d["BlueGreenDeploymentName"], "status": d["Status"]}
            for d in rds.describe_blue_green_deployments()["BlueGreenDeployments"]
        ],
        "notifications": _notifications(scenario.region),
        "waits_seconds": recorder.waits,
        "retry_sleeps_seconds": recorder.retry_sleeps,
        "simulated_duration_seconds": recorder.clock_seconds,
        "transitions": len(entered),
        "history_events": len(execution["history"]),
        "largest_state_bytes": _largest_state_bytes(execution["history"]),
        "reports": _stored_reports(scenario.region),
        "engine_versions": {c["DBClusterIdentifier"]: c.get("EngineVersion") for c in clusters},
        "upgrade_executions": _upgrade_executions(scenario.region),
        "lambda_invocations": len(recorder.invocations),
        "error": _error(recorder, execution["description"])
        if execution["description"]["status"] != "SUCCEEDED"
        else None,
        # what Step Functions says ended the run (States.DataLimitExceeded, States.Runtime, a Fail state's error)
        "execution_error": {
            key: execution["description"][key] for key in ("error", "cause") if key in execution["description"]
        }
        or None,
        "timeline": [
            {"at_seconds": e.at_seconds, "kind": e.kind, "name": e.name, **_short(e.detail)} for e in recorder.events
        ],
        # what each step returned, whole: the plan (upgrade_cli plan) reads what changed from it
        "step_results": [
            {"at_seconds": e.at_seconds, "name": e.name, "result": e.detail["result"]}
            for e in recorder.events
            if e.kind == "invoke" and isinstance(e.detail.get("result"), dict)
        ],
    }


def _largest_state_bytes(history: list[dict[str, Any]]) -> int:
    """The largest input or output of any state or task, in the UTF-8 bytes Step Functions counts."""
    sizes = [0]
    for event in history:
        for details in event.values():
            if isinstance(details, dict):
                sizes += [len(str(details[key]).encode()) for key in ("input", "output") if key in details]
    return max(sizes)


def _upgrade_executions(region: str) -> list[dict[str, str]]:
    """Every execution of the upgrade state machine (a fleet's children), oldest first."""
    sfn = boto3.client("stepfunctions", region_name=region)
    pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=state_machine_arn(region))
    executions = [e for page in pages for e in page["executions"]]
    return [{"name": e["name"], "status": e["status"]} for e in sorted(executions, key=lambda e: e["startDate"])]


def _stored_reports(region: str) -> list[dict[str, Any]]:
    """Every object in the stack's buckets (the whole preflight reports), with its text."""
    s3 = boto3.client("s3", region_name=region)
    stored = []
    for bucket in s3.list_buckets()["Buckets"]:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            for item in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket["Name"], Key=item["Key"])["Body"].read().decode()
                stored.append({"uri": f"s3://{bucket['Name']}/{item['Key']}", "bytes": item["Size"], "body": body})
    return stored


def _cluster_summary(rds: Any, cluster: dict[str, Any] | None) -> dict[str, Any] | None:
    if cluster is None:
        return None
    scaling = cluster.get("ServerlessV2ScalingConfiguration") or {}
    writers = {m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", []) if m.get("IsClusterWriter")}
    instances = rds.describe_db_instances(
        Filters=[{"Name": "db-cluster-id", "Values": [cluster["DBClusterIdentifier"]]}]
    )["DBInstances"]
    return {
        "id": cluster["DBClusterIdentifier"],
        "engine_version": cluster.get("EngineVersion"),
        "status": cluster.get("Status"),
        "db_cluster_parameter_group": cluster.get("DBClusterParameterGroup"),
        "min_capacity": scaling.get("MinCapacity"),
        "max_capacity": scaling.get("MaxCapacity"),
        "deletion_protection": cluster.get("DeletionProtection"),
        "tags": {t["Key"]: t["Value"] for t in cluster.get("TagList", [])},
        "instances": [
            {
                "id": i["DBInstanceIdentifier"],
                "class": i.get("DBInstanceClass"),
                "writer": i["DBInstanceIdentifier"] in writers,
                "promotion_tier": i.get("PromotionTier"),
                "parameter_group": (i.get("DBParameterGroups") or [{}])[0].get("DBParameterGroupName"),
                "engine_version": i.get("EngineVersion"),
                "status": i.get("DBInstanceStatus"),
            }
            for i in sorted(instances, key=lambda i: i["DBInstanceIdentifier"])
        ],
    }


def _notifications(region: str) -> list[dict[str, str]]:
    backend = sns_backends[DEFAULT_ACCOUNT_ID][region]
    sent: list[dict[str, str]] = []
    for topic in backend.topics.values():
        for notification in topic.sent_notifications:
            # moto keeps (message_id, message, subject, attributes, group_id); a MessageStructure=json
            # message holds one text per protocol: people read the email one
            variants = message_variants(str(notification[1]))
            attributes = notification[3] or {}
            # moto keeps message attributes as {"event": {"Type": ..., "Value": ...}}
            event = (attributes.get("event") or {}).get("Value") if isinstance(attributes, dict) else None
            text = _email_text(str(notification[1]), variants)
            sent.append({"subject": notification[2], "message": text, "event": event})
    return sent


def _email_text(message: str, variants: list[str]) -> str:
    try:
        decoded = json.loads(message)
    except ValueError:
        return message
    if isinstance(decoded, dict) and "email" in decoded:
        return str(decoded["email"])
    return variants[0] if variants else message


def _error(recorder: Recorder, description: dict[str, Any]) -> dict[str, Any]:
    """How the run ended: the execution's own error and cause (a Fail state's, ``States.Timeout``, an abort),
    and the last function error recorded before it (none when a Choice sent the run to its Fail state)."""
    errors = [e for e in recorder.events if e.kind == "error"]
    last = errors[-1] if errors else None
    return {
        "execution_error": description.get("error"),
        "execution_cause": description.get("cause"),
        "step": last.name if last else None,
        "error": last.detail["error"] if last else None,
        "message": last.detail["message"] if last else None,
    }


def _short(detail: dict[str, Any]) -> dict[str, Any]:
    result = detail.get("result")
    if isinstance(result, dict):
        keep = {k: result[k] for k in ("status", "ready", "in_sync", "event") if k in result}
        return {"result": keep, **{key: detail[key] for key in ("seconds", "via") if key in detail}}
    return detail
