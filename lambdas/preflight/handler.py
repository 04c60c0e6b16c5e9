"""Lambda entry point of preflight; the checks live in the domain modules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upgrade.preflight.run import DatabaseCheck, DatabaseChecks, run_preflight
from upgrade.shared.report_store import ReportStore
from upgrade.shared.runtime import Clients, step_handler
from upgrade.shared.settings import report_settings

if TYPE_CHECKING:
    from upgrade.shared.models import UpgradeInput
    from upgrade.shared.preflight_report import CheckResult

# run_preflight calls these only when the input gives database access: upgrade.preflight.in_database (with the
# database access code and the Data API wrapper) is imported then, and a run without database access does not
# compile it at cold start.


def _in_database_checks(clients: Clients) -> DatabaseChecks:
    def checks(request: UpgradeInput, cluster: dict[str, Any]) -> list[CheckResult]:
        from upgrade.preflight.in_database import in_database_checks

        return in_database_checks(clients.secrets, clients.rds_data)(request, cluster)

    return checks


def _heartbeat_maker(clients: Clients) -> DatabaseCheck:
    def make(request: UpgradeInput, cluster: dict[str, Any]) -> CheckResult:
        from upgrade.preflight.in_database import heartbeat_maker

        return heartbeat_maker(clients.secrets)(request, cluster)

    return make


handler = step_handler(
    "preflight",
    lambda state, clients: run_preflight(
        state,
        clients.rds,
        _in_database_checks(clients),
        clients.stepfunctions,
        ReportStore(clients.s3, report_settings().REPORT_BUCKET),
        _heartbeat_maker(clients),
    ),
)
