"""Lambda entry point of the post-upgrade step (result to ``$.post_upgrade``); the logic lives in the domain."""

from __future__ import annotations

from upgrade.database.sessions import sessions_for
from upgrade.post_upgrade.run import run_post_upgrade
from upgrade.shared.report_store import ReportStore
from upgrade.shared.runtime import step_handler
from upgrade.shared.settings import report_settings

handler = step_handler(
    "post_upgrade",
    lambda state, clients: run_post_upgrade(
        state,
        clients.rds,
        sessions_for(clients.secrets, clients.rds_data),
        ReportStore(clients.s3, report_settings().REPORT_BUCKET),
    ),
)
