"""The house rules, checked: pure logic does no I/O, and nothing imports flows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
IO_LIBRARIES = {"requests", "sqlalchemy", "gspread", "prefect", "openpyxl", "pandas", "alembic", "urllib3", "psycopg"}


def imported_roots(package: str) -> dict[str, set[str]]:
    """Module file -> top-level names it imports."""
    found = {}
    for path in (ROOT / package).rglob("*.py"):
        roots = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                roots.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = roots
    return found


def test_transforms_do_no_io_and_use_only_plain_records() -> None:
    for module, roots in imported_roots("transforms").items():
        assert not roots & (IO_LIBRARIES | {"connectors", "flows", "cli", "deployments"}), module


def test_transforms_import_only_plain_models() -> None:
    for path in (ROOT / "transforms").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "models.tables" not in text and "models.campaign" not in text, path.name


@pytest.mark.parametrize("package", ["models", "transforms", "connectors", "migrations"])
def test_nothing_below_flows_imports_flows(package: str) -> None:
    for module, roots in imported_roots(package).items():
        assert not roots & {"flows", "cli", "deployments"}, module


def test_connectors_make_no_flow_decisions() -> None:
    for module, roots in imported_roots("connectors").items():
        assert "prefect" not in roots, module
