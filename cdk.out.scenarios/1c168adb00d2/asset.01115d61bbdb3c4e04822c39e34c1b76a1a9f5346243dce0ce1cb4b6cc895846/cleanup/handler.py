"""Lambda entry points of this step; the logic lives in the domain module."""

from __future__ import annotations

from upgrade import cleanup
from upgrade.runtime import rds_step

handler = rds_step("clean_up", cleanup.clean_up)
