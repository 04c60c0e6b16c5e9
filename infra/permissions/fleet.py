"""RDS grants of the fleet functions. Planning a fleet reads each configured cluster (its version and tags)
and the engine catalogue (which targets each version reaches); nothing in a fleet step changes RDS: each
cluster's upgrade is its own execution of the upgrade state machine, with that workflow's own roles.
"""

from __future__ import annotations

from infra.permissions.grants import ENGINE_CATALOGUE, EVERY_RESOURCE, ClusterScope, Grant


def plan_fleet(scope: ClusterScope) -> tuple[Grant, ...]:
    return (
        # one DescribeDBClusters per configured cluster, by identifier: a tag selection chooses among them only
        Grant("DescribeConfiguredClusters", ("DescribeDBClusters",), scope.clusters),
        Grant("ReadEngineCatalogue", ("DescribeDBEngineVersions",), (EVERY_RESOURCE,), ENGINE_CATALOGUE),
    )
