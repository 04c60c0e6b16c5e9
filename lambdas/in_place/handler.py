"""Lambda entry points of this step; the logic lives in the domain module."""

from __future__ import annotations

from upgrade.shared.runtime import rds_step
from upgrade.strategies import in_place

start = rds_step("start_in_place_upgrade", in_place.start_in_place_upgrade)
check = rds_step("check_in_place_upgrade", in_place.check_in_place_upgrade)
settle = rds_step("settle_instances", in_place.settle_instances)
