"""The dependency rule (pyproject.toml's import contracts) holds, and would catch a breach.

``lint-imports`` runs on a copy of the packages, so one forbidden import can be added to
the copy and the contract seen to fail on it. The copy must be the code that is read: the
editable install's finder (which maps ``hub`` to this checkout) is taken off first.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGES = ("hub", "mailer", "digests", "wiring")

DRIVER = f"""
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in getattr(f, "__module__", "")]
sys.path.insert(0, sys.argv[1])
for name in list(sys.modules):
    if name.split(".")[0] in {set(PACKAGES)!r}:
        del sys.modules[name]
from importlinter.cli import lint_imports
sys.exit(lint_imports(config_filename=sys.argv[1] + "/pyproject.toml", no_cache=True))
"""


def _copy(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", DRIVER, str(tree)],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_code_keeps_the_contract(tmp_path):
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("hub/overview.py", "mailer.bounces"),  # the domain reaching up to the mail side
        ("hub/posts.py", "digests.notify"),  # ... or to the digests
        ("mailer/outgoing.py", "digests.compose"),  # the mail side reaching up
        ("mailer/views/held_mail.py", "wiring"),  # anything reaching into the wiring
    ],
)
def test_a_forbidden_import_breaks_the_contract(tmp_path, module, forbidden):
    tree = _copy(tmp_path)
    path = tree / module
    # A function-level import counts as much as one at the top.
    path.write_text(path.read_text() + f"\n\ndef _sneak() -> None:\n    import {forbidden}\n")
    result = _lint(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Contracts: 0 kept, 1 broken." in result.stdout
    importer = module.removesuffix(".py").replace("/", ".")
    assert f"{importer} -> {forbidden}" in result.stdout
