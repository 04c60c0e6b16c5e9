"""The shipped removed_builtins.json is what the real catalogs of every major say (scripts/derive_removed_builtins)."""

from __future__ import annotations

import json

from scripts.derive_removed_builtins import DATA_FILE, derive, read_servers


def test_the_shipped_file_matches_the_catalogs_of_every_major() -> None:
    catalogs, versions = read_servers()
    assert json.loads(DATA_FILE.read_text()) == derive(catalogs, versions)
