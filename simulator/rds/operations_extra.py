"""Read-only RDS actions moto lacks: instance classes per version (from the catalogue), pending
maintenance (none unless a scenario could declare some; the workflow only reads it), and zero-ETL
integrations (those a scenario or test gave the realism layer)."""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.rds.exceptions import RDSClientError
from moto.rds.responses import RDSResponse

from simulator.catalogue import versions as catalogue
from simulator.rds.parameters import paginate
from simulator.rds.state import Patch, RealisticRds

# Aurora PostgreSQL instance classes; the Graviton 1 and older Intel classes end at the majors AWS stopped them
_CLASSES: dict[str, tuple[int, int]] = {
    "db.serverless": (13, 17),
    "db.t3.medium": (11, 17),
    "db.t4g.medium": (11, 17),
    "db.r5.large": (11, 17),
    "db.r6g.large": (11, 17),
    "db.r6g.xlarge": (11, 17),
    "db.r6i.large": (11, 17),
    "db.r7g.large": (13, 17),
    "db.r4.large": (11, 12),
    "db.t3.large": (11, 14),
}


def _orderable(version: str, instance_class: str | None) -> list[dict[str, Any]]:
    major = catalogue.major_of(version)
    if major is None:
        return []
    return [
        {
            "Engine": "aurora-postgresql",
            "EngineVersion": version,
            "DBInstanceClass": name,
            "SupportsClusters": True,
            "AvailabilityZones": [{"Name": "us-east-1a"}],
        }
        for name, (first, last) in _CLASSES.items()
        if first <= major <= last and (instance_class is None or instance_class == name)
    ]


def patches(sim: RealisticRds) -> list[Patch]:
    orderable = RDSResponse.describe_orderable_db_instance_options

    def describe_orderable_db_instance_options(self: RDSResponse) -> ActionResult:
        if self.params.get("Engine") != catalogue.ENGINE:
            return orderable(self)  # other engines: moto's own answer
        version = str(self.params.get("EngineVersion") or "")
        return ActionResult({"OrderableDBInstanceOptions": _orderable(version, self.params.get("DBInstanceClass"))})

    def describe_pending_maintenance_actions(self: RDSResponse) -> ActionResult:
        return ActionResult({"PendingMaintenanceActions": []})

    def describe_integrations(self: RDSResponse) -> ActionResult:
        # API reference DescribeIntegrations: IntegrationIdentifier (name or ARN) narrows the list
        wanted = self.params.get("IntegrationIdentifier")
        found = [i for i in sim.integrations if wanted in (None, i["IntegrationName"], i["IntegrationArn"])]
        if wanted is not None and not found:
            raise RDSClientError("IntegrationNotFoundFault", f"Integration {wanted} not found.")
        page, marker = paginate(found, self.params)
        return ActionResult({"Integrations": page, "Marker": marker})

    return [
        Patch(RDSResponse, "describe_integrations", describe_integrations, create=True),
        Patch(RDSResponse, "describe_orderable_db_instance_options", describe_orderable_db_instance_options),
        Patch(RDSResponse, "describe_pending_maintenance_actions", describe_pending_maintenance_actions, create=True),
    ]
