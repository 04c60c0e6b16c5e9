"""The runner's bookkeeping with scripted executors: what happens when databases or queries fail."""

import pytest

from upgrade.database.sql import ConnectFailed, QueryFailed, server_version
from upgrade.preflight import sql_runner
from upgrade.preflight.sql_checks.catalogue import CHECKS, CONNECTIVITY_ID, check
from upgrade.preflight.sql_runner import run_database_checks
from upgrade.shared.versions import Version

DATABASES = "SELECT datname, datallowconn, datconnlimit, datistemplate FROM pg_catalog.pg_database ORDER BY 1"
SOURCE, TARGET = Version(15, 8), Version(16, 4)


def db(name, allow=True, limit=-1, template=False):
    return {"datname": name, "datallowconn": allow, "datconnlimit": limit, "datistemplate": template}


class Scripted:
    """Answers by SQL text per database; an Exception as the answer is raised instead."""

    def __init__(self, answers, database, log):
        self.answers, self.database, self.log = answers, database, log

    def query(self, sql):
        self.log.append((self.database, sql))
        answer = self.answers.get((self.database, sql), self.answers.get(sql, []))
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self):
        self.log.append((self.database, "close"))


def connector(answers, unreachable=(), log=None):
    log = [] if log is None else log

    def connect(database):
        if database in unreachable:
            raise ConnectFailed(f"no route to {database}")
        return Scripted(answers, database, log)

    return connect


def by_id(results):
    return {r.id: r for r in results}


def test_only_connectable_user_databases_are_checked_and_every_session_is_closed():
    listing = [db("postgres"), db("app"), db("template1", template=True), db("rdsadmin"), db("off", allow=False)]
    listing.append(db("broken", limit=-2))
    log = []
    run_database_checks(connector({DATABASES: listing}, log=log), SOURCE, TARGET, "in_place")
    opened = [d for d, sql in log if sql == "close"]
    assert opened == ["postgres", "app"]
    invalid = check("P26-invalid-indexes").sql
    assert [d for d, sql in log if sql == invalid] == ["postgres", "app"]
    cluster = check("P1-prepared-transactions").sql
    assert [d for d, sql in log if sql == cluster] == ["postgres"]


def test_an_unreachable_first_database_fails_connectivity_and_runs_nothing():
    results = run_database_checks(connector({}, unreachable={"postgres"}), SOURCE, TARGET, "in_place")
    assert len(results) == len(CHECKS) + 1
    connectivity = by_id(results)[CONNECTIVITY_ID]
    assert (
        connectivity.status == "fail" and connectivity.evidence[0].detail == "could not connect: no route to postgres"
    )
    assert {r.status for r in results[1:]} == {"skipped"}
    assert by_id(results)["P1-prepared-transactions"].reason == "not run: no connection to postgres"
    assert "applies only when" in by_id(results)["P7-sql-identifier-columns"].reason  # gates still explain


def test_an_unreachable_other_database_fails_connectivity_but_the_rest_is_checked():
    answers = {
        DATABASES: [db("postgres"), db("app"), db("locked")],
        ("app", check("P26-invalid-indexes").sql): [{"nspname": "s", "table_name": "t", "index_name": "i"}],
    }
    results = by_id(run_database_checks(connector(answers, unreachable={"locked"}), SOURCE, TARGET, "in_place"))
    assert results[CONNECTIVITY_ID].status == "fail"
    assert [e.database for e in results[CONNECTIVITY_ID].evidence] == ["locked"]
    assert results["P26-invalid-indexes"].status == "warn"
    assert results["P4-reg-types"].reason == "checked 2 databases"


def test_a_failed_query_is_a_warning_unless_another_database_has_findings():
    failing = check("P4-reg-types").sql
    answers = {
        DATABASES: [db("postgres"), db("app")],
        ("postgres", failing): QueryFailed("42501: permission denied"),
        ("app", failing): [{"nspname": "s", "relname": "t", "attname": "c", "column_type": "regproc"}],
        ("postgres", check("P26-invalid-indexes").sql): QueryFailed(
            "57014: canceling statement due to statement timeout"
        ),
    }
    results = by_id(run_database_checks(connector(answers), SOURCE, TARGET, "in_place"))
    assert results["P4-reg-types"].status == "fail"  # the finding in app wins; the error stays visible
    assert [(e.database, e.detail) for e in results["P4-reg-types"].evidence] == [
        ("app", "column c has type regproc"),
        ("postgres", "check could not run: 42501: permission denied"),
    ]
    assert results["P26-invalid-indexes"].status == "warn"
    assert results["P26-invalid-indexes"].reason == "could not run everywhere; see evidence"
    assert results["P5-system-composite-types"].status == "pass"


def test_a_failed_database_listing_still_checks_the_first_database():
    answers = {DATABASES: QueryFailed("42501: permission denied for table pg_database")}
    results = by_id(run_database_checks(connector(answers), SOURCE, TARGET, "in_place"))
    assert results[CONNECTIVITY_ID].status == "fail"
    assert results[CONNECTIVITY_ID].reason == "checked postgres"
    assert results["P4-reg-types"].reason == "checked 1 database"


def test_evidence_is_capped_per_database(monkeypatch):
    monkeypatch.setattr(sql_runner, "MAX_EVIDENCE_PER_DATABASE", 3)
    rows = [{"nspname": "s", "table_name": "t", "index_name": f"i{n}"} for n in range(10)]
    answers = {DATABASES: [db("postgres")], check("P26-invalid-indexes").sql: rows}
    result = by_id(run_database_checks(connector(answers), SOURCE, TARGET, "in_place"))["P26-invalid-indexes"]
    assert [e.object_name for e in result.evidence] == ["i0", "i1", "i2", None]
    assert result.evidence[-1].detail == "... and 7 more (first 3 shown)"


@pytest.mark.parametrize(
    ("number", "version"), [("150018", Version(15, 18)), ("170004", Version(17, 4)), ("90624", Version(9, 6))]
)
def test_server_version_number_to_aurora_version(number, version):
    answers = {"SHOW server_version_num": [{"server_version_num": number}]}
    assert server_version(Scripted(answers, "postgres", [])) == version
