"""The one wrapper around the RDS API: boto3 calls in, plain dicts and named errors out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from upgrade.shared.errors import AwsThrottled, ClusterBusy, ClusterNotFound, SwitchoverNotReady

_THROTTLING = {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"}
_BUSY = {"InvalidDBClusterStateFault", "InvalidDBInstanceState", "InvalidDBInstanceStateFault"}
_NOT_FOUND = {"DBClusterNotFoundFault"}
_PARAMETERS_PER_CALL = 20  # RDS accepts at most 20 parameters per modify call

Json = dict[str, Any]


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn the codes the workflow reacts to into named exceptions (the ASL retries on names)."""
    try:
        yield
    except ClientError as error:
        code, message = error_code(error), str(error)
        if code in _THROTTLING:
            raise AwsThrottled(message) from error
        if code in _BUSY:
            raise ClusterBusy(message) from error
        if code in _NOT_FOUND:
            raise ClusterNotFound(message) from error
        raise


def _absent_on(codes: set[str], call: Callable[[], Json]) -> Json | None:
    try:
        return call()
    except ClientError as error:
        if error_code(error) in codes:
            return None
        raise


class Rds:
    def __init__(self, client: Any) -> None:
        self._client = client

    def _pages(self, operation: str, key: str, **kwargs: Any) -> list[Json]:
        items: list[Json] = []
        with translated_errors():
            for page in self._client.get_paginator(operation).paginate(**kwargs):
                items.extend(page.get(key, []))
        return items

    # clusters and instances
    def find_cluster(self, cluster_id: str) -> Json | None:
        with translated_errors():
            found = _absent_on(
                {"DBClusterNotFoundFault"},
                lambda: self._client.describe_db_clusters(DBClusterIdentifier=cluster_id),
            )
        clusters = found["DBClusters"] if found else []
        return clusters[0] if clusters else None

    def describe_cluster(self, cluster_id: str) -> Json:
        cluster = self.find_cluster(cluster_id)
        if cluster is None:
            raise ClusterNotFound(f"no DB cluster named '{cluster_id}' in this account and Region")
        return cluster

    def find_cluster_by_resource_id(self, resource_id: str) -> Json | None:
        """Resource IDs survive renames (a switchover renames blue to <id>-old1). Filtered by RDS, not by listing
        every cluster of the account: DescribeDBClusters' ``db-cluster-resource-id`` filter."""
        found = self._pages(
            "describe_db_clusters",
            "DBClusters",
            Filters=[{"Name": "db-cluster-resource-id", "Values": [resource_id]}],
        )
        return next((c for c in found if c.get("DbClusterResourceId") == resource_id), None)

    def clusters_tagged(self, key: str, value: str) -> list[Json]:
        """Clusters carrying a tag, whatever their name now (DescribeDBClusters returns each cluster's TagList)."""
        return [c for c in self._pages("describe_db_clusters", "DBClusters") if tags_of(c).get(key) == value]

    def cluster_instances(self, cluster_id: str) -> list[Json]:
        return self._pages(
            "describe_db_instances", "DBInstances", Filters=[{"Name": "db-cluster-id", "Values": [cluster_id]}]
        )

    def modify_cluster(self, cluster_id: str, **changes: Any) -> Json:
        with translated_errors():
            response = self._client.modify_db_cluster(DBClusterIdentifier=cluster_id, ApplyImmediately=True, **changes)
        return dict(response["DBCluster"])

    def find_instance(self, instance_id: str) -> Json | None:
        with translated_errors():
            found = _absent_on(
                {"DBInstanceNotFound", "DBInstanceNotFoundFault"},
                lambda: self._client.describe_db_instances(DBInstanceIdentifier=instance_id),
            )
        instances = found["DBInstances"] if found else []
        return instances[0] if instances else None

    def modify_instance(self, instance_id: str, **changes: Any) -> None:
        with translated_errors():
            self._client.modify_db_instance(DBInstanceIdentifier=instance_id, ApplyImmediately=True, **changes)

    def create_instance(self, **settings: Any) -> None:
        with translated_errors():
            self._client.create_db_instance(**{k: v for k, v in settings.items() if v is not None})

    def restore_cluster_from_snapshot(self, **settings: Any) -> None:
        with translated_errors():
            self._client.restore_db_cluster_from_snapshot(**{k: v for k, v in settings.items() if v is not None})

    def cluster_events(self, cluster_id: str, minutes: int) -> list[Json]:
        """Recent RDS events of a cluster, oldest first (AWS keeps them for 14 days)."""
        return self._pages(
            "describe_events", "Events", SourceIdentifier=cluster_id, SourceType="db-cluster", Duration=minutes
        )

    def reboot_instance(self, instance_id: str) -> None:
        with translated_errors():
            self._client.reboot_db_instance(DBInstanceIdentifier=instance_id)

    def delete_instance(self, instance_id: str) -> None:
        with translated_errors():
            _absent_on(
                {"DBInstanceNotFound", "DBInstanceNotFoundFault"},
                lambda: self._client.delete_db_instance(DBInstanceIdentifier=instance_id),
            )

    def delete_cluster(self, cluster_id: str, final_snapshot_id: str) -> None:
        with translated_errors():
            self._client.delete_db_cluster(DBClusterIdentifier=cluster_id, FinalDBSnapshotIdentifier=final_snapshot_id)

    # tags
    def tags(self, arn: str) -> dict[str, str]:
        with translated_errors():
            tag_list = self._client.list_tags_for_resource(ResourceName=arn).get("TagList", [])
        return {tag["Key"]: tag["Value"] for tag in tag_list}

    def add_tags(self, arn: str, tags: dict[str, str]) -> None:
        with translated_errors():
            self._client.add_tags_to_resource(ResourceName=arn, Tags=tag_list(tags))

    def remove_tags(self, arn: str, keys: list[str]) -> None:
        with translated_errors():
            self._client.remove_tags_from_resource(ResourceName=arn, TagKeys=keys)

    # engine catalogue
    def engine_version(self, version: str, include_unavailable: bool = False) -> Json | None:
        """One catalogue entry; ``include_unavailable`` also finds deprecated versions.

        API reference DescribeDBEngineVersions: "The default is to list only available engine versions"
        (IncludeAll lists the others). A cluster's current version may be deprecated; a target must not be.
        """
        versions = self._pages(
            "describe_db_engine_versions",
            "DBEngineVersions",
            Engine="aurora-postgresql",
            EngineVersion=version,
            IncludeAll=include_unavailable,
        )
        return versions[0] if versions else None

    def default_parameters(self, family: str, scope: str) -> list[Json]:
        """Engine defaults of a family; scope is "cluster" or "instance"."""
        operation = (
            "describe_engine_default_cluster_parameters" if scope == "cluster" else "describe_engine_default_parameters"
        )
        parameters: list[Json] = []
        with translated_errors():
            for page in self._client.get_paginator(operation).paginate(DBParameterGroupFamily=family):
                parameters.extend(page["EngineDefaults"].get("Parameters", []))
        return parameters

    def orderable(self, engine_version: str, instance_class: str) -> bool:
        """Is this instance class offered for aurora-postgresql at that version (in any AZ)?"""
        options = self._pages(
            "describe_orderable_db_instance_options",
            "OrderableDBInstanceOptions",
            Engine="aurora-postgresql",
            EngineVersion=engine_version,
            DBInstanceClass=instance_class,
        )
        return bool(options)

    def zero_etl_integrations(self, cluster_arn: str) -> list[Json]:
        """Zero-ETL integrations whose source is this cluster (API reference DescribeIntegrations)."""
        return [i for i in self._pages("describe_integrations", "Integrations") if i.get("SourceArn") == cluster_arn]

    def proxies_targeting(self, cluster_id: str) -> list[str]:
        """Names of the RDS proxies with this cluster registered as their target (TRACKED_CLUSTER)."""
        names = []
        for proxy in self._pages("describe_db_proxies", "DBProxies"):
            targets = self._pages("describe_db_proxy_targets", "Targets", DBProxyName=proxy["DBProxyName"])
            if any(t.get("Type") == "TRACKED_CLUSTER" and t.get("RdsResourceId") == cluster_id for t in targets):
                names.append(str(proxy["DBProxyName"]))
        return names

    def pending_maintenance(self, cluster_arn: str) -> list[Json]:
        return self._pages(
            "describe_pending_maintenance_actions",
            "PendingMaintenanceActions",
            ResourceIdentifier=cluster_arn,
        )

    # parameter groups
    def find_parameter_group(self, name: str, scope: str) -> Json | None:
        if scope == "cluster":
            with translated_errors():
                found = _absent_on(
                    {"DBParameterGroupNotFound", "DBClusterParameterGroupNotFound"},
                    lambda: self._client.describe_db_cluster_parameter_groups(DBClusterParameterGroupName=name),
                )
            groups = found["DBClusterParameterGroups"] if found else []
        else:
            with translated_errors():
                found = _absent_on(
                    {"DBParameterGroupNotFound"},
                    lambda: self._client.describe_db_parameter_groups(DBParameterGroupName=name),
                )
            groups = found["DBParameterGroups"] if found else []
        return groups[0] if groups else None

    def create_parameter_group(
        self, name: str, family: str, description: str, scope: str, tags: dict[str, str]
    ) -> None:
        with translated_errors():
            if scope == "cluster":
                self._client.create_db_cluster_parameter_group(
                    DBClusterParameterGroupName=name,
                    DBParameterGroupFamily=family,
                    Description=description,
                    Tags=tag_list(tags),
                )
            else:
                self._client.create_db_parameter_group(
                    DBParameterGroupName=name,
                    DBParameterGroupFamily=family,
                    Description=description,
                    Tags=tag_list(tags),
                )

    def user_parameters(self, name: str, scope: str) -> dict[str, str]:
        """Parameters someone set on the group (Source=user), as name -> value."""
        if scope == "cluster":
            items = self._pages(
                "describe_db_cluster_parameters", "Parameters", DBClusterParameterGroupName=name, Source="user"
            )
        else:
            items = self._pages("describe_db_parameters", "Parameters", DBParameterGroupName=name, Source="user")
        return {
            item["ParameterName"]: str(item["ParameterValue"])
            for item in items
            if item.get("Source", "user") == "user" and item.get("ParameterValue") is not None
        }

    def set_parameters(self, name: str, values: dict[str, str], scope: str, apply_method: str) -> None:
        items = [
            {"ParameterName": key, "ParameterValue": value, "ApplyMethod": apply_method}
            for key, value in sorted(values.items())
        ]
        for start in range(0, len(items), _PARAMETERS_PER_CALL):
            chunk = items[start : start + _PARAMETERS_PER_CALL]
            with translated_errors():
                if scope == "cluster":
                    self._client.modify_db_cluster_parameter_group(DBClusterParameterGroupName=name, Parameters=chunk)
                else:
                    self._client.modify_db_parameter_group(DBParameterGroupName=name, Parameters=chunk)

    # snapshots
    def find_cluster_snapshot(self, snapshot_id: str) -> Json | None:
        with translated_errors():
            found = _absent_on(
                {"DBClusterSnapshotNotFoundFault"},
                lambda: self._client.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=snapshot_id),
            )
        snapshots = found["DBClusterSnapshots"] if found else []
        return snapshots[0] if snapshots else None

    def create_cluster_snapshot(self, snapshot_id: str, cluster_id: str, tags: dict[str, str]) -> Json:
        with translated_errors():
            response = self._client.create_db_cluster_snapshot(
                DBClusterSnapshotIdentifier=snapshot_id, DBClusterIdentifier=cluster_id, Tags=tag_list(tags)
            )
        return dict(response["DBClusterSnapshot"])

    # blue/green deployments
    def blue_green_deployments(self, source_arn: str) -> list[Json]:
        return self._pages(
            "describe_blue_green_deployments",
            "BlueGreenDeployments",
            Filters=[{"Name": "source", "Values": [source_arn]}],
        )

    def find_blue_green_by_name(self, name: str) -> Json | None:
        found = self._pages(
            "describe_blue_green_deployments",
            "BlueGreenDeployments",
            Filters=[{"Name": "blue-green-deployment-name", "Values": [name]}],
        )
        return found[0] if found else None

    def find_blue_green(self, deployment_id: str) -> Json | None:
        with translated_errors():
            found = _absent_on(
                {"BlueGreenDeploymentNotFoundFault"},
                lambda: self._client.describe_blue_green_deployments(BlueGreenDeploymentIdentifier=deployment_id),
            )
        deployments = found["BlueGreenDeployments"] if found else []
        return deployments[0] if deployments else None

    def create_blue_green(
        self,
        name: str,
        source_arn: str,
        target_version: str,
        cluster_parameter_group: str,
        instance_parameter_group: str,
        tags: dict[str, str],
    ) -> Json:
        with translated_errors():
            response = self._client.create_blue_green_deployment(
                BlueGreenDeploymentName=name,
                Source=source_arn,
                TargetEngineVersion=target_version,
                TargetDBClusterParameterGroupName=cluster_parameter_group,
                TargetDBParameterGroupName=instance_parameter_group,
                Tags=tag_list(tags),
            )
        return dict(response["BlueGreenDeployment"])

    def switchover(self, deployment_id: str, timeout_seconds: int) -> Json:
        """Start the switchover of an AVAILABLE deployment.

        RDS may refuse it with InvalidBlueGreenDeploymentStateFault for a while after the deployment turned
        AVAILABLE (hashicorp/terraform-provider-aws#36241): raised as SwitchoverNotReady, which the state
        machine retries with backoff. The caller has just seen the deployment AVAILABLE.
        """
        try:
            with translated_errors():
                response = self._client.switchover_blue_green_deployment(
                    BlueGreenDeploymentIdentifier=deployment_id, SwitchoverTimeout=timeout_seconds
                )
        except ClientError as error:
            if error_code(error) == "InvalidBlueGreenDeploymentStateFault":
                raise SwitchoverNotReady(str(error)) from error
            raise
        return dict(response["BlueGreenDeployment"])

    def delete_blue_green(self, deployment_id: str, delete_target: bool = False) -> None:
        """Delete the deployment object; with ``delete_target`` (before a switchover only) green goes too.

        DeleteTarget is sent only when true: the API refuses the option, even false, once the status is
        SWITCHOVER_COMPLETED (API reference DeleteBlueGreenDeployment).
        """
        options = {"DeleteTarget": True} if delete_target else {}
        with translated_errors():
            _absent_on(
                {"BlueGreenDeploymentNotFoundFault"},
                lambda: self._client.delete_blue_green_deployment(
                    BlueGreenDeploymentIdentifier=deployment_id, **options
                ),
            )


def tags_of(resource: Json) -> dict[str, str]:
    """The TagList that DescribeDBClusters and DescribeDBInstances return with each resource, as a dict."""
    return {tag["Key"]: tag["Value"] for tag in resource.get("TagList", [])}


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]
