"""Command-line entry points that run the workflow's own checks from a workstation."""

import sys
from pathlib import Path

# the checks live in the Lambda code tree; the CLI runs exactly that code
_LAMBDAS = str(Path(__file__).resolve().parent.parent / "lambdas")
if _LAMBDAS not in sys.path:
    sys.path.insert(0, _LAMBDAS)
