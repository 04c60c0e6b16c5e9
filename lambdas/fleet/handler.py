"""Lambda entry points of the fleet state machine (statemachines/fleet.asl.json); the logic is upgrade.fleet."""

from __future__ import annotations

from upgrade.fleet import steps
from upgrade.fleet.settings import fleet_settings
from upgrade.shared.runtime import payload_handler

plan = payload_handler(
    "fleet_plan",
    steps.PlanRequest,
    lambda request, clients: steps.plan(request, clients.rds, clients.sns, fleet_settings()),
)
start_wave = payload_handler(
    "fleet_start_wave",
    steps.FleetRequest,
    lambda request, clients: steps.start_wave(request, clients.sns, fleet_settings()),
)
finish_wave = payload_handler(
    "fleet_finish_wave",
    steps.FinishRequest,
    lambda request, clients: steps.finish(request, clients.stepfunctions, clients.sns, fleet_settings()),
)
preflight_table = payload_handler(
    "fleet_preflight_table",
    steps.FleetRequest,
    lambda request, clients: steps.preflight_table(
        request, clients.stepfunctions, clients.s3, clients.sns, fleet_settings()
    ),
)
failed = payload_handler(
    "fleet_failed", steps.FailedRequest, lambda request, clients: steps.failed(request, clients.sns, fleet_settings())
)
