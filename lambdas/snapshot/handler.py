"""Lambda entry points of this step; the logic lives in the domain module."""

from __future__ import annotations

from upgrade.preparation import snapshot
from upgrade.shared.runtime import rds_step

start = rds_step("start_snapshot", snapshot.start_snapshot)
check = rds_step("check_snapshot", snapshot.check_snapshot)
