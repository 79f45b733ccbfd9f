"""DESIGN.md's layer rules, executed: import-linter contracts, and the core runs without Qt."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import lepton_desktop

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold():
    beside = Path(sys.executable).parent / "lint-imports"  # the venv running the tests, even if not on PATH
    exe = str(beside) if beside.is_file() else shutil.which("lint-imports")
    if exe is None:
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_everything_but_gui_imports_with_qt_unavailable():
    modules = [
        m.name
        for m in pkgutil.walk_packages(lepton_desktop.__path__, "lepton_desktop.")
        if not m.name.startswith("lepton_desktop.gui")
        and ".migrations" not in m.name
        and m.name != "lepton_desktop.__main__"
    ]
    script = textwrap.dedent(
        f"""
        import importlib, sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6'):
                    raise ImportError('Qt is blocked in this test: ' + name)
        sys.meta_path.insert(0, Block())
        for name in {modules!r}:
            importlib.import_module(name)
        print(len({modules!r}))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 10
