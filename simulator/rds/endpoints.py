"""Clusters whose endpoint answers somewhere real: a scenario can point, say, the green cluster at
a real PostgreSQL server so the post-upgrade step and the consistency check run real SQL.

moto names every cluster endpoint ``<id>.cluster-<random>.<region>.rds.amazonaws.com``; while
``mapped_endpoints`` is active, a cluster whose identifier starts with a mapped prefix reports
the mapped host and port instead. ``served_by`` answers for a cluster object first: the real servers of a
scenario's ``real_databases`` follow the cluster itself, so after a switchover the original name (now green's)
reports green's server, as the cluster endpoint's DNS name does on AWS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from moto.rds.models import DBCluster

Address = tuple[str, int]


def _target(endpoints: dict[str, str], cluster_id: str) -> Address | None:
    for prefix in sorted(endpoints, key=len, reverse=True):  # the most specific prefix wins
        if cluster_id.startswith(prefix):
            host, _, port = endpoints[prefix].rpartition(":")
            return host, int(port)
    return None


@contextmanager
def mapped_endpoints(
    endpoints: dict[str, str], served_by: Callable[[Any], Address | None] | None = None
) -> Iterator[None]:
    if not endpoints and served_by is None:
        yield
        return
    original_endpoint = DBCluster.endpoint
    original_port = DBCluster.__dict__.get("port")

    def lookup(cluster: Any) -> Address | None:
        return (served_by(cluster) if served_by else None) or _target(endpoints, cluster.db_cluster_identifier)

    def endpoint(self: Any) -> str:
        target = lookup(self)
        return target[0] if target else str(original_endpoint.fget(self))

    with mock.patch.object(DBCluster, "endpoint", property(endpoint)):
        if original_port is None:
            # port is a plain attribute: report the mapped one on each describe through a property
            def get_port(self: Any) -> int:
                target = lookup(self)
                return target[1] if target else int(self.__dict__.get("_simulated_port", 5432))

            def set_port(self: Any, value: Any) -> None:
                self.__dict__["_simulated_port"] = value

            with mock.patch.object(DBCluster, "port", property(get_port, set_port), create=True):
                yield
        else:
            yield
