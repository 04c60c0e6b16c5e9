"""Lambda entry points of this step; the logic lives in the domain module."""

from __future__ import annotations

from upgrade.shared.runtime import rds_step
from upgrade.strategies import cleanup

handler = rds_step("clean_up", cleanup.clean_up)
