"""Where a whole preflight report is kept: an S3 object per execution, which the state then points to.

Step Functions' best practice for data past a state's 256 KiB is to keep it in S3 and pass its
location ("Use Amazon S3 ARNs instead of passing large payloads",
https://docs.aws.amazon.com/step-functions/latest/dg/sfn-best-practices.html#avoid-exec-failures).
The key is fixed by the cluster and the execution (names are unique per state machine), so a
retried or re-run step writes the same object again instead of adding one.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws.s3 import S3
from upgrade.shared.post_upgrade_result import PostUpgradeResult
from upgrade.shared.preflight_report import PreflightReport, ReportLocation

PREFIX = "reports/"  # the only prefix the writing function may put objects under


def report_key(cluster_id: str, execution_name: str, step: str = "preflight") -> str:
    return f"{PREFIX}{cluster_id}/{execution_name}/{step}.json"


@dataclass(frozen=True)
class ReportStore:
    s3: S3
    bucket: str

    def keep(self, report: PreflightReport, execution_name: str) -> PreflightReport:
        """Write the whole report; answer the bounded summary that names where it is."""
        return report.bounded(
            self._write(report.cluster_id, execution_name, "preflight", report.model_dump_json(indent=1))
        )

    def keep_post_upgrade(self, result: PostUpgradeResult, cluster_id: str, execution_name: str) -> PostUpgradeResult:
        """The post-upgrade work lists grow with the databases: the same, under the upgraded cluster's id."""
        return result.bounded(self._write(cluster_id, execution_name, "post-upgrade", result.model_dump_json(indent=1)))

    def _write(self, cluster_id: str, execution_name: str, step: str, body: str) -> ReportLocation:
        location = ReportLocation(
            bucket=self.bucket, key=report_key(cluster_id, execution_name, step), region=self.s3.region
        )
        self.s3.put_json(location.bucket, location.key, body)
        return location
