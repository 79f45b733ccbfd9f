"""``lepton-desktop`` typed where there is no display: one sentence, not Qt's abort and its xcb advice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.gui,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux desktops need DISPLAY or Wayland"),
]


def test_without_a_display_the_window_command_says_so_in_one_sentence(tmp_path):
    command = Path(sys.executable).parent / "lepton-desktop"
    assert command.is_file(), "the console script is installed with the package"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["LEPTON_HOME"] = str(tmp_path / "home")
    done = subprocess.run([str(command)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("lepton-desktop: there is no display") and "lepton analyze" in lines[0]
    assert "xcb" not in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "home").exists() or not any((tmp_path / "home").rglob("*.lepton"))  # nothing made


def test_a_display_or_a_chosen_platform_lets_it_start():
    from lepton_desktop.gui.app import no_display

    assert no_display({"DISPLAY": ":0"}, "linux") is None
    assert no_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert no_display({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert no_display({}, "win32") is None and no_display({}, "darwin") is None
    assert no_display({}, "linux") is not None
