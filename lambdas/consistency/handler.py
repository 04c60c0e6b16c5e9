"""Lambda entry point of the blue/green consistency check (result to ``$.consistency``)."""

from __future__ import annotations

from upgrade.consistency.check import run_consistency_check
from upgrade.database.sessions import sessions_for
from upgrade.shared.runtime import step_handler

handler = step_handler(
    "consistency_check",
    lambda state, clients: run_consistency_check(state, clients.rds, sessions_for(clients.secrets, clients.rds_data)),
)
