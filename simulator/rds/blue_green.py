"""Blue/green deployment realism for moto's RDS (aurora-upgrade-facts.md §3.2-§3.7).

moto creates a deployment that is AVAILABLE at once, accepts any source and target, and switches
over synchronously without renaming instances. Real Aurora PostgreSQL:

* refuses to create a deployment unless logical replication is in effect on the source (custom
  cluster parameter group, ``rds.logical_replication = 1``, every member in sync) and the target
  version and parameter groups are valid;
* provisions for a while (``PROVISIONING`` with tasks going PENDING -> IN_PROGRESS -> COMPLETED);
* switches over asynchronously, renaming clusters *and* instances (green takes the blue names,
  blue gets ``-old1``) while resource ids stay with their resources;
* may fail: a task FAILED (deployment stays PROVISIONING), INVALID_CONFIGURATION (replication
  degraded) or SWITCHOVER_FAILED (everything rolled back, nothing renamed).
"""

from __future__ import annotations

import copy
from typing import Any

from moto.core.responses import ActionResult
from moto.rds.exceptions import (
    BlueGreenDeploymentNotFoundFault,
    InvalidBlueGreenDeploymentStateFault,
    InvalidParameterCombination,
    InvalidParameterValue,
)
from moto.rds.models import BlueGreenDeployment, BlueGreenDeploymentTask, RDSBackend, SwitchoverDetails, find_cluster
from moto.rds.responses import RDSResponse

from simulator.catalogue import versions as catalogue
from simulator.rds.clusters import check_upgrade, family_mismatch
from simulator.rds.faults import BlueGreenInvalidConfigurationFault, BlueGreenTaskFailedFault, SwitchoverFailedFault
from simulator.rds.parameters import cluster_group_family, ensure_default_cluster_group, instance_group_family
from simulator.rds.state import IN_SYNC, BlueGreenState, Patch, RealisticRds, bgd_event, payload

TASKS = (
    "CREATING_READ_REPLICA_OF_SOURCE",
    "DB_ENGINE_VERSION_UPGRADE",
    "CONFIGURE_BACKUPS",
    "CREATING_TOPOLOGY_OF_SOURCE",
)
_TASKS_COMPLETED = "Blue/green deployment tasks completed. You can make more modifications to the green environment."
_SWITCHED = "Switchover completed on blue/green deployment."
_MEMBER_STATUSES = {"PROVISIONING", "AVAILABLE", "SWITCHOVER_IN_PROGRESS", "SWITCHOVER_COMPLETED", "SWITCHOVER_FAILED"}
LOGICAL_REPLICATION_REQUIRED = (
    "Blue/Green Deployments require a DB cluster with logical replication enabled. Before you create a "
    "Blue/Green Deployment for a DB cluster, associate the DB cluster with a custom DB cluster parameter "
    "group that enables logical replication (rds.logical_replication = 1)."
)


def _check_logical_replication(sim: RealisticRds, backend: RDSBackend, cluster: Any) -> None:
    """Logical replication must be set in a custom group *and* in effect on every member."""
    name = str(cluster.parameter_group)
    group = backend.db_cluster_parameter_groups.get(name)
    if name.lower().startswith("default.") or group is None:
        raise InvalidParameterCombination(f"{LOGICAL_REPLICATION_REQUIRED} Current group: {name}.")
    value = group.parameters.get("rds.logical_replication", {}).get("ParameterValue")
    if str(value) != "1":
        raise InvalidParameterCombination(
            f"{LOGICAL_REPLICATION_REQUIRED} {name} has rds.logical_replication = {value or 0}."
        )
    for member in cluster.members:
        status = sim.member_status(member)
        if status != IN_SYNC:
            raise InvalidParameterCombination(
                f"Logical replication is not in effect on DB cluster {cluster.db_cluster_identifier}: instance "
                f"{member.db_instance_identifier} is {status} with DB cluster parameter group {name}. "
                "Reboot the writer instance so that it is in sync with the DB cluster parameter group."
            )


def _check_source_version(cluster: Any) -> None:
    """Aurora PostgreSQL blue/green needs a minimum source minor per major.

    The minimums are documented (Aurora User Guide, "Supported Regions and Aurora DB engines for
    Blue/Green Deployments"); the exact error code and text RDS answers with are not, so the code is the
    one RDS uses for other unsupported source configurations (InvalidParameterCombination).
    """
    minimum = catalogue.below_blue_green_minimum(cluster.engine_version)
    if minimum is not None:
        raise InvalidParameterCombination(
            f"Blue/Green Deployments are not supported for aurora-postgresql {cluster.engine_version}. "
            f"The source DB cluster must run version {minimum} or higher."
        )


_ENDED = {"SWITCHOVER_COMPLETED", "DELETING"}


def _proxies_targeting(backend: RDSBackend, cluster_id: str) -> list[str]:
    return [
        proxy.db_proxy_name
        for proxy in backend.db_proxies.values()
        for group in proxy.proxy_target_groups.values()
        for target in group.targets
        if target.type == "TRACKED_CLUSTER" and target.rds_resource_id == cluster_id
    ]


def _check_proxies(backend: RDSBackend, cluster: Any) -> None:
    """Aurora User Guide, "Using RDS Proxy with Blue/Green Deployments": not supported for a global database."""
    proxies = _proxies_targeting(backend, cluster.db_cluster_identifier)
    if proxies and getattr(cluster, "global_cluster_identifier", None):
        raise InvalidParameterCombination(
            f"RDS Proxy is not supported with blue/green deployments of a global database: "
            f"{', '.join(proxies)} target DB cluster {cluster.db_cluster_identifier}."
        )


def _check_not_a_blue_source(backend: RDSBackend, cluster_ids: list[str]) -> None:
    """Same page: once a deployment exists for a cluster, the cluster can't be added to an RDS proxy."""
    for bgd in backend.blue_green_deployments.values():
        source = str(bgd.source).rsplit(":cluster:", 1)[-1]
        if bgd.status not in _ENDED and source in cluster_ids:
            raise InvalidParameterCombination(
                f"DB cluster {source} is the source of blue/green deployment "
                f"{bgd.blue_green_deployment_identifier}: it can't be added to an RDS proxy until the deployment "
                "is switched over or deleted."
            )


def _check_no_zero_etl(sim: RealisticRds, bgd: Any) -> None:
    """Switchover is refused while the blue cluster has a zero-ETL integration.

    Aurora User Guide, "Limitations and considerations for Amazon Aurora blue/green deployments": during
    switchover the blue and green environments can't have zero-ETL integrations with Amazon Redshift; delete
    the integration, switch over, recreate it. The error code and text are not documented.
    """
    names = [i["IntegrationName"] for i in sim.integrations if i["SourceArn"] in (bgd.source, bgd.target)]
    if names:
        raise InvalidParameterCombination(
            f"Switchover is not supported while the blue/green deployment's clusters have zero-ETL integrations: "
            f"{', '.join(names)}. Delete the integrations, switch over, then recreate them."
        )


def _check_targets(sim: RealisticRds, backend: RDSBackend, cluster: Any, params: Any) -> None:
    """Validate TargetEngineVersion and the target groups; default the groups on a family change."""
    current, target = cluster.engine_version, params.get("TargetEngineVersion") or cluster.engine_version
    if target != current:
        check_upgrade(sim, current, target, allow_major=True)
    family = catalogue.family_of(target)
    changes_family = family is not None and family != catalogue.family_of(current)
    cluster_group = params.get("TargetDBClusterParameterGroupName")
    instance_group = params.get("TargetDBParameterGroupName")
    if cluster_group is not None:
        if (found := cluster_group_family(backend, cluster_group)) != family and family is not None:
            raise family_mismatch("DB cluster parameter group", cluster_group, found, family)
    elif changes_family:
        params["TargetDBClusterParameterGroupName"] = ensure_default_cluster_group(backend, str(family))
    if instance_group is not None:
        if (found := instance_group_family(backend, instance_group)) != family and family is not None:
            raise family_mismatch("DB parameter group", instance_group, found, family)
    elif changes_family:
        params["TargetDBParameterGroupName"] = f"default.{family}"


def _set_tasks(bgd: Any, statuses: list[str]) -> None:
    bgd.tasks = [BlueGreenDeploymentTask(name, status) for name, status in zip(TASKS, statuses, strict=True)]


def _progress(completed: int) -> list[str]:
    """Task statuses with ``completed`` tasks completed and the next one in progress."""
    done = max(0, min(completed, len(TASKS)))
    rest = len(TASKS) - done
    return ["COMPLETED"] * done + (["IN_PROGRESS"] + ["PENDING"] * (rest - 1) if rest else [])


def _set_status(bgd: Any, state: BlueGreenState | None, status: str) -> None:
    """Set the deployment status and per-member SwitchoverDetails (moto keeps a single entry)."""
    bgd.set_status(BlueGreenDeployment.SupportedStates[status])
    if state is None:
        return
    member_status = status if status in _MEMBER_STATUSES else "AVAILABLE"
    bgd.switchover_details = [SwitchoverDetails(bgd.source, bgd.target, member_status)] + [
        SwitchoverDetails(blue.db_instance_arn, green.db_instance_arn, member_status)
        for green, blue in state.instance_pairs
    ]


def _pair_instances(blue: Any, green: Any) -> list[tuple[Any, Any]]:
    """(green, blue) instance pairs: moto names each green copy "<blue id>-green-xxxxxx"."""
    blue_by_id = {m.db_instance_identifier: m for m in blue.members}
    pairs = []
    for copy_ in green.members:
        original = blue_by_id.get(copy_.db_instance_identifier.rpartition("-green-")[0])
        if original is not None:
            pairs.append((copy_, original))
    return pairs


def _after_create(sim: RealisticRds, bgd: Any, blue: Any) -> None:
    """Turn moto's instant deployment into a provisioning one and fix what moto forgets on green."""
    green = find_cluster(bgd.target)
    green.serverless_v2_scaling_configuration = copy.copy(blue.serverless_v2_scaling_configuration)
    green.db_subnet_group_name = blue.db_subnet_group_name
    pairs = _pair_instances(blue, green)
    # "RDS copies the complete topology and configuration of the Aurora DB cluster to create the green environment"
    # (Aurora User Guide, Overview of Amazon Aurora Blue/Green Deployments); moto gives every copy tier 1
    for green_instance, blue_instance in pairs:
        green_instance.promotion_tier = blue_instance.promotion_tier
    fault = sim.injector.claim("blue_green_invalid_configuration", "blue_green_task_failed")
    state = BlueGreenState(
        sim.countdown("blue_green_provisioning", bgd_event(bgd, "RDS-EVENT-0244", _TASKS_COMPLETED)),
        fault,
        blue_cluster=blue,
        green_cluster=green,
        instance_pairs=pairs,
    )
    sim.blue_green[bgd] = state
    if sim.databases is not None:
        sim.databases.green_created(blue, green)
    _set_tasks(bgd, ["PENDING"] * len(TASKS))
    bgd.status_details = None
    _set_status(bgd, state, "PROVISIONING")


def _fail(sim: RealisticRds, bgd: Any, state: BlueGreenState, kind: str, details: str) -> None:
    bgd.status_details = details
    state.frozen = True
    sim.injector.record(kind, "DescribeBlueGreenDeployments", bgd.blue_green_deployment_identifier)


def _advance_provisioning(sim: RealisticRds, bgd: Any, state: BlueGreenState) -> None:
    done = state.provisioning.tick()
    total = max(state.provisioning.total, 1)
    completed = len(TASKS) if done else (state.provisioning.elapsed - 1) * len(TASKS) // total
    fault = state.provisioning_fault
    if isinstance(fault, BlueGreenTaskFailedFault) and completed > TASKS.index(fault.task):
        failed = TASKS.index(fault.task)
        _set_tasks(bgd, ["COMPLETED"] * failed + ["FAILED"] + ["PENDING"] * (len(TASKS) - failed - 1))
        _fail(sim, bgd, state, fault.kind, fault.details())
        return
    _set_tasks(bgd, _progress(completed))
    if not done:
        return
    if isinstance(fault, BlueGreenInvalidConfigurationFault):
        _set_status(bgd, state, "INVALID_CONFIGURATION")
        _fail(sim, bgd, state, fault.kind, fault.status_details)
    else:
        _set_status(bgd, state, "AVAILABLE")


def _rename(backend: RDSBackend, instance: Any, new_name: str) -> None:
    backend.databases.pop(instance.db_instance_identifier)
    instance.db_instance_identifier = new_name
    backend.databases[new_name] = instance


def _switch(bgd: Any, state: BlueGreenState) -> None:
    """moto's cluster switchover, plus what AWS also does: members follow, instances are renamed."""
    blue, green = state.blue_cluster, state.green_cluster
    blue_members, green_members = list(blue.members), list(green.members)
    bgd.switchover()  # renames blue -> <id>-old1 and green -> <id>; resource ids stay with the objects
    for member in blue_members:
        member.db_cluster_identifier = blue.db_cluster_identifier
    for member in green_members:
        member.db_cluster_identifier = green.db_cluster_identifier
    backend = bgd.backend
    names = {id(b): b.db_instance_identifier for _, b in state.instance_pairs}
    for _, blue_instance in state.instance_pairs:
        _rename(backend, blue_instance, f"{names[id(blue_instance)]}-old1")
    for green_instance, blue_instance in state.instance_pairs:
        _rename(backend, green_instance, names[id(blue_instance)])
    _set_status(bgd, state, "SWITCHOVER_COMPLETED")


def _advance_switchover(sim: RealisticRds, bgd: Any, state: BlueGreenState) -> None:
    if state.switchover is None or not state.switchover.tick():
        return
    state.switchover = None
    if isinstance(state.switchover_fault, SwitchoverFailedFault):
        _set_status(bgd, state, "SWITCHOVER_FAILED")
        _fail(sim, bgd, state, state.switchover_fault.kind, state.switchover_fault.status_details)
        if sim.databases is not None:
            sim.databases.switchover_rolled_back()
        return
    hooks = sim.databases
    behind = hooks.switchover_finishing() if hooks is not None else None
    if hooks is not None and behind is not None:
        # Aurora User Guide, "Switching a blue/green deployment": its guardrails refuse a switchover when blue has
        # changes logical replication does not carry ("Unsupported PostgreSQL changes": DDL, large objects), and
        # the switchover waits for green to catch up, rolled back with nothing changed past SwitchoverTimeout.
        bgd.status_details = f"Switchover failed and was rolled back: {behind}."
        _set_status(bgd, state, "SWITCHOVER_FAILED")
        state.frozen = True
        hooks.switchover_rolled_back()
        return
    _switch(bgd, state)
    if hooks is not None:
        hooks.switchover_completed()


def _advance(sim: RealisticRds, bgd: Any) -> None:
    state = sim.blue_green.get(bgd)
    if state is None or state.frozen:
        return
    if bgd.status == "PROVISIONING":
        _advance_provisioning(sim, bgd, state)
    elif bgd.status == "SWITCHOVER_IN_PROGRESS":
        _advance_switchover(sim, bgd, state)


def _check_timeout(timeout: Any) -> None:
    if timeout is not None and not 30 <= int(timeout) <= 3600:
        raise InvalidParameterValue(
            f"SwitchoverTimeout {timeout} is not valid. Specify a value between 30 and 3600 seconds."
        )


def patches(sim: RealisticRds) -> list[Patch]:
    """Replacements for the blue/green actions of ``RDSResponse``."""
    create = RDSResponse.create_blue_green_deployment
    describe = RDSResponse.describe_blue_green_deployments
    delete = RDSResponse.delete_blue_green_deployment
    switchover = RDSResponse.switchover_blue_green_deployment

    def create_blue_green_deployment(self: RDSResponse) -> Any:
        source = str(self.params.get("Source"))
        if not self.backend._is_cluster(source):
            return create(self)  # instance deployments are not part of this simulator
        blue = find_cluster(source)
        _check_source_version(blue)
        _check_proxies(self.backend, blue)
        _check_logical_replication(sim, self.backend, blue)
        _check_targets(sim, self.backend, blue, self.params)
        created = payload(create(self))["BlueGreenDeployment"]
        bgd = self.backend.blue_green_deployments[created.blue_green_deployment_identifier]
        _after_create(sim, bgd, blue)
        return ActionResult({"BlueGreenDeployment": bgd})

    def describe_blue_green_deployments(self: RDSResponse) -> Any:
        result = describe(self)
        for bgd in payload(result)["BlueGreenDeployments"]:
            _advance(sim, bgd)
        return result

    def switchover_blue_green_deployment(self: RDSResponse) -> Any:
        identifier = self.params.get("BlueGreenDeploymentIdentifier")
        timeout = self.params.get("SwitchoverTimeout")
        _check_timeout(timeout)
        bgd = self.backend.blue_green_deployments.get(identifier)
        if bgd is None:
            raise BlueGreenDeploymentNotFoundFault(identifier)
        state = sim.blue_green.get(bgd)
        if state is None:
            return switchover(self)
        if bgd.status not in ("AVAILABLE", "SWITCHOVER_FAILED"):
            raise InvalidBlueGreenDeploymentStateFault(identifier)
        if bgd.status == "AVAILABLE" and sim.injector.claim("switchover_not_ready") is not None:
            # Right after AVAILABLE, RDS can still refuse the switchover for a while
            # (hashicorp/terraform-provider-aws#36241: the provider retries it for minutes).
            sim.injector.record("switchover_not_ready", "SwitchoverBlueGreenDeployment", identifier)
            raise InvalidBlueGreenDeploymentStateFault(identifier)
        _check_no_zero_etl(sim, bgd)
        sim.switchover_timeouts.append(None if timeout is None else int(timeout))
        state.switchover = sim.countdown("switchover", bgd_event(bgd, "RDS-EVENT-0248", _SWITCHED))
        state.frozen = False
        state.switchover_fault = sim.injector.claim("switchover_failed")
        bgd.status_details = None
        _set_status(bgd, state, "SWITCHOVER_IN_PROGRESS")
        if sim.databases is not None:
            # Aurora User Guide, "Switching a blue/green deployment": writes to blue stop and its connections
            # are dropped before green catches up and takes the names
            sim.databases.switchover_started()
        return ActionResult({"BlueGreenDeployment": bgd})

    def delete_blue_green_deployment(self: RDSResponse) -> Any:
        identifier = self.params.get("BlueGreenDeploymentIdentifier")
        bgd = self.backend.blue_green_deployments.get(identifier)
        if bgd is not None and bgd.status == "SWITCHOVER_IN_PROGRESS":
            raise InvalidBlueGreenDeploymentStateFault(identifier)
        # API reference DeleteBlueGreenDeployment: "You can't specify this option if the blue/green deployment
        # status is SWITCHOVER_COMPLETED" -- DeleteTarget=false included (the error code is not documented).
        if bgd is not None and "DeleteTarget" in self.params and bgd.status == "SWITCHOVER_COMPLETED":
            raise InvalidParameterCombination(
                "You can't delete the target of a blue/green deployment whose switchover is complete. "
                "Delete the blue/green deployment without DeleteTarget."
            )
        return delete(self)

    register_proxy_targets = RDSResponse.register_db_proxy_targets

    def register_db_proxy_targets(self: RDSResponse) -> Any:
        _check_not_a_blue_source(self.backend, list(self.params.get("DBClusterIdentifiers") or []))
        return register_proxy_targets(self)

    handlers = [
        register_db_proxy_targets,
        create_blue_green_deployment,
        describe_blue_green_deployments,
        switchover_blue_green_deployment,
        delete_blue_green_deployment,
    ]
    return [Patch(RDSResponse, f.__name__, f) for f in handlers]
