"""Lambda entry points of this step; the logic lives in the domain module."""

from __future__ import annotations

from upgrade.preparation import capacity
from upgrade.shared.runtime import rds_step

raise_capacity = rds_step("raise_capacity", capacity.raise_capacity)
restore_capacity = rds_step("restore_capacity", capacity.restore_capacity)
