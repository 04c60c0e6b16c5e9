"""Sessions to a database and the SQL every in-database step shares: the executor protocol, its two
failures, the database list, the server's version and quoting.

One protocol for both executors (pg8000 over the network, RDS Data API over HTTPS): callers only need
``query`` and ``close``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from upgrade.shared.versions import Version

Row = dict[str, Any]

LIST_DATABASES = "SELECT datname, datallowconn, datconnlimit, datistemplate FROM pg_catalog.pg_database ORDER BY 1"


class QueryFailed(Exception):
    """The database rejected one statement; the session stays usable for the next one."""


class ConnectFailed(Exception):
    """No session to this database (unreachable, authentication, no CONNECT privilege)."""


class Executor(Protocol):
    def query(self, sql: str) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...


Connect = Callable[[str], Executor]


def server_version(executor: Executor) -> Version:
    """The server's version as Aurora spells it: 150018 -> 15.18 (9.6.24 -> 9.6, the pre-10 scheme)."""
    rows = executor.query("SHOW server_version_num")
    number = int(next(iter(rows[0].values())))
    if number >= 100_000:
        return Version(number // 10_000, number % 10_000)
    return Version(number // 10_000, number // 100 % 100)


def connectable(rows: list[Row]) -> list[str]:
    """Databases a per-database check must run in; invalid ones (datconnlimit = -2) refuse connections."""
    return [
        str(row["datname"])
        for row in rows
        if row["datallowconn"]
        and not row["datistemplate"]
        and row["datname"] != "rdsadmin"
        and int(row["datconnlimit"]) != -2
    ]


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A quoted SQL string literal (standard_conforming_strings, the default since PostgreSQL 9.1)."""
    return "'" + value.replace("'", "''") + "'"
