"""The layout docs/architecture.md describes: dependencies point one way, modules stay small, the packages exist."""

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
MAX_LINES = 520


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_offices_never_imports_cooperation():
    offenders = {
        str(path.relative_to(ROOT)): sorted(name for name in _imported(path) if name.split(".")[0] == "cooperation")
        for path in _modules("offices")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_no_module_is_much_longer_than_five_hundred_lines():
    long = {
        str(path.relative_to(ROOT)): count
        for app in ("cooperation", "offices")
        for path in _modules(app)
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_every_package_the_architecture_page_names_exists():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"^\| `([a-z_]+)/` \|", text, re.M))
    assert named, "the table of packages is where the page says"
    assert {name for name in named if not (ROOT / "cooperation" / name / "__init__.py").exists()} == set()
    packages = {path.parent.name for path in (ROOT / "cooperation").glob("*/__init__.py")}
    undocumented = packages - named - {"management", "migrations", "templatetags"}
    assert undocumented == set(), "add these packages to docs/architecture.md"
