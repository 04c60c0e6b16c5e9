"""The pg8000 executor: a read-only, time-limited session for the SQL prechecks.

The session cannot change anything (read-only transactions), cannot hang the preflight (statement and
lock timeouts), and names itself in pg_stat_activity so a DBA sees who is reading the catalogs.
"""

from __future__ import annotations

import contextlib
import functools
import ssl as ssl_module
from collections.abc import Callable
from typing import Any

import pg8000.exceptions  # type: ignore[import-untyped, unused-ignore]  # pg8000 ships no type hints
import pg8000.native  # type: ignore[import-untyped, unused-ignore]

from upgrade.database.sql import ConnectFailed, Executor, QueryFailed

APPLICATION_NAME = "aurora-upgrade-preflight"
LOCK_TIMEOUT_MS = 5_000  # catalog reads wait behind DDL locks; a stuck precheck is worse than a warning
# pg8000's timeout is also the socket read timeout: the server must cancel a slow statement first, so the
# session survives (a socket timeout mid-answer would break it for every check after)
_SERVER_FIRST_S = 5.0


def statement_timeout_ms(timeout: float) -> int:
    return max(1_000, int((timeout - _SERVER_FIRST_S) * 1000))


def _session(timeout: float, read_only: bool) -> tuple[str, ...]:
    settings = (
        f"SET statement_timeout = {statement_timeout_ms(timeout)}",
        f"SET lock_timeout = {LOCK_TIMEOUT_MS}",
        "SET search_path = pg_catalog",  # built-ins first, whatever the role's default search_path says
    )
    # not read-only: the session keeps the server's default, never forces READ WRITE (the switchover probe's writes
    # must be refused exactly when the server refuses the application's)
    return (*settings, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY") if read_only else settings


@functools.cache
def _unverified_tls() -> ssl_module.SSLContext:
    """TLS without verifying the server: what pg8000 tries by default, made once per process.

    pg8000 makes a new default context for every connection (loading the system's CA store, tens of milliseconds)
    only to turn its verification off; a warm Lambda environment keeps this one."""
    context = ssl_module.SSLContext(ssl_module.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl_module.CERT_NONE
    return context


@functools.cache
def _verified_tls(ca_bundle: str | None) -> ssl_module.SSLContext:
    """The server verified against the RDS CA bundle (or the system store); one context per bundle and process."""
    return ssl_module.create_default_context(cafile=ca_bundle)


# pg8000's words when the server answers an SSLRequest with "N" (no TLS configured)
_NO_TLS = "Server refuses SSL"


def _message(error: Exception) -> str:
    """pg8000 puts the server's error fields in a dict: keep the SQLSTATE and the message."""
    if isinstance(error, OSError):  # its first argument is the errno ("1" for a failed certificate check)
        return str(error)
    detail = error.args[0] if error.args else error
    if isinstance(detail, dict):
        return f"{detail.get('C', '?')}: {detail.get('M', detail)}"
    return str(detail)


class PostgresExecutor:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def query(self, sql: str) -> list[dict[str, Any]]:
        try:
            rows = self._connection.run(sql)
        except (pg8000.exceptions.DatabaseError, pg8000.exceptions.InterfaceError, OSError) as error:
            raise QueryFailed(_message(error)) from error
        names = [column["name"] for column in self._connection.columns or []]
        return [dict(zip(names, row, strict=True)) for row in rows or []]

    def close(self) -> None:
        with contextlib.suppress(pg8000.exceptions.InterfaceError, OSError):  # the session is gone either way
            self._connection.close()


def connect(
    host: str,
    port: int,
    user: str,
    password: str | None,
    database: str,
    ssl: bool,
    timeout: float = 30.0,
    ca_bundle: str | None = None,
    read_only: bool = True,
) -> Executor:
    """A read-only session to ``database`` (``read_only=False``: the server's default); ``ca_bundle`` is the RDS CA
    file when ``ssl`` verifies the server.

    ``timeout`` bounds connecting and every answer; statements are cancelled by the server 5 s earlier.
    """

    def opened(tls: ssl_module.SSLContext | bool) -> Any:
        return pg8000.native.Connection(
            user,
            host=host,
            port=port,
            password=password,
            database=database,
            ssl_context=tls,
            timeout=timeout,
            application_name=APPLICATION_NAME,
        )

    try:
        if ssl:
            connection = opened(_verified_tls(ca_bundle))
        else:
            # libpq's sslmode=prefer, as pg8000 does without a context: TLS when the server offers it, else plain
            try:
                connection = opened(_unverified_tls())
            except pg8000.exceptions.InterfaceError as error:
                if _message(error) != _NO_TLS:
                    raise
                connection = opened(False)
    except (pg8000.exceptions.DatabaseError, pg8000.exceptions.InterfaceError, OSError) as error:
        raise ConnectFailed(_message(error)) from error
    executor = PostgresExecutor(connection)
    try:
        for statement in _session(timeout, read_only):
            executor.query(statement)
    except QueryFailed as error:
        executor.close()
        raise ConnectFailed(f"session setup failed: {error}") from error
    return executor


def connector(
    host: str,
    port: int,
    user: str,
    password: str | None,
    ssl: bool,
    timeout: float = 30.0,
    ca_bundle: str | None = None,
) -> Callable[[str], Executor]:
    """``connect`` with everything but the database fixed: what ``run_database_checks`` takes."""

    def open_database(database: str) -> Executor:
        return connect(host, port, user, password, database, ssl, timeout, ca_bundle)

    return open_database
