"""The direct session's TLS, on real servers: ``ssl: true`` verifies the server, ``ssl: false`` is libpq's
``sslmode=prefer`` (TLS when the server offers it, plain otherwise), as pg8000 does when given no context.

The executor makes its TLS contexts once per process instead of once per connection (pg8000 loads the system's CA
store for each), so these tests hold that the kept contexts still behave as the per-connection ones did."""

from __future__ import annotations

import datetime
import ipaddress
import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from aws import postgres
from simulator.databases import servers
from tests.postgres_server import SETTINGS, SUPERUSER, Server, newest_bin_dir
from upgrade.database.sql import ConnectFailed

ENCRYPTED = "SELECT ssl FROM pg_catalog.pg_stat_ssl WHERE pid = pg_catalog.pg_backend_pid()"


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (the name the session verifies) and its key, readable by the server only."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "server.crt", folder / "server.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_file.chmod(0o600)  # the server refuses a key others can read
    if servers.as_server_user():  # as root the server runs as the postgres OS user: it must own its key
        owner = pwd.getpwnam("postgres")
        for path in (folder, cert_file, key_file):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    return cert_file, key_file


@pytest.fixture(scope="module")
def tls_server() -> Iterator[tuple[Server, Path]]:
    bin_dir = newest_bin_dir()
    assert bin_dir is not None, "no PostgreSQL server binaries: run scripts/ensure-postgresql.sh"
    # pytest's temporary folders are private to root: the postgres OS user could not read the certificate there
    folder = Path(tempfile.mkdtemp(prefix="tls-", dir="/tmp"))
    try:
        cert_file, key_file = _self_signed(folder)
        settings = {**SETTINGS, "ssl": "on", "ssl_cert_file": str(cert_file), "ssl_key_file": str(key_file)}
        started = servers.start_from(bin_dir, "tls", str(bin_dir.parent), settings, superuser=SUPERUSER)
        try:
            yield Server(started.host, started.port, SUPERUSER, bin_dir, started.root), cert_file
        finally:
            servers.stop(started)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _encrypted(server: Server, ssl: bool, ca_bundle: str | None = None) -> bool:
    session = postgres.connect(server.host, server.port, server.user, None, "postgres", ssl, 10, ca_bundle)
    try:
        return bool(session.query(ENCRYPTED)[0]["ssl"])
    finally:
        session.close()


def test_without_ssl_a_server_offering_tls_is_still_spoken_to_over_tls(tls_server: tuple[Server, Path]) -> None:
    server, _ = tls_server
    assert _encrypted(server, ssl=False) is True
    assert _encrypted(server, ssl=False) is True, "the second session, with the kept context, too"


def test_without_ssl_a_server_without_tls_is_spoken_to_in_plain(pg_server: Server) -> None:
    assert _encrypted(pg_server, ssl=False) is False


def test_with_ssl_the_server_is_verified_against_the_ca_bundle(tls_server: tuple[Server, Path]) -> None:
    server, cert_file = tls_server
    assert _encrypted(server, ssl=True, ca_bundle=str(cert_file)) is True
    with pytest.raises(ConnectFailed, match="CERTIFICATE_VERIFY_FAILED"):
        _encrypted(server, ssl=True)  # the system's store does not know the self-signed certificate


def test_with_ssl_a_server_without_tls_is_refused(pg_server: Server) -> None:
    with pytest.raises(ConnectFailed, match="Server refuses SSL"):
        _encrypted(pg_server, ssl=True)
