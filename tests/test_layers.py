"""The layering of shared/DESIGN.md is a test: lint-imports with the contracts in pyproject."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("kiosk", "screens", "devices", "backend")
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


VIOLATIONS = [
    ("devices/printer.py", "import PySide6.QtCore", "devices never import Qt"),
    ("devices/printer.py", "import screens.theme", "devices never import Qt"),
    ("backend/__init__.py", "import devices.registry", "backend never imports"),
    ("kiosk/flow.py", "import PySide6.QtWidgets", "Only screens, the composition root"),
    ("kiosk/store.py", "import kiosk.qtbridge", "Qt entry points are reached only"),
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
