"""Lambda entry points of this step; the logic lives in the domain module."""

from __future__ import annotations

from upgrade.recovery import rollback
from upgrade.shared.runtime import rds_step

assess = rds_step("assess_rollback", rollback.assess_rollback)
move_aside = rds_step("move_aside", rollback.move_aside)
delete_failed = rds_step("delete_failed_cluster", rollback.delete_failed_cluster)
