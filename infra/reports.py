"""The bucket of whole preflight reports and post-upgrade results, which outgrow what a Step Functions state may hold.

A state holds at most 256 KiB; the workflow keeps a bounded summary and writes the whole report
here (Step Functions best practice: "Use Amazon S3 ARNs instead of passing large payloads").
Encrypted with S3-managed keys (no key grant for readers), no public access, TLS only; reports
expire after ``expire_after_days``. The bucket is retained when the stack is deleted: reports are
what an operator may still need, and nothing deletes data implicitly.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

REPORTS_PREFIX = "reports/"  # lambdas/upgrade/shared/report_store.py writes under it, and only there

NO_ACCESS_LOGS_REASON = (
    "Objects here are written only by the preflight and post-upgrade functions (s3:PutObject under reports/, in "
    "CloudTrail as that role) and read by operators; a server-access-log bucket would need the same exemption. "
    "Turn on CloudTrail data events for this bucket where reads must be audited."
)
PUT_UNDER_PREFIX_REASON = (
    "s3:PutObject under reports/: the function writes one object per execution, "
    "reports/<cluster>/<execution>/<step>.json, whose name is known only at run time; the grant is scoped to "
    "this bucket's reports/ prefix and allows nothing else (no read, no delete, no multipart: one small PutObject)."
)


class Reports(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, expire_after_days: int) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireReports",
                    prefix=REPORTS_PREFIX,
                    expiration=Duration.days(expire_after_days),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        Validations.of(self.bucket).acknowledge(Acknowledgment(id="AwsSolutions-S1", reason=NO_ACCESS_LOGS_REASON))

    def allow_writing(self, writer: iam.IGrantable, role: iam.IRole) -> None:
        """s3:PutObject on this bucket's reports/ prefix, nothing more: grant_put would add s3:Abort* and the
        object lock and tagging actions, which one small PutObject never uses (the simulator shows each grant used)."""
        writer.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                sid="WriteReports",
                actions=["s3:PutObject"],
                resources=[self.bucket.arn_for_objects(f"{REPORTS_PREFIX}*")],
            )
        )
        bucket = self.bucket.node.default_child
        assert isinstance(bucket, s3.CfnBucket)
        logical_id = Stack.of(self).get_logical_id(bucket)
        Validations.of(role).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::<{logical_id}.Arn>/{REPORTS_PREFIX}*]", reason=PUT_UNDER_PREFIX_REASON
            ),
        )
