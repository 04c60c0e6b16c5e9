"""The workflow step: from the state to a probe through the cluster endpoint, and the measured result.

Runs as a Parallel branch beside the switchover (statemachines/upgrade.asl.json, ``SwitchoverWindow``): it never
delays the switchover, and what it cannot measure it returns as ``not_measured`` with the reason (its Catch does the
same for a failure of the function itself), so it never fails the upgrade.
"""

import contextlib
import time
from collections.abc import Callable
from typing import Any

from pydantic import ConfigDict, Field

from aws.rds import Rds
from upgrade.database.access import cluster_sql
from upgrade.database.sql import Executor
from upgrade.shared.base_model import Model
from upgrade.shared.errors import ClusterNotFound, TransientError, UpgradeError
from upgrade.shared.models import WorkflowState
from upgrade.shared.switchover_probe_result import SwitchoverProbeResult
from upgrade.switchover_probe.probe import run_probe, summarize

CONNECT_TIMEOUT_SECONDS = 2.0  # a write that takes longer than this counts as refused: users see it stall as well
MAX_DEADLINE_SECONDS = 870  # the function's timeout is 15 minutes: the probe returns before Lambda stops it


class ProbeRequest(Model):
    """The Task's payload: the workflow state and how long the probe may write at most."""

    model_config = ConfigDict(extra="forbid")

    state: WorkflowState
    deadline_seconds: int = Field(ge=10, le=MAX_DEADLINE_SECONDS)


class _SecretOnce:
    """The credentials are read once: a new connection after each refusal must not call Secrets Manager each time."""

    def __init__(self, secrets: Any) -> None:
        self._secrets = secrets
        self._read: dict[str, dict[str, Any]] = {}

    def json(self, secret_arn: str) -> dict[str, Any]:
        if secret_arn not in self._read:
            self._read[secret_arn] = self._secrets.json(secret_arn)
        return self._read[secret_arn]


def measure_switchover(
    request: ProbeRequest,
    rds: Rds,
    secrets: Any,
    rds_data_client: Any,
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> SwitchoverProbeResult:
    state = request.state
    skipped = _not_measurable(state)
    if skipped:
        return SwitchoverProbeResult(measured=False, not_measured=skipped)
    upgrade, plan = state.request, state.require_plan()
    access, deployment = upgrade.database, state.blue_green
    assert access is not None and deployment is not None  # _not_measurable said so
    credentials = _SecretOnce(secrets)
    cluster: dict[str, Any] = rds.describe_cluster(plan.cluster.cluster_id)

    def connect() -> Executor:
        """A fresh session to the cluster endpoint. The endpoint's DNS name stays; a new connection resolves it anew,
        so after the switchover it reaches green. Describing the cluster again gives that name (the simulator
        answers with the server behind it); when the describe fails, the name known before serves."""
        nonlocal cluster
        # ClusterNotFound too: while the switchover renames the clusters, the name may briefly belong to none
        with contextlib.suppress(TransientError, ClusterNotFound):
            cluster = rds.describe_cluster(plan.cluster.cluster_id)
        sessions = cluster_sql(access, cluster, credentials, rds_data_client, own_endpoint=True, read_only=False)
        return sessions.open(access.database, CONNECT_TIMEOUT_SECONDS)

    def deployment_status() -> str | None:
        try:
            found = rds.find_blue_green(deployment.deployment_id)
        except UpgradeError:
            return "UNREAD"  # throttled or busy: not a reason to stop measuring; read again later
        return None if found is None else str(found.get("Status"))

    try:
        writes, stopped = run_probe(
            connect, plan.target_version, request.deadline_seconds, now, sleep, deployment_status
        )
    except UpgradeError as error:  # the first describe or the secret: nothing was written
        return SwitchoverProbeResult(measured=False, not_measured=f"{type(error).__name__}: {error}")
    return summarize(writes, stopped, plan.target_version)


def _not_measurable(state: WorkflowState) -> str | None:
    request = state.request
    if request.strategy != "blue_green":
        return "an in-place upgrade has no switchover"
    if request.database is None:
        return "no database access in the input (database.secret_arn): the probe writes through the cluster endpoint"
    if request.database.connect_via != "direct":
        return "the probe needs a direct connection (database.connect_via = direct): the Data API is not the endpoint"
    if state.blue_green is None:
        return "no blue/green deployment in the state"
    return None
