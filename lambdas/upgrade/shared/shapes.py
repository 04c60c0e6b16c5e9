"""What the fleet and notification steps need to know about a state's shape without the models that describe it.

Importing ``upgrade.shared.models`` builds some 35 pydantic classes (about a tenth of a bare ``import boto3``); a
function that only checks a cluster identifier or tells the whole workflow state from a branch's output imports
this instead (docs/benchmark.md, cold import).
"""

from typing import Any

# letter first, then letters/digits with single hyphens, no trailing hyphen (RDS rules)
CLUSTER_ID_PATTERN = r"^[a-zA-Z](-?[a-zA-Z0-9])*$"


def is_workflow_state(output: dict[str, Any]) -> bool:
    """A state's output that is the whole workflow state (every step's holds ``input`` and ``execution``), not the part
    a Parallel branch's state returns."""
    return "input" in output and "execution" in output
