"""The house rules, checked: one installed package, layers that point one way, pure logic
that does no I/O.

The layers, and who may import whom (``rollcall.<layer>``)::

    models  <-  transforms  <-  flows  ->  connectors  ->  models
                                 ^
                        cli, deployments

Connectors do I/O and hand back provider data; decisions and hashing live in transforms or
models; flows compose. Nothing imports flows but the entry points, and nothing imports the
tests or the benchmarks.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
IO_LIBRARIES = {"requests", "sqlalchemy", "gspread", "prefect", "openpyxl", "pandas", "alembic", "urllib3", "psycopg"}
LAYERS = ("models", "transforms", "connectors", "flows", "cli", "migrations", "deployments")
#: The layers each layer may import (besides itself).
ALLOWED = {
    "models": set(),
    "transforms": {"models"},
    "connectors": {"models"},
    "migrations": {"models", "connectors"},  # migrations run on connectors.database's connection
    "flows": {"models", "transforms", "connectors"},
    "cli": {"models", "transforms", "connectors", "flows"},
    "deployments": {"models", "flows"},
}
#: Our own top-level folders that are not part of the package: importing them from the
#: package, or importing a layer by its bare folder name, is a mistake.
NOT_PACKAGE = {"tests", "bench", "fakes", "examples", *LAYERS}


def imports(layer: str) -> dict[str, set[str]]:
    """Module file -> every absolute module name it imports (``a.b`` for ``from a.b import c``)."""
    found = {}
    for path in (ROOT / layer).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                if node.module == "rollcall":  # from rollcall import transforms
                    names |= {f"rollcall.{alias.name}" for alias in node.names}
        found[str(path.relative_to(ROOT))] = names
    return found


def layers_used(names: set[str]) -> set[str]:
    return {name.split(".")[1] for name in names if name.startswith("rollcall.") and name.count(".") >= 1}


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_imports_only_the_layers_below_it(layer: str) -> None:
    for module, names in imports(layer).items():
        wrong = layers_used(names) - ALLOWED[layer] - {layer}
        assert not wrong, f"{module} imports {sorted(wrong)}"


@pytest.mark.parametrize("layer", LAYERS)
def test_our_code_is_imported_as_rollcall_only(layer: str) -> None:
    for module, names in imports(layer).items():
        bare = {name for name in names if name.split(".")[0] in NOT_PACKAGE}
        assert not bare, f"{module} imports {sorted(bare)}"


def test_benchmarks_do_not_import_the_tests() -> None:
    for module, names in imports("bench").items():
        assert not {name for name in names if name.split(".")[0] in {"tests", *LAYERS}}, module


def test_transforms_do_no_io() -> None:
    for module, names in imports("transforms").items():
        assert not {name.split(".")[0] for name in names} & IO_LIBRARIES, module


def test_transforms_use_only_plain_models() -> None:
    for module, names in imports("transforms").items():
        assert not names & {"rollcall.models.tables", "rollcall.models.campaign"}, module


def test_connectors_make_no_flow_decisions() -> None:
    for module, names in imports("connectors").items():
        assert "prefect" not in {name.split(".")[0] for name in names}, module


def test_the_wheel_lists_every_package_folder() -> None:
    """setuptools cannot discover packages across mapped folders: a new subpackage must be
    listed in pyproject.toml, or the installed rollcall would lack it."""
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    folders = {"rollcall": "rollcall"} | {f"rollcall.{layer}": layer for layer in LAYERS}
    assert tool["package-dir"] == folders
    on_disk = {"rollcall"}
    for layer in LAYERS:
        on_disk |= {
            "rollcall." + ".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / layer).rglob("__init__.py")
        }
    assert set(tool["packages"]) == on_disk
