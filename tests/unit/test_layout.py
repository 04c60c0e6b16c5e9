"""The folders keep the map their docstrings draw: each package of the domain (``lambdas/upgrade``) and of the
simulator imports only what its ``__init__`` says it may, and an ``__init__`` holds nothing but that docstring
(importing one module must never import its siblings: the handlers' cold start depends on it)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROOTS = {"upgrade": REPO / "lambdas" / "upgrade", "simulator": REPO / "simulator"}
PACKAGES = sorted(p.parent for root in ROOTS.values() for p in root.glob("*/__init__.py"))


def _allowed(package: Path) -> set[str]:
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
    match = re.search(r"May import:(.*?)(?:\n\n|$)", docstring, re.S)
    assert match, f"{package.name}/__init__.py does not say what it may import"
    return set(re.findall(r"``(\w+)``", match.group(1)))


def _imported_packages(module: Path, root: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(module.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module + "." + a.name for a in node.names] if node.module == root else [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        found |= {name.split(".")[1] for name in names if name.startswith(root + ".")}
    return found


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_package_imports_only_what_its_docstring_allows(package):
    allowed = _allowed(package) | {package.name}
    for module in package.rglob("*.py"):
        stray = _imported_packages(module, package.parent.name) - allowed
        assert not stray, f"{module.relative_to(REPO)} imports {sorted(stray)}, not allowed by {package.name}"


@pytest.mark.parametrize(
    "init",
    sorted(i for root in ROOTS.values() for i in root.rglob("__init__.py")),
    ids=lambda p: str(p.relative_to(REPO)),
)
def test_an_init_holds_only_its_docstring(init):
    body = ast.parse(init.read_text()).body
    assert len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant), init


@pytest.mark.parametrize("root", ROOTS.values(), ids=ROOTS.keys())
def test_no_module_is_left_beside_the_packages(root):
    assert sorted(p.name for p in root.glob("*.py")) in (["__init__.py"], ["__init__.py", "__main__.py"])


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_readme_layout_names_every_package(package):
    """The README's Layout is the map: a package missing from it is one a reader cannot find."""
    layout = (REPO / "README.md").read_text().split("## Layout", 1)[1].split("\n## ", 1)[0]
    assert re.search(rf"^  {package.name}/ ", layout, re.M), f"README Layout does not name {package.name}/"
