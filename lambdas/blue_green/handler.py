"""Lambda entry points of this step; the logic lives in the domain module."""

from __future__ import annotations

from upgrade.shared.runtime import rds_step
from upgrade.strategies import blue_green

create = rds_step("create_blue_green", blue_green.create_blue_green)
check = rds_step("check_blue_green", blue_green.check_blue_green)
start_switchover = rds_step("start_switchover", blue_green.start_switchover)
check_switchover = rds_step("check_switchover", blue_green.check_switchover)
abandon = rds_step("abandon_blue_green", blue_green.abandon)
