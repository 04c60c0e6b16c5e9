"""Lambda entry points of this step; the logic lives in the domain module."""

from __future__ import annotations

from upgrade.preparation import target_parameters
from upgrade.shared.runtime import rds_step

handler = rds_step("create_target_parameter_groups", target_parameters.create_target_parameter_groups)
