"""Save dialogs start where saving works: beside the video, or the project when the video's folder is read-only."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog

from lepton_desktop.gui.app import open_window
from lepton_desktop.services.analysis import default_project
from lepton_desktop.services.settings import load_settings, save_settings
from tests.read_only import mounted_read_only

pytestmark = pytest.mark.gui


def test_ctrl_e_offers_the_project_folder_when_the_videos_folder_is_read_only(
    qtbot, samples, tmp_path, monkeypatch, _isolated_home
):
    clip = samples / "pyfeat_single_face.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip} is missing")
    footage = tmp_path / "card"
    footage.mkdir()
    shutil.copy(clip, footage / "clip.mp4")
    (tmp_path / "work").mkdir()
    project = tmp_path / "work" / "study.lepton"
    analysed = subprocess.run([sys.executable, "-m", "lepton_desktop", "analyze", str(footage / "clip.mp4"),
                               "--project", str(project), "--stride", "4"], capture_output=True, text=True)  # fmt: skip
    assert analysed.returncode == 0, analysed.stderr  # Ctrl+E exports an analysis's results
    settings = load_settings()
    settings.annotator = "Ana"
    save_settings(settings)
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (offered.append(a[2]), ("", ""))[1])

    def ctrl_e(window):
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
        QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: bool(offered), timeout=3000)
        window.close()
        return offered.pop()

    window = open_window(footage / "clip.mp4", str(project))
    qtbot.addWidget(window)
    assert ctrl_e(window) == str(footage / "clip-results.csv")  # beside the video, where it can be written
    with mounted_read_only(footage):  # a camera card, a read-only share
        window = open_window(footage / "clip.mp4", str(project))
        qtbot.addWidget(window)
        assert ctrl_e(window) == str(tmp_path / "work" / "clip-results.csv")
        default = default_project()  # the per-user project lives in a hidden data folder: home instead
        subprocess.run([sys.executable, "-m", "lepton_desktop", "analyze", str(footage / "clip.mp4"), "--project",
                        str(default), "--stride", "4"], check=True, capture_output=True)  # fmt: skip
        window = open_window(footage / "clip.mp4", str(default))
        qtbot.addWidget(window)
        assert ctrl_e(window) == str(Path.home() / "clip-results.csv")
