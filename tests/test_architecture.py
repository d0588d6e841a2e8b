"""The dependency rule of docs/architecture.md, enforced.

domain/ and rules/ are pure: they import nothing else of statut (rules may use domain) and no
framework, database or web library. Entry points (api, portal, cli) never write SQL: they call services.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "statut"

PURE_THIRD_PARTY = {
    "domain": {"stdnum"},
    "rules": {"numpy", "polars", "yaml"},
}
ALLOWED_INTERNAL = {"domain": {"statut.domain"}, "rules": {"statut.domain", "statut.rules"}}
ENTRY_POINTS = ["api", "portal", "cli"]
SQL_LIBRARIES = {"sqlalchemy", "psycopg", "sqlite3", "duckdb", "alembic"}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def python_files(layer: str) -> list[Path]:
    return sorted((SRC / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(PURE_THIRD_PARTY))
def test_pure_layers_import_only_the_standard_library_and_their_allowed_libraries(layer: str) -> None:
    files = python_files(layer)
    if layer == "domain":
        assert files, "src/statut/domain must exist"
    violations = []
    for path in files:
        for lineno, module in imported_modules(path):
            top = module.split(".")[0]
            if top == "statut":
                if not any(module == ok or module.startswith(ok + ".") for ok in ALLOWED_INTERNAL[layer]):
                    violations.append(f"{path.relative_to(SRC)}:{lineno} imports {module}")
            elif top not in sys.stdlib_module_names and top not in PURE_THIRD_PARTY[layer] and top != "__future__":
                violations.append(f"{path.relative_to(SRC)}:{lineno} imports {module}")
    assert not violations, "dependency rule broken:\n" + "\n".join(violations)


@pytest.mark.parametrize("layer", ENTRY_POINTS)
def test_entry_points_do_not_touch_the_database_directly(layer: str) -> None:
    violations = [
        f"{path.relative_to(SRC)}:{lineno} imports {module}"
        for path in python_files(layer)
        for lineno, module in imported_modules(path)
        if module.split(".")[0] in SQL_LIBRARIES or module.startswith("statut.store.tables")
    ]
    assert not violations, "entry points must call services, not the database:\n" + "\n".join(violations)
