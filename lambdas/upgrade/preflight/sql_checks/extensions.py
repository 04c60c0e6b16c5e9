"""P20: extensions that block the upgrade, must be updated first, or deserve a look (reference §1.4).

Extension versions are compared as versions, never as text: "1.10" is newer than "1.9", "2.5.0dev" is
older than "2.5.0", and "unpackaged" (a pre-9.1 install adopted by CREATE EXTENSION ... FROM unpackaged)
is older than everything.
"""

from __future__ import annotations

import re

from upgrade.preflight.sql_checks.model import Context, Row, SqlCheck, text
from upgrade.shared.preflight_report import Evidence

_TOKEN = re.compile(r"\d+|[a-z]+")
# pre-release words sort below the release they precede ("2.5.0dev" < "2.5.0"), in this order
_PRE_RELEASE = {"dev": 0, "alpha": 1, "a": 1, "beta": 2, "b": 2, "pre": 3, "rc": 3}
_UNPACKAGED = "unpackaged"

# (kind, number, word): pre-release < number < other word; a missing part counts as the number 0, so a
# local suffix like "3.0.0-patched" sorts after its release, as PEP 440 local versions do
Part = tuple[int, int, str]


def version_key(version: str) -> tuple[Part, ...]:
    """A sortable key for an extension version string."""
    lowered = version.strip().lower()
    if lowered == _UNPACKAGED:
        return ((-9, 0, ""),)
    parts: list[Part] = []
    for token in _TOKEN.findall(lowered):
        if token.isdigit():
            parts.append((2, int(token), ""))
        elif token in _PRE_RELEASE:
            parts.append((0, _PRE_RELEASE[token], ""))
        else:
            parts.append((3, 0, token))
    return tuple(parts)


def compare_versions(left: str, right: str) -> int:
    """-1, 0 or 1 as ``left`` is older than, the same as, or newer than ``right``."""
    a, b = version_key(left), version_key(right)
    padding: Part = (2, 0, "")  # "1.10" == "1.10.0"; "2.5.0dev" < "2.5.0" because dev sorts below a 0
    for index in range(max(len(a), len(b))):
        x = a[index] if index < len(a) else padding
        y = b[index] if index < len(b) else padding
        if x != y:
            return -1 if x < y else 1
    return 0


def is_older(installed: str | None, available: str | None) -> bool:
    """True when an installed extension is behind the version the server would install by default."""
    if not installed or not available:
        return False
    return compare_versions(installed, available) < 0


# name -> (first target major without it, what to do)
_REMOVED = {
    "chkpass": (11, "removed in PostgreSQL 11: DROP EXTENSION chkpass (store passwords with pgcrypto instead)"),
    "tsearch2": (11, "removed in PostgreSQL 11: DROP EXTENSION tsearch2 (full text search is built in)"),
    "pg_repack": (14, "DROP EXTENSION pg_repack before the upgrade and CREATE EXTENSION pg_repack after it"),
    "plrust": (18, "not available on 18 (RDS): drop its functions and the extension before the upgrade"),
}
# AWS: update these to the newest version available on the source before a major version upgrade
_UPDATE_FIRST = frozenset(
    {
        "postgis",
        "postgis_raster",
        "postgis_tiger_geocoder",
        "postgis_topology",
        "address_standardizer",
        "address_standardizer_data_us",
        "pgrouting",
        "rdkit",
    }
)
_PLV8_FAMILY = frozenset({"plv8", "plls", "plcoffee"})

EXTENSIONS_SQL = """SELECT e.extname, n.nspname, e.extversion AS installed_version, a.default_version
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
LEFT JOIN pg_catalog.pg_available_extensions a ON a.name = e.extname
ORDER BY e.extname"""


def _evidence(row: Row, database: str | None, detail: str) -> Evidence:
    return Evidence(
        database=database, schema_name=text(row["nspname"]), object_name=text(row["extname"]), detail=detail
    )


def _removed(rows: list[Row], context: Context, database: str | None) -> list[Evidence]:
    found = []
    for row in rows:
        rule = _REMOVED.get(str(row["extname"]))
        if rule and context.target.major >= rule[0]:
            found.append(_evidence(row, database, f"version {text(row['installed_version'])} is {rule[1]}"))
    return found


def _update_first(rows: list[Row], context: Context, database: str | None) -> list[Evidence]:
    found = []
    for row in rows:
        name, installed, default = str(row["extname"]), row["installed_version"], row["default_version"]
        if name not in _UPDATE_FIRST:
            continue
        if is_older(installed, default):
            found.append(
                _evidence(row, database, f"installed {installed}, the source offers {default}: update it first")
            )
        elif (
            name == "rdkit"
            and context.source.major <= 16
            and context.target.major == 17
            and compare_versions(str(installed), "4.6.0") <= 0
        ):
            found.append(
                _evidence(row, database, f"rdkit {installed} cannot go directly to 17: minor-upgrade the source first")
            )
    return found


def _review(rows: list[Row], context: Context, database: str | None) -> list[Evidence]:
    found = []
    for row in rows:
        name, installed, default = str(row["extname"]), row["installed_version"], row["default_version"]
        if name in _PLV8_FAMILY:
            found.append(
                _evidence(row, database, "updating PLV8 drops its functions: dump them first and recreate after")
            )
        elif name not in _UPDATE_FIRST and name not in _REMOVED and is_older(installed, default):
            found.append(_evidence(row, database, f"installed {installed} is older than the available {default}"))
    return found


EXTENSION_CHECKS: tuple[SqlCheck, ...] = (
    SqlCheck(
        id="P20-extensions-removed",
        title="No extensions that the target version does not have",
        scope="database",
        sql=EXTENSIONS_SQL,
        severity="fail",
        remediation="Drop each listed extension (and what depends on it) before the upgrade; "
        "recreate or replace it afterwards as the detail says.",
        evaluate=_removed,
    ),
    SqlCheck(
        id="P20-extensions-update-first",
        title="PostGIS family, pgRouting and rdkit are at their newest source version",
        scope="database",
        sql=EXTENSIONS_SQL,
        severity="fail",
        remediation="ALTER EXTENSION <name> UPDATE; for PostGIS: SELECT postgis_extensions_upgrade(); "
        "(run it twice going from PostGIS 2 to 3).",
        evaluate=_update_first,
    ),
    SqlCheck(
        id="P20-extensions-review",
        title="Other extensions are current and safe to update",
        scope="database",
        sql=EXTENSIONS_SQL,
        severity="warn",
        remediation="ALTER EXTENSION <name> UPDATE; before the upgrade (AWS recommends current extensions, "
        "and blue/green wants them updated before creation); the engine upgrade does not update extensions.",
        evaluate=_review,
    ),
)
