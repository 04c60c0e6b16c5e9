"""Engine catalogue and parameter-group realism for moto's RDS responses.

moto cannot describe engine versions or engine defaults, accepts any parameter group family and any
parameter, and describes only the parameters a user set. Real RDS serves the catalogue, rejects
unknown families and parameters, merges user values over the family's engine defaults, and puts the
instances using a group into ``pending-reboot`` when a static parameter changes. This module gives
moto those behaviours at the ``RDSResponse`` (API) level.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.rds.exceptions import InvalidParameterCombination, InvalidParameterValue, RDSClientError
from moto.rds.models import RDSBackend
from moto.rds.responses import RDSResponse

from simulator.catalogue import versions as catalogue
from simulator.catalogue.parameters import Scope
from simulator.rds.state import PENDING_REBOOT, Patch, RealisticRds

MAX_PARAMETERS_PER_MODIFY = 20


def paginate(items: list[Any], params: Any) -> tuple[list[Any], str | None]:
    """Slice ``items`` by MaxRecords (20-100, default 100) and an opaque offset Marker, like RDS."""
    max_records = int(params.get("MaxRecords") or 100)
    if not 20 <= max_records <= 100:
        raise InvalidParameterValue(f"Invalid value {max_records} for MaxRecords. Must be between 20 and 100")
    marker = params.get("Marker")
    start = int(marker) if marker and str(marker).isdigit() else 0
    end = start + max_records
    return items[start:end], (str(end) if end < len(items) else None)


def _default_family(name: str) -> str | None:
    family = name.lower().removeprefix("default.")
    return family if name.lower().startswith("default.") and family in catalogue.FAMILIES else None


def cluster_group_family(backend: RDSBackend, name: str, missing_code: str = "DBClusterParameterGroupNotFound") -> str:
    """Family of a cluster parameter group (AWS's built-in ``default.<family>`` groups included).

    RDS reports a missing cluster group as ``DBClusterParameterGroupNotFound`` from ModifyDBCluster and
    CreateBlueGreenDeployment but as ``DBParameterGroupNotFound`` from the parameter-group actions.
    """
    group = backend.db_cluster_parameter_groups.get(name)
    if group is not None:
        return str(group.db_parameter_group_family)
    family = _default_family(name)
    if family is None:
        raise RDSClientError(missing_code, f"DBClusterParameterGroup not found: {name}")
    return family


def instance_group_family(backend: RDSBackend, name: str) -> str:
    """Family of a DB (instance) parameter group, built-in defaults included."""
    group = backend.db_parameter_groups.get(name)
    if group is not None and group.family:
        return str(group.family)
    family = _default_family(name)
    if family is None:
        raise RDSClientError("DBParameterGroupNotFound", f"DBParameterGroup not found: {name}")
    return family


def ensure_default_cluster_group(backend: RDSBackend, family: str) -> str:
    """Create AWS's built-in ``default.<family>`` cluster parameter group in moto if missing."""
    name = f"default.{family}"
    if name not in backend.db_cluster_parameter_groups:
        backend.create_db_cluster_parameter_group(name, family, f"Default cluster parameter group for {family}", None)
    return name


def merged_parameters(family: str, scope: Scope, user: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Engine defaults of ``family`` with the user-set values laid over them (Source "user")."""
    merged = {p["ParameterName"]: p for p in catalogue.default_parameters(family, scope)}
    for name, values in user.items():
        base = merged.get(name) or _unknown_parameter(name, values)
        entry = {**base, "Source": "user", "ParameterName": name}
        if "ParameterValue" in values:
            entry["ParameterValue"] = values["ParameterValue"]
        entry["ApplyMethod"] = values.get("ApplyMethod") or base["ApplyMethod"]
        merged[name] = entry
    return sorted(merged.values(), key=lambda p: p["ParameterName"])


def _unknown_parameter(name: str, values: dict[str, Any]) -> dict[str, Any]:
    """Shape for a user parameter the catalogue does not know (only with strict_parameters off)."""
    static = values.get("ApplyMethod") == "pending-reboot"
    return {
        "ParameterName": name,
        "Description": "",
        "ApplyType": "static" if static else "dynamic",
        "DataType": "string",
        "IsModifiable": True,
        "ApplyMethod": "pending-reboot" if static else "immediate",
        "SupportedEngineModes": ["provisioned"],
    }


def _check_modification(sim: RealisticRds, name: str, family: str, scope: Scope, parameters: list[Any]) -> bool:
    """Validate a Modify*ParameterGroup request like RDS; True when a reboot will be needed."""
    if len(parameters) > MAX_PARAMETERS_PER_MODIFY:
        raise InvalidParameterValue(
            f"At most {MAX_PARAMETERS_PER_MODIFY} parameters can be modified in a single request."
        )
    if name.lower().startswith("default."):
        raise InvalidParameterValue(f"Default parameter groups cannot be modified: {name}")
    needs_reboot = False
    for parameter in parameters:
        spec = catalogue.find_parameter(family, scope, parameter["ParameterName"])
        needs_reboot |= _check_parameter(sim, family, spec, parameter)
    return needs_reboot


def _check_parameter(sim: RealisticRds, family: str, spec: dict[str, Any] | None, parameter: Any) -> bool:
    name, method = parameter["ParameterName"], parameter.get("ApplyMethod")
    if spec is None:
        if sim.strict_parameters and catalogue.family_major(family) is not None:
            raise InvalidParameterValue(f"Could not find parameter with name: {name}")
        return bool(method == "pending-reboot")
    if not spec["IsModifiable"]:
        raise InvalidParameterValue(f"The parameter {name} cannot be modified.")
    if spec["ApplyType"] == "static" and method == "immediate":
        raise InvalidParameterCombination("cannot use immediate apply method for static parameter")
    value = parameter.get("ParameterValue")
    if value is not None and not catalogue.value_allowed(spec, str(value)):
        raise InvalidParameterValue(
            f"Value: {value} is outside of range: {spec['AllowedValues']} for parameter: {name}"
        )
    return bool(spec["ApplyType"] == "static" or method == "pending-reboot")


def _check_family(family: str | None) -> None:
    if family not in catalogue.FAMILIES:
        raise InvalidParameterValue(
            f"Invalid DB parameter group family: {family}. "
            f"Valid families for aurora-postgresql are: {', '.join(catalogue.FAMILIES)}"
        )


def patches(sim: RealisticRds) -> list[Patch]:
    """Replacements for the catalogue and parameter-group actions of ``RDSResponse``."""
    create_cluster_group = RDSResponse.create_db_cluster_parameter_group
    create_group = RDSResponse.create_db_parameter_group
    modify_cluster_group = RDSResponse.modify_db_cluster_parameter_group
    modify_group = RDSResponse.modify_db_parameter_group

    def describe_db_engine_versions(self: RDSResponse) -> ActionResult:
        engine = self.params.get("Engine")
        versions = (
            []
            if engine not in (None, catalogue.ENGINE)
            else catalogue.engine_versions(
                self.params.get("EngineVersion"),
                self.params.get("DBParameterGroupFamily"),
                include_all=bool(self.params.get("IncludeAll")),
                unavailable=sim.unavailable_versions,
            )
        )
        page, marker = paginate(versions, self.params)
        return ActionResult({"DBEngineVersions": page, "Marker": marker})

    def _engine_defaults(self: RDSResponse, scope: Scope) -> ActionResult:
        family = self.params.get("DBParameterGroupFamily")
        _check_family(family)
        page, marker = paginate(catalogue.default_parameters(family, scope), self.params)
        return ActionResult(
            {"EngineDefaults": {"DBParameterGroupFamily": family, "Parameters": page, "Marker": marker}}
        )

    def describe_engine_default_cluster_parameters(self: RDSResponse) -> ActionResult:
        return _engine_defaults(self, "cluster")

    def describe_engine_default_parameters(self: RDSResponse) -> ActionResult:
        return _engine_defaults(self, "instance")

    def _describe(self: RDSResponse, family: str, scope: Scope, user: dict[str, Any]) -> ActionResult:
        parameters = merged_parameters(family, scope, user)
        source = self.params.get("Source")
        if source:
            parameters = [p for p in parameters if p["Source"] == source]
        page, marker = paginate(parameters, self.params)
        return ActionResult({"Parameters": page, "Marker": marker})

    def describe_db_cluster_parameters(self: RDSResponse) -> ActionResult:
        name = self.params.get("DBClusterParameterGroupName")
        group = self.backend.db_cluster_parameter_groups.get(name)
        family = group.db_parameter_group_family if group else _default_family(name)
        if family is None:
            raise RDSClientError("DBParameterGroupNotFound", f"DBClusterParameterGroup not found: {name}")
        return _describe(self, family, "cluster", dict(group.parameters) if group else {})

    def describe_db_parameters(self: RDSResponse) -> ActionResult:
        name = self.params.get("DBParameterGroupName")
        group = self.backend.db_parameter_groups.get(name)
        family = (group.family if group else None) or _default_family(name)
        if family is None:
            raise RDSClientError("DBParameterGroupNotFound", f"DBParameterGroup not found: {name}")
        return _describe(self, family, "instance", dict(group.parameters) if group else {})

    def create_db_cluster_parameter_group(self: RDSResponse) -> Any:
        _check_family(self.params.get("DBParameterGroupFamily"))
        return create_cluster_group(self)

    def create_db_parameter_group(self: RDSResponse) -> Any:
        _check_family(self.params.get("DBParameterGroupFamily"))
        return create_group(self)

    def modify_db_cluster_parameter_group(self: RDSResponse) -> Any:
        name = self.params.get("DBClusterParameterGroupName")
        family = cluster_group_family(self.backend, name, missing_code="DBParameterGroupNotFound")
        parameters = [p.original_dict() for p in self.params.get("Parameters", [])]
        needs_reboot = _check_modification(sim, name, family, "cluster", parameters)
        result = modify_cluster_group(self)
        if needs_reboot:
            for cluster in self.backend.clusters.values():
                if str(cluster.parameter_group).lower() == name.lower():
                    sim.set_member_status(cluster.members, PENDING_REBOOT)
        return result

    def modify_db_parameter_group(self: RDSResponse) -> Any:
        name = self.params.get("DBParameterGroupName")
        family = instance_group_family(self.backend, name)
        parameters = [p.original_dict() for p in self.params.get("Parameters", [])]
        needs_reboot = _check_modification(sim, name, family, "instance", parameters)
        result = modify_group(self)
        if needs_reboot:
            users = [
                db
                for db in self.backend.databases.values()
                if str(db.db_parameter_group_name or "").lower() == name.lower()
            ]
            sim.set_instance_status(users, PENDING_REBOOT)
        return result

    created = [
        describe_db_engine_versions,
        describe_engine_default_cluster_parameters,
        describe_engine_default_parameters,
    ]
    replaced = [
        describe_db_cluster_parameters,
        describe_db_parameters,
        create_db_cluster_parameter_group,
        create_db_parameter_group,
        modify_db_cluster_parameter_group,
        modify_db_parameter_group,
    ]
    return [Patch(RDSResponse, f.__name__, f, create=True) for f in created] + [
        Patch(RDSResponse, f.__name__, f) for f in replaced
    ]
