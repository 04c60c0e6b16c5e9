"""Derive the built-ins each PostgreSQL major removed, from the real catalogs of every major's server.

    PYTHONPATH=lambdas .venv/bin/python -m scripts.derive_removed_builtins

rewrites lambdas/upgrade/preflight/sql_checks/removed_builtins.json.

A view, default, constraint or index expression is stored as a parse tree but dumped as SQL text, and
pg_upgrade restores that text on the target: a function, operator, catalog column or catalog relation
the target no longer has makes the restore fail (``--check`` does not look). Which built-ins those are is
a fact of the catalogs, so it is computed here, never listed by hand. The servers are the ones the tests
use: the npm packages of scripts/ensure-postgres-majors.sh and Debian's 15 (scripts/ensure-postgresql.sh).
tests/sql/test_removed_builtins.py checks the shipped file against the servers the suite starts.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parents[1] / "lambdas/upgrade/preflight/sql_checks/removed_builtins.json"
MAJORS = (13, 14, 15, 16, 17, 18)

Query = Callable[[str], list[list[Any]]]

CATALOG_SQL = {
    # input argument types as format_type names, and how many trailing arguments have defaults
    "functions": """SELECT p.oid::pg_catalog.regprocedure::text, p.proname::text,
       ARRAY(SELECT pg_catalog.format_type(t, NULL) FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) t),
       p.pronargdefaults
FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace""",
    "operators": """SELECT o.oid::pg_catalog.regoperator::text, o.oprname::text,
       pg_catalog.format_type(o.oprleft, NULL), pg_catalog.format_type(o.oprright, NULL)
FROM pg_catalog.pg_operator o WHERE o.oprnamespace = 'pg_catalog'::pg_catalog.regnamespace""",
    "relations": """SELECT c.relname::text FROM pg_catalog.pg_class c
WHERE c.relnamespace = 'pg_catalog'::pg_catalog.regnamespace AND c.relkind IN ('r', 'v', 'm', 'p')""",
    "columns": """SELECT c.relname || '.' || a.attname FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
WHERE c.relnamespace = 'pg_catalog'::pg_catalog.regnamespace AND c.relkind IN ('r', 'v', 'm', 'p')
  AND a.attnum > 0 AND NOT a.attisdropped""",
}

# 14 re-declared the polymorphic array functions and operators over anycompatible*: a call written
# against the old signature still resolves (pg_upgrade's own check covers user objects built on them)
_POLYMORPHIC_SUCCESSOR = {
    "anyarray": "anycompatiblearray",
    "anyelement": "anycompatible",
    "anynonarray": "anycompatiblenonarray",
    "anyrange": "anycompatiblerange",
}
# arguments no SQL expression can pass: type I/O, conversion and planner support functions
_UNCALLABLE = {"internal", "cstring"}


def catalog(query: Query) -> dict[str, Any]:
    """One server's built-ins, as plain JSON-able data."""
    return {
        "functions": [
            {"signature": sig, "name": name, "args": list(args), "defaults": int(defaults)}
            for sig, name, args, defaults in query(CATALOG_SQL["functions"])
        ],
        "operators": [
            {"signature": sig, "name": name, "left": left, "right": right}
            for sig, name, left, right in query(CATALOG_SQL["operators"])
        ],
        "relations": sorted(str(row[0]) for row in query(CATALOG_SQL["relations"])),
        "columns": sorted(str(row[0]) for row in query(CATALOG_SQL["columns"])),
    }


def _successor(type_name: str) -> str:
    return _POLYMORPHIC_SUCCESSOR.get(type_name, type_name)


def _still_callable(old: dict[str, Any], new_functions: list[dict[str, Any]]) -> bool:
    """A call written against ``old`` resolves on the new major: same name, same leading argument
    types (or their anycompatible successors), and every further argument has a default."""
    wanted = [_successor(t) for t in old["args"]]
    for new in new_functions:
        if new["name"] != old["name"] or len(new["args"]) < len(wanted):
            continue
        leading = new["args"][: len(wanted)]
        if leading in (old["args"], wanted) and len(new["args"]) - new["defaults"] <= len(wanted):
            return True
    return False


def removed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[str]]:
    """What a view, default, constraint or index written on ``old`` may use and ``new`` no longer has."""
    new_operators = {(o["name"], o["left"], o["right"]) for o in new["operators"]}
    new_relations, new_columns = set(new["relations"]), set(new["columns"])
    return {
        "functions": sorted(
            f["signature"]
            for f in old["functions"]
            if not _UNCALLABLE.intersection(f["args"]) and not _still_callable(f, new["functions"])
        ),
        "operators": sorted(
            o["signature"]
            for o in old["operators"]
            if (o["name"], o["left"], o["right"]) not in new_operators
            and (o["name"], _successor(o["left"]), _successor(o["right"])) not in new_operators
        ),
        "relations": sorted(set(old["relations"]) - new_relations),
        "columns": sorted(c for c in old["columns"] if c not in new_columns and c.split(".", 1)[0] in new_relations),
    }


def derive(catalogs: dict[int, dict[str, Any]], versions: dict[int, str]) -> dict[str, Any]:
    """The data file: for each major, what it removed relative to the major before it."""
    majors = sorted(catalogs)
    return {
        "derived_by": "scripts/derive_removed_builtins.py",
        "servers": {str(m): versions[m] for m in majors},
        "removed_in": {str(new): removed(catalogs[old], catalogs[new]) for old, new in itertools.pairwise(majors)},
    }


def _read_one(major: int) -> tuple[dict[str, Any], str]:
    from tests.postgres_server import started_server
    from tests.sql.pg_upgrade_harness import NEW_BIN, embedded_bin_dir

    with started_server(NEW_BIN if major == 15 else embedded_bin_dir(major)) as server:
        session = server.admin()
        try:
            return catalog(lambda sql: list(session.run(sql))), str(session.run("SHOW server_version")[0][0]).split()[0]
        finally:
            session.close()


def read_servers(majors: tuple[int, ...] = MAJORS) -> tuple[dict[int, dict[str, Any]], dict[int, str]]:
    """(catalog, version) of a freshly started server of each major (started side by side: mostly waiting)."""
    with ThreadPoolExecutor(max_workers=len(majors)) as pool:
        answers = dict(zip(majors, pool.map(_read_one, majors), strict=True))
    return {m: answers[m][0] for m in majors}, {m: answers[m][1] for m in majors}


def main() -> None:
    catalogs, versions = read_servers()
    DATA_FILE.write_text(json.dumps(derive(catalogs, versions), indent=1, sort_keys=True) + "\n")
    print(f"wrote {DATA_FILE} from PostgreSQL {', '.join(versions.values())}")


if __name__ == "__main__":
    main()
