"""The post-upgrade work against a real PostgreSQL: statistics, extension updates in order, the budget's leftovers.

A server of its own (the module's ``pg_server``): the step works in every database of the server, and the
planted server of the precheck tests must keep its old extension versions.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Literal

import pytest

from aws import postgres
from tests.postgres_server import Server, started_server
from upgrade.database.access import ClusterSql
from upgrade.database.budget import Budget
from upgrade.database.sql import Executor
from upgrade.post_upgrade import analyze as post_upgrade_analyze
from upgrade.post_upgrade.extensions import dependency_order, installed, plan_updates, update_extensions
from upgrade.post_upgrade.sql import EXTENSION_REQUIRES, INSTALLED_EXTENSIONS
from upgrade.post_upgrade.work import in_database_work
from upgrade.shared.errors import PostUpgradeVerificationFailed
from upgrade.shared.models import PostUpgradeOptions
from upgrade.shared.post_upgrade_result import PostUpgradeResult

Via = Literal["direct", "data_api"]

GEO = [
    "CREATE EXTENSION cube VERSION '1.2'",  # PostgreSQL 15's default is 1.5
    "CREATE EXTENSION earthdistance",  # requires cube; 1.1 is already PostgreSQL 15's default
    # freshly loaded, never analyzed (and autovacuum kept away, so only the step can analyze it)
    "CREATE TABLE places (id int, city text) WITH (autovacuum_enabled = false)",
    "INSERT INTO places SELECT i, 'city ' || (i % 500) FROM generate_series(1, 20000) AS i",
    # green is read-only by default: ALTER EXTENSION must still work
    "ALTER DATABASE geo SET default_transaction_read_only = on",
]
SHOP = [
    "CREATE EXTENSION hstore VERSION '1.4'",
    "CREATE EXTENSION pg_trgm VERSION '1.3'",
    # a planted "hstore requires pg_trgm": dependency order must beat alphabetical order
    """INSERT INTO pg_catalog.pg_depend (classid, objid, objsubid, refclassid, refobjid, refobjsubid, deptype)
       SELECT 'pg_extension'::regclass, h.oid, 0, 'pg_extension'::regclass, t.oid, 0, 'n'
       FROM pg_extension h, pg_extension t WHERE h.extname = 'hstore' AND t.extname = 'pg_trgm'""",
    "CREATE EXTENSION seg",
    "UPDATE pg_catalog.pg_extension SET extversion = '0.9' WHERE extname = 'seg'",  # no update path: must fail alone
]


@pytest.fixture(scope="module")
def pg_server() -> Iterator[Server]:
    with started_server() as server:
        yield server


def cluster_sql(server: Server, via: Via = "direct") -> ClusterSql:
    def open_database(database: str, timeout: float) -> Executor:
        return postgres.connect(server.host, server.port, server.user, None, database, ssl=False, timeout=timeout)

    return ClusterSql(open_database, server.host, server.port, server.user, via)


def run(server: Server, budget_seconds: float = 120, via: Via = "direct", target_major: int = 15) -> PostUpgradeResult:
    result = PostUpgradeResult(cluster_id="prod-db-green-abc123", role="green", target_version="15.x")
    options = PostUpgradeOptions()
    in_database_work(cluster_sql(server, via), options, "postgres", target_major, Budget(budget_seconds), result)
    return result


def versions(server: Server, database: str) -> dict[str, str]:
    session = server.admin(database)
    try:
        return dict(session.run("SELECT extname, extversion FROM pg_extension"))
    finally:
        session.close()


def one(server: Server, database: str, sql: str) -> object:
    session = server.admin(database)
    try:
        return session.run(sql)[0][0]
    finally:
        session.close()


def test_extensions_reach_their_default_version_required_ones_first(pg_server, scratch_database) -> None:
    scratch_database("geo", GEO)
    scratch_database("shop", SHOP)
    result = run(pg_server)

    updated = [(c.database, c.name, c.from_version, c.to_version) for c in result.extensions_updated]
    assert updated == [
        ("geo", "cube", "1.2", "1.5"),
        ("shop", "pg_trgm", "1.3", "1.6"),  # before hstore, which (planted) requires it
        ("shop", "hstore", "1.4", "1.8"),
    ]
    assert versions(pg_server, "geo") == {"plpgsql": "1.0", "cube": "1.5", "earthdistance": "1.1"}
    assert one(pg_server, "geo", "SELECT earth_distance(ll_to_earth(0, 0), ll_to_earth(0, 1)) > 0") is True
    [failure] = result.extensions_failed
    assert (failure.database, failure.name, failure.from_version, failure.target_version) == (
        "shop",
        "seg",
        "0.9",
        "1.4",
    )
    assert "no update path" in failure.error
    assert any('ALTER EXTENSION "seg" UPDATE' in item.command for item in result.leftover)
    assert not result.unreachable and result.server_version and result.server_version.startswith("15.")
    lines = "\n".join(result.lines())
    assert "cube 1.2 -> 1.5" in lines and "FAILED in shop: seg 0.9 -> 1.4" in lines


def test_the_real_dependency_rows_put_cube_before_earthdistance(pg_server, scratch_database) -> None:
    scratch_database("geo", GEO[:2])
    session = pg_server.connect("geo")
    try:
        extensions = installed(session.query(INSTALLED_EXTENSIONS))
        requires = [(r["dependent"], r["required"]) for r in session.query(EXTENSION_REQUIRES)]
    finally:
        session.close()
    assert requires == [("earthdistance", "cube")]  # recorded as deptype 'n' (not 'e') by CREATE EXTENSION
    order = dependency_order(sorted(e.name for e in extensions), requires)
    assert order.index("cube") < order.index("earthdistance")
    assert [u.label for u in plan_updates(extensions, requires)] == ["cube"]  # earthdistance is current


def test_analyze_gives_a_freshly_loaded_table_its_statistics(pg_server, scratch_database) -> None:
    scratch_database("geo", GEO)
    assert one(pg_server, "geo", "SELECT reltuples FROM pg_class WHERE relname = 'places'") == -1  # never analyzed
    assert one(pg_server, "geo", "SELECT count(*) FROM pg_stats WHERE tablename = 'places'") == 0

    result = run(pg_server)

    assert one(pg_server, "geo", "SELECT reltuples FROM pg_class WHERE relname = 'places'") == 20000
    assert one(pg_server, "geo", "SELECT count(*) FROM pg_stats WHERE tablename = 'places'") == 2
    assert {a.database: (a.mode, a.done) for a in result.analyze} == {
        "geo": ("single", True),
        "postgres": ("single", True),
    }


def test_large_databases_go_through_vacuumdbs_three_stages(pg_server, scratch_database, monkeypatch) -> None:
    scratch_database("geo", GEO)
    monkeypatch.setattr(post_upgrade_analyze, "LARGE_DATABASE_BYTES", 0)  # every database counts as large
    budget, session = Budget(60), pg_server.connect("geo")
    histogram = "SELECT cardinality(histogram_bounds::text::text[]) AS n FROM pg_stats WHERE attname = 'id'"
    try:
        outcome = post_upgrade_analyze.first_pass(session, "geo", budget, sessions=True)
        after_stage_1 = session.query(histogram)[0]["n"]
        post_upgrade_analyze.next_pass(session, outcome, budget, sessions=True)
        post_upgrade_analyze.next_pass(session, outcome, budget, sessions=True)
        after_stage_3 = session.query(histogram)[0]["n"]
    finally:
        session.close()
    assert (outcome.mode, outcome.stages_done, outcome.done, outcome.error) == ("in_stages", 3, True, None)
    assert after_stage_1 == 2  # statistics target 1: the minimal statistics that come first
    assert after_stage_3 == 101  # the default target of 100


def test_without_sessions_every_database_gets_one_pass(pg_server, scratch_database, monkeypatch) -> None:
    scratch_database("geo", GEO)
    monkeypatch.setattr(post_upgrade_analyze, "LARGE_DATABASE_BYTES", 0)
    result = run(pg_server, via="data_api")  # what the Data API allows: no SET that sticks
    assert {a.mode for a in result.analyze} == {"single"}
    assert all(a.done for a in result.analyze)


def test_a_spent_budget_leaves_the_work_listed_with_commands_that_finish_it(pg_server, scratch_database) -> None:
    scratch_database("geo", GEO)
    scratch_database("shop", SHOP[:2])
    result = run(pg_server, budget_seconds=0)

    assert result.budget_exhausted and not result.analyze and not result.extensions_updated
    assert result.server_version  # the version check is not part of the budget
    commands = {(item.database, item.what): item.command for item in result.leftover}
    connection = f"-h 127.0.0.1 -p {pg_server.port} -U test"
    assert commands["geo", "ANALYZE (not started)"] == f"vacuumdb {connection} -d geo --analyze-in-stages"
    assert set(commands) == {
        (database, what)
        for database in ("geo", "postgres", "shop")
        for what in ("ANALYZE (not started)", "extension updates")
    }
    assert "the time budget of 0 s ran out" in "\n".join(result.lines())

    # the commands are exact: run them as a person would, and the work is done
    for command in commands.values():
        finished = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60, check=False)
        assert finished.returncode == 0, (command, finished.stderr)
    assert versions(pg_server, "shop")["hstore"] == "1.8" and versions(pg_server, "geo")["cube"] == "1.5"
    assert one(pg_server, "geo", "SELECT reltuples FROM pg_class WHERE relname = 'places'") == 20000


def test_a_writer_on_another_major_version_fails_the_step(pg_server) -> None:
    with pytest.raises(PostUpgradeVerificationFailed, match="expected major version 16"):
        run(pg_server, target_major=16)


def test_a_second_run_finds_nothing_left_to_update(pg_server, scratch_database) -> None:
    scratch_database("geo", GEO)
    run(pg_server)
    again = run(pg_server)
    assert again.extensions_updated == [] and again.extensions_failed == [] and again.complete


POSTGIS_DATABASE = [
    {"name": "fuzzystrmatch", "installed_version": "1.1", "default_version": "1.2", "schema_name": "public"},
    {"name": "pgrouting", "installed_version": "3.4.1", "default_version": "3.6.2", "schema_name": "public"},
    {"name": "postgis", "installed_version": "3.3.2", "default_version": "3.4.2", "schema_name": "public"},
    {"name": "postgis_raster", "installed_version": "3.3.2", "default_version": "3.4.2", "schema_name": "public"},
    {
        "name": "postgis_tiger_geocoder",
        "installed_version": "3.3.2",
        "default_version": "3.4.2",
        "schema_name": "tiger",
    },
]
POSTGIS_REQUIRES = [
    ("pgrouting", "postgis"),
    ("postgis_raster", "postgis"),
    ("postgis_tiger_geocoder", "fuzzystrmatch"),
    ("postgis_tiger_geocoder", "postgis"),
]


class PostgisDatabase:
    """A database with the PostGIS family (not in Debian's contrib) as fake catalog answers.

    ``per_call``: the family members each postgis_extensions_upgrade() call brings to their default version.
    """

    def __init__(self, per_call: list[set[str]]) -> None:
        self.versions = {row["name"]: row["installed_version"] for row in POSTGIS_DATABASE}
        self.defaults = {row["name"]: row["default_version"] for row in POSTGIS_DATABASE}
        self.per_call, self.sent = list(per_call), []

    def query(self, sql: str) -> list[dict[str, object]]:
        self.sent.append(sql)
        if sql == INSTALLED_EXTENSIONS:
            return [{**row, "installed_version": self.versions[row["name"]]} for row in POSTGIS_DATABASE]
        if sql == EXTENSION_REQUIRES:
            return [{"dependent": d, "required": r} for d, r in POSTGIS_REQUIRES]
        if "postgis_extensions_upgrade" in sql:
            self.versions.update({name: self.defaults[name] for name in self.per_call.pop(0)})
        elif sql.startswith("ALTER EXTENSION"):
            name = sql.split('"')[1]
            self.versions[name] = self.defaults[name]
        elif "extname IN" in sql:
            return [{"name": name, "version": version} for name, version in self.versions.items()]
        return []

    def close(self) -> None:
        pass


def test_the_postgis_family_is_one_step_after_what_it_requires_and_before_what_requires_it() -> None:
    updates = plan_updates(installed(POSTGIS_DATABASE), POSTGIS_REQUIRES)
    assert [u.label for u in updates] == ["fuzzystrmatch", "PostGIS family", "pgrouting"]
    assert updates[1].statement() == 'SELECT "public".postgis_extensions_upgrade()'


FAMILY = {"postgis", "postgis_raster", "postgis_tiger_geocoder"}


@pytest.mark.parametrize(
    ("per_call", "calls", "failed"),
    [
        ([FAMILY], 1, []),
        ([FAMILY - {"postgis_raster"}, {"postgis_raster"}], 2, []),  # PostGIS 2 -> 3: raster needs a second call
        ([FAMILY - {"postgis_raster"}, set()], 2, ["postgis_raster"]),  # never: recorded, not raised
    ],
)
def test_postgis_extensions_upgrade_is_called_again_for_a_member_left_behind(per_call, calls, failed) -> None:
    database = PostgisDatabase(per_call)
    outcome = update_extensions(database, "gis", Budget(60), sessions=False)
    assert sum("postgis_extensions_upgrade" in sql for sql in database.sent) == calls
    assert not any(sql.startswith('ALTER EXTENSION "postgis') for sql in database.sent)
    assert [f.name for f in outcome.failed] == failed
    updated = {(c.name, c.via) for c in outcome.updated}
    assert ("postgis", "postgis_extensions_upgrade") in updated and ("pgrouting", "alter_extension") in updated
    order = [c.name for c in outcome.updated]
    assert order.index("fuzzystrmatch") < order.index("postgis") < order.index("pgrouting")
