"""Extension versions compare as versions: text comparison gets "1.10" vs "1.9" and "2.5.0dev" wrong."""

import pytest

from upgrade.preflight.sql_checks.extensions import compare_versions, is_older

ORDERED = [
    ("1.9", "1.10"),  # text says 1.9 > 1.10
    ("3.1.4", "3.1.10"),
    ("3.1.4", "3.2"),
    ("2.5.0dev", "2.5.0"),  # a development build precedes its release
    ("2.5.0alpha1", "2.5.0beta1"),
    ("2.5.0beta2", "2.5.0rc1"),
    ("2.5.0rc1", "2.5.0"),
    ("2.5.0", "2.5.1dev"),
    ("3.0.0", "3.0.0-patched"),  # a local suffix follows its release
    ("unpackaged", "1.0"),  # pre-9.1 contrib adopted into an extension
    ("unpackaged", "0.1dev"),
    ("1.4", "1.8"),
    ("4.4.0", "4.6.0"),
]


@pytest.mark.parametrize(("older", "newer"), ORDERED)
def test_older_sorts_before_newer(older, newer):
    assert compare_versions(older, newer) == -1
    assert compare_versions(newer, older) == 1
    assert is_older(older, newer) and not is_older(newer, older)


@pytest.mark.parametrize(("left", "right"), [("1.10", "1.10.0"), ("3.1.4", "3.1.4"), ("2.5.0DEV", "2.5.0dev")])
def test_equal_versions(left, right):
    assert compare_versions(left, right) == 0
    assert not is_older(left, right)


@pytest.mark.parametrize(("installed", "available"), [(None, "1.0"), ("1.0", None), ("", "1.0")])
def test_unknown_versions_are_never_called_older(installed, available):
    """An extension without a control file on this server (default_version NULL) is not 'behind'."""
    assert not is_older(installed, available)
