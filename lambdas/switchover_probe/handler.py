"""Lambda entry point of the write probe beside the switchover (result to ``$.switchover_probe``).

Reads nothing from the environment while it runs beyond what the runtime read at import (the simulator runs it
concurrently with the switchover branch's steps: simulator/engine/harness.py, ``concurrent``).
"""

from __future__ import annotations

from upgrade.shared.runtime import payload_handler
from upgrade.switchover_probe.step import ProbeRequest, measure_switchover

handler = payload_handler(
    "switchover_probe",
    ProbeRequest,
    lambda request, clients: measure_switchover(request, clients.rds, clients.secrets, clients.rds_data),
)
