"""Aurora PostgreSQL version strings: parsing and comparison (never as text)."""

from __future__ import annotations

import re
from typing import NamedTuple

_VERSION = re.compile(r"^(?P<major>[1-9][0-9]?)\.(?P<minor>[0-9]{1,3})$")


class Version(NamedTuple):
    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


def parse_version(text: str) -> Version:
    """Parse ``"14.18"``; raise ValueError with the accepted form otherwise."""
    match = _VERSION.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"'{text}' is not an Aurora PostgreSQL version of the form MAJOR.MINOR, e.g. 14.18")
    return Version(int(match["major"]), int(match["minor"]))


def is_valid_version(text: str) -> bool:
    try:
        parse_version(text)
    except ValueError:
        return False
    return True
