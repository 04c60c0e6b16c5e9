"""Which user-set parameters carry over to the target family, and how.

Pure logic: the source group's user values plus the target family's engine defaults in,
a carry-over decision out. A parameter survives when the target family knows it (maybe
under a new name), lets users modify it, and accepts the value.
"""

from __future__ import annotations

import re
from typing import Any

from upgrade.shared.models import ParameterCarryOver

# PostgreSQL renames: old name -> new name (the target defaults decide if it applies)
RENAMED = {
    "force_parallel_mode": "debug_parallel_query",
    "wal_keep_segments": "wal_keep_size",
}


def carry_over(user_values: dict[str, str], target_defaults: list[dict[str, Any]]) -> ParameterCarryOver:
    known = {p["ParameterName"]: p for p in target_defaults}
    carried: dict[str, str] = {}
    renamed: dict[str, str] = {}
    dropped: dict[str, str] = {}
    for name, value in sorted(user_values.items()):
        target_name = name if name in known else RENAMED.get(name, name)
        definition = known.get(target_name)
        if definition is None:
            dropped[name] = "not a parameter of the target family"
        elif not definition.get("IsModifiable", True):
            dropped[name] = "not modifiable in the target family"
        elif not accepts(definition, value):
            dropped[name] = f"value '{value}' not allowed in the target family ({definition.get('AllowedValues')})"
        else:
            carried[target_name] = value
            if target_name != name:
                renamed[name] = target_name
    return ParameterCarryOver(carried=carried, renamed=renamed, dropped=dropped)


_RANGE = re.compile(r"^(-?\d+(?:\.\d+)?)-(-?\d+(?:\.\d+)?)$")


def accepts(definition: dict[str, Any], value: str) -> bool:
    """Check a value against ``AllowedValues``: a numeric range (bounds may be negative), or a list of choices."""
    allowed = definition.get("AllowedValues")
    if not allowed:
        return True
    numeric_range = _RANGE.match(allowed.strip())
    if numeric_range:
        try:
            return float(numeric_range[1]) <= float(value) <= float(numeric_range[2])
        except ValueError:
            return False
    choices = {choice.strip() for choice in allowed.split(",")}
    if definition.get("DataType") == "list":
        return all(item.strip() in choices for item in value.split(",") if item.strip())
    return value in choices
