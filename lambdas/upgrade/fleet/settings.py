"""The fleet functions' environment: the topic, the configured clusters, the upgrade state machine."""

from pydantic import ConfigDict, Field

from upgrade.shared.base_model import Model
from upgrade.shared.settings import parse_environment


class FleetSettings(Model):
    model_config = ConfigDict(frozen=True)

    TOPIC_ARN: str
    CLUSTERS: str = ""  # comma separated: the clusters the stack's roles are scoped to
    UPGRADE_STATE_MACHINE_ARN: str = Field(pattern=r"^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:.+$")
    REPORT_BUCKET: str = ""  # only the fleet preflight table writes there

    @property
    def cluster_ids(self) -> tuple[str, ...]:
        return tuple(cluster.strip() for cluster in self.CLUSTERS.split(",") if cluster.strip())

    def child_execution_arn(self, name: str) -> str:
        """An execution's ARN is its state machine's with ``execution`` for ``stateMachine`` and its name added."""
        return f"{self.UPGRADE_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:', 1)}:{name}"


def fleet_settings() -> FleetSettings:
    return parse_environment(FleetSettings)
