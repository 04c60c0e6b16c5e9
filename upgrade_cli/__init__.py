"""Command-line entry points from a workstation: the workflow's own checks (``preflight``), a cluster written as a
scenario (``capture``), and its upgrade rehearsed in the simulator and printed as a plan (``plan``)."""

import sys
from pathlib import Path

# the checks live in the Lambda code tree; the CLI runs exactly that code
_LAMBDAS = str(Path(__file__).resolve().parent.parent / "lambdas")
if _LAMBDAS not in sys.path:
    sys.path.insert(0, _LAMBDAS)
