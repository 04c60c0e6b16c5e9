"""Aurora PostgreSQL engine catalogue: versions, upgrade paths and engine default parameters.

moto has no engine catalogue (``describe_db_engine_versions`` and the engine-default calls raise
NotImplementedError), so the simulator serves this one instead. The data is a plausible, deterministic
snapshot of the real catalogue, not a copy of it.

Upgrade rule (deterministic, modelled on how AWS publishes paths):

* minor targets: every later minor of the same major (``IsMajorVersionUpgrade`` false);
* major targets: every version of a newer major that was released in the same release wave as the
  source or later, provided that major had already shipped when the source was released.
  So an old minor cannot jump to a major that came out after it: the caller must first do a minor
  upgrade (for example 13.15 has no 17.x target, 13.12 has no 16.x or 17.x target, 11.9 has no 14.x
  target), while 13.20 reaches 14.17/14.18, 15.12/15.13, 16.8/16.9 and 17.4/17.5.
"""

from __future__ import annotations

import re
from typing import Any

from simulator.catalogue.parameters import ParamSpec, Scope, specs_for

ENGINE = "aurora-postgresql"
_RANGE = re.compile(r"(-?\d+(?:\.\d+)?)-(-?\d+(?:\.\d+)?)")

# version -> release wave (YYYY-MM). Minors of one wave share the community release date.
_RELEASES: dict[str, str] = {
    "11.9": "2020-11",
    "11.21": "2023-08",
    "12.9": "2021-11",
    "12.16": "2023-08",
    "12.22": "2024-11",
    "13.9": "2022-11",
    "13.12": "2023-08",
    "13.15": "2024-05",
    "13.20": "2025-02",
    "13.21": "2025-05",
    "14.6": "2022-11",
    "14.9": "2023-08",
    "14.12": "2024-05",
    "14.15": "2024-11",
    "14.17": "2025-02",
    "14.18": "2025-05",
    "15.4": "2023-08",
    "15.7": "2024-05",
    "15.10": "2024-11",
    "15.12": "2025-02",
    "15.13": "2025-05",
    "16.1": "2023-11",
    "16.3": "2024-05",
    "16.6": "2024-11",
    "16.8": "2025-02",
    "16.9": "2025-05",
    "17.4": "2025-02",
    "17.5": "2025-05",
}

# Minors AWS has deprecated: DescribeDBEngineVersions lists them only with IncludeAll=true ("Specifies
# whether to also list the engine versions that aren't available. The default is to list only available
# engine versions", API reference DescribeDBEngineVersions), and nothing can be upgraded to them. Clusters
# still running one exist, and are the ones that most need an upgrade. A scenario can set its own list.
DEPRECATED: frozenset[str] = frozenset({"11.9", "12.9", "13.9"})

# Lowest source minor per major that CreateBlueGreenDeployment accepts for Aurora PostgreSQL
# (Aurora User Guide, "Supported Regions and Aurora DB engines for Blue/Green Deployments").
BLUE_GREEN_MINIMUM: dict[int, str] = {
    11: "11.21",
    12: "12.16",
    13: "13.12",
    14: "14.9",
    15: "15.4",
    16: "16.1",
    17: "17.4",
}

# Community GA of each major: a minor released before a major existed has no path to it.
_MAJOR_GA: dict[int, str] = {
    11: "2018-10",
    12: "2019-10",
    13: "2020-09",
    14: "2021-09",
    15: "2022-10",
    16: "2023-09",
    17: "2024-09",
}

# First minor per major that supports scaling Serverless v2 down to 0 ACU (auto-pause).
_ZERO_ACU_FROM: dict[int, int] = {13: 15, 14: 12, 15: 7, 16: 3, 17: 4}


def _key(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


VERSIONS: tuple[str, ...] = tuple(sorted(_RELEASES, key=_key))
MAJORS: tuple[int, ...] = tuple(sorted({_key(v)[0] for v in VERSIONS}))
FAMILIES: tuple[str, ...] = tuple(f"{ENGINE}{major}" for major in MAJORS)


def major_of(version: str) -> int | None:
    """Major number of a version string ("13.20" -> 13); None when it does not parse."""
    try:
        return _key(version)[0]
    except ValueError:
        return None


def family_of(version: str) -> str | None:
    """DBParameterGroupFamily of a catalogued version, None for versions the catalogue does not know."""
    if version not in _RELEASES:
        return None
    return f"{ENGINE}{_key(version)[0]}"


def family_major(family: str) -> int | None:
    """Major number of a catalogued family ("aurora-postgresql16" -> 16)."""
    if family not in FAMILIES:
        return None
    return int(family.removeprefix(ENGINE))


def _is_target(source: str, target: str) -> bool:
    (s_major, s_minor), (t_major, t_minor) = _key(source), _key(target)
    if t_major == s_major:
        return t_minor > s_minor
    if t_major < s_major:
        return False
    released = _RELEASES[source]
    return _RELEASES[target] >= released and _MAJOR_GA[t_major] <= released


def upgrade_targets(version: str, unavailable: frozenset[str] = DEPRECATED) -> list[str]:
    """Available versions ``version`` may be upgraded to, oldest first; empty for unknown versions."""
    if version not in _RELEASES:
        return []
    return [v for v in VERSIONS if v not in unavailable and _is_target(version, v)]


def is_valid_upgrade(source: str, target: str, unavailable: frozenset[str] = DEPRECATED) -> bool:
    """True when ``target`` is in the ValidUpgradeTarget list of ``source``."""
    return target in upgrade_targets(source, unavailable)


def below_blue_green_minimum(version: str) -> str | None:
    """The minimum blue/green source version of ``version``'s major when ``version`` is older, else None."""
    major = major_of(version)
    minimum = BLUE_GREEN_MINIMUM.get(major) if major is not None else None
    if minimum is None or _key(version) >= _key(minimum):
        return None
    return minimum


def _supports_zero_acu(version: str) -> bool:
    major, minor = _key(version)
    return major in _ZERO_ACU_FROM and minor >= _ZERO_ACU_FROM[major]


def _upgrade_target(source: str, target: str) -> dict[str, Any]:
    return {
        "Engine": ENGINE,
        "EngineVersion": target,
        "Description": f"Aurora PostgreSQL (Compatible with PostgreSQL {target})",
        "AutoUpgrade": False,
        "IsMajorVersionUpgrade": _key(target)[0] != _key(source)[0],
        "SupportedEngineModes": ["provisioned"],
        "SupportsParallelQuery": False,
        "SupportsGlobalDatabases": True,
        "SupportsBabelfish": _key(target)[0] >= 13,
        "SupportsLimitlessDatabase": False,
        "SupportsLocalWriteForwarding": _key(target)[0] >= 14,
        "SupportsIntegrations": _key(target)[0] >= 16,
    }


def _engine_version(version: str, unavailable: frozenset[str]) -> dict[str, Any]:
    major = _key(version)[0]
    return {
        "Engine": ENGINE,
        "MajorEngineVersion": str(major),
        "EngineVersion": version,
        "DBParameterGroupFamily": f"{ENGINE}{major}",
        "DBEngineDescription": "Aurora (PostgreSQL)",
        "DBEngineVersionDescription": f"Aurora PostgreSQL (Compatible with PostgreSQL {version})",
        "ValidUpgradeTarget": [_upgrade_target(version, t) for t in upgrade_targets(version, unavailable)],
        "ExportableLogTypes": ["postgresql"],
        "SupportsLogExportsToCloudwatchLogs": True,
        "SupportsReadReplica": True,
        "SupportedEngineModes": ["provisioned"],
        "SupportedFeatureNames": ["Lambda", "s3Export", "s3Import"],
        "Status": "deprecated" if version in unavailable else "available",
        "SupportsParallelQuery": False,
        "SupportsGlobalDatabases": True,
        "SupportsBabelfish": major >= 13,
        "SupportsLimitlessDatabase": False,
        "SupportsCertificateRotationWithoutRestart": True,
        "SupportsLocalWriteForwarding": major >= 14,
        "SupportsIntegrations": major >= 16,
        "ServerlessV2FeaturesSupport": {
            "MinCapacity": 0.0 if _supports_zero_acu(version) else 0.5,
            "MaxCapacity": 256.0,
        },
    }


def engine_versions(
    engine_version: str | None = None,
    family: str | None = None,
    include_all: bool = False,
    unavailable: frozenset[str] = DEPRECATED,
) -> list[dict[str, Any]]:
    """boto3-shaped ``DBEngineVersion`` dicts, filtered like DescribeDBEngineVersions does.

    Unavailable (deprecated) versions only with ``include_all``, as the API does.
    """
    return [
        _engine_version(v, unavailable)
        for v in VERSIONS
        if (engine_version is None or v == engine_version)
        and (family is None or family_of(v) == family)
        and (include_all or v not in unavailable)
    ]


def _as_parameter(spec: ParamSpec) -> dict[str, Any]:
    parameter: dict[str, Any] = {
        "ParameterName": spec.name,
        "Description": spec.description,
        "Source": "engine-default",
        "ApplyType": spec.apply_type,
        "DataType": spec.data_type,
        "AllowedValues": spec.allowed_values,
        "IsModifiable": spec.modifiable,
        "ApplyMethod": "pending-reboot" if spec.apply_type == "static" else "immediate",
        "SupportedEngineModes": ["provisioned"],
    }
    if spec.default is not None:
        parameter["ParameterValue"] = spec.default
    return parameter


def default_parameters(family: str, scope: Scope) -> list[dict[str, Any]]:
    """Engine default parameters of a family, sorted by name; empty for unknown families."""
    major = family_major(family)
    if major is None:
        return []
    return [_as_parameter(spec) for spec in specs_for(scope, major)]


def find_parameter(family: str, scope: Scope, name: str) -> dict[str, Any] | None:
    """The engine default entry of one parameter, or None when the family does not have it."""
    return next((p for p in default_parameters(family, scope) if p["ParameterName"] == name), None)


def value_allowed(parameter: dict[str, Any], value: str) -> bool:
    """Whether ``value`` fits the parameter's AllowedValues (ranges "a-b", enums, and lists).

    Values that are formulas ("{DBInstanceClassMemory/...}") or parameters without AllowedValues
    are accepted, as AWS only checks literal values against the published range.
    """
    allowed = parameter.get("AllowedValues")
    if not allowed or value.startswith(("{", "GREATEST", "LEAST", "SUM")):
        return True
    if parameter.get("DataType") in ("integer", "float"):
        return _in_ranges(allowed, value)
    choices = {c.strip() for c in allowed.split(",")}
    if parameter.get("DataType") == "list":
        return all(item.strip() in choices for item in value.split(",") if item.strip())
    return value in choices


def _in_ranges(allowed: str, value: str) -> bool:
    try:
        number = float(value)
    except ValueError:
        return False
    for part in allowed.split(","):
        bounds = _RANGE.fullmatch(part.strip())
        if bounds and float(bounds[1]) <= number <= float(bounds[2]):
            return True
    return False
