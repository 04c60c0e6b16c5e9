"""The domain's folders keep the map their docstrings draw: each capability package imports only what its
``__init__`` says it may, and an ``__init__`` holds nothing but that docstring (importing one module must
never import its siblings: the handlers' cold start depends on it)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "lambdas" / "upgrade"
PACKAGES = sorted(p.parent for p in DOMAIN.glob("*/__init__.py"))


def _allowed(package: Path) -> set[str]:
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
    match = re.search(r"May import:(.*?)(?:\n\n|$)", docstring, re.S)
    assert match, f"{package.name}/__init__.py does not say what it may import"
    return set(re.findall(r"``(\w+)``", match.group(1)))


def _imported_packages(module: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("upgrade."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("upgrade.")}
    return found


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_a_package_imports_only_what_its_docstring_allows(package):
    allowed = _allowed(package) | {package.name}
    for module in package.rglob("*.py"):
        stray = _imported_packages(module) - allowed
        assert not stray, f"{module.relative_to(DOMAIN)} imports {sorted(stray)}, not allowed by {package.name}"


@pytest.mark.parametrize("init", sorted(DOMAIN.rglob("__init__.py")), ids=lambda p: str(p.relative_to(DOMAIN)))
def test_an_init_holds_only_its_docstring(init):
    body = ast.parse(init.read_text()).body
    assert len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant), init


def test_no_module_is_left_beside_the_packages():
    assert sorted(p.name for p in DOMAIN.glob("*.py")) == ["__init__.py"]
