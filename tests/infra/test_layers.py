"""The apps stay in layers (DESIGN.md): the import-linter contract of pyproject.toml holds, and
it would fail on an upward import or a cycle. ``make lint`` and ``make test`` run it too."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("cbrms", "relationships", "lifecycle", "governance", "demo", "benchmarks")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own tool, with arguments of our own
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the project's packages and its contract, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_layers_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        (
            "relationships/roles.py",
            "import lifecycle.models  # noqa",
            "relationships is not allowed",
        ),
        ("cbrms/errors.py", "import relationships.models  # noqa", "cbrms is not allowed"),
        ("lifecycle/models/choices.py", "import lifecycle.services.gates  # noqa", "cycles"),
    ],
    ids=["upward", "base-to-app", "cycle"],
)
def test_an_upward_import_or_a_cycle_breaks_the_contract(tree, module, line, broken):
    path = tree / module
    path.write_text(path.read_text() + f"\n{line}\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert broken in result.stdout
