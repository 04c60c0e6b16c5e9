"""Lambda entry points of this step; the logic lives in the domain module."""

from __future__ import annotations

from upgrade.preparation import source_parameters
from upgrade.shared.runtime import rds_step

prepare = rds_step("prepare_source_parameter_group", source_parameters.prepare_source_parameter_group)
check_sync = rds_step("check_parameter_sync", source_parameters.check_parameter_sync)
