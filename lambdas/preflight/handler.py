"""Lambda entry point of preflight; the checks live in the domain modules."""

from __future__ import annotations

from upgrade.preflight.in_database import heartbeat_maker, in_database_checks
from upgrade.preflight.run import run_preflight
from upgrade.shared.report_store import ReportStore
from upgrade.shared.runtime import step_handler
from upgrade.shared.settings import report_settings

handler = step_handler(
    "preflight",
    lambda state, clients: run_preflight(
        state,
        clients.rds,
        in_database_checks(clients.secrets, clients.rds_data),
        clients.stepfunctions,
        ReportStore(clients.s3, report_settings().REPORT_BUCKET),
        heartbeat_maker(clients.secrets),
    ),
)
