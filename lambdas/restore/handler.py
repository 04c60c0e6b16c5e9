"""Lambda entry points of this step; the logic lives in the domain module."""

from __future__ import annotations

from upgrade.recovery import restore
from upgrade.shared.runtime import rds_step

restore_cluster = rds_step("restore_cluster", restore.restore_cluster)
create_instances = rds_step("create_instances", restore.create_instances)
verify = rds_step("verify_restore", restore.verify_restore)
