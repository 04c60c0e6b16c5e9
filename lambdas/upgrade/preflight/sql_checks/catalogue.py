"""The catalogue of in-database prechecks, in report order.

AWS has no precheck-only API: an upgrade that fails Aurora's prechecks fails twenty minutes in. These
checks find the same problems (and the blue/green ones) in every database before anything changes.
The rules live in the sql_checks_* modules; this module only orders them and names them.

Catalogue: 36 SQL checks plus DB-connectivity = 37 ids (CHECK_COUNT; a unit test pins the number).
"""

from __future__ import annotations

from upgrade.preflight.sql_checks.blockers import BLOCKERS
from upgrade.preflight.sql_checks.blue_green import BLUE_GREEN_CHECKS
from upgrade.preflight.sql_checks.extensions import EXTENSION_CHECKS
from upgrade.preflight.sql_checks.model import SqlCheck
from upgrade.preflight.sql_checks.removed_builtins import REMOVED_BUILTINS_CHECKS
from upgrade.preflight.sql_checks.risks import RISKS

# Not a query: the runner's verdict on reaching the databases at all, so a report can never look clean
# because nothing could be checked.
CONNECTIVITY_ID = "DB-connectivity"

CHECKS: tuple[SqlCheck, ...] = BLOCKERS + REMOVED_BUILTINS_CHECKS + EXTENSION_CHECKS + RISKS + BLUE_GREEN_CHECKS
CHECK_IDS: tuple[str, ...] = (CONNECTIVITY_ID, *(check.id for check in CHECKS))
CHECK_COUNT = len(CHECK_IDS)

if len(set(CHECK_IDS)) != CHECK_COUNT:  # ids are the report's stable keys; a duplicate would merge two checks
    raise RuntimeError("duplicate precheck ids in the catalogue")


def check(check_id: str) -> SqlCheck:
    """The check with this id (KeyError names the id when there is none)."""
    for candidate in CHECKS:
        if candidate.id == check_id:
            return candidate
    raise KeyError(check_id)


def describe(item: SqlCheck) -> str:
    """One catalogue line: id, scope, severity, version gate, strategies."""
    strategies = ",".join(sorted(item.strategies))
    dynamic = " (depends on the upgrade)" if item.severity_for else ""
    return f"{item.id}: {item.scope}, {item.severity}{dynamic}, {item.versions.text}, {strategies}"
