"""Corrections made on a CLI analysis still show after the app re-analyses with its own settings."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from lepton_desktop.gui.app import open_window
from lepton_desktop.services.settings import load_settings, save_settings

pytestmark = pytest.mark.gui


def _lepton(*args):
    done = subprocess.run([sys.executable, "-m", "lepton_desktop", *map(str, args)], capture_output=True, text=True,
                          timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


def test_ctrl_r_at_another_stride_keeps_the_cli_corrections_on_the_same_person(qtbot, samples, _isolated_home):
    clip = samples / "pyfeat_single_face.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip} is missing")
    _lepton("analyze", clip, "--stride", "2")  # the default project, as the app opens it
    _lepton("correct", "--video", clip, "--track", "1", "--start", "10", "--end", "29", "--label", "sad",
            "--annotator", "cli")  # fmt: skip
    settings = load_settings()
    settings.annotator = "Ana"
    assert settings.stride == 3  # the app analyses at its own stride: another tracking of the same man
    save_settings(settings)

    window = open_window(clip)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.results.people() == [1], timeout=10_000)
    track = window.results.track_ids[1]
    assert (window.corrections.labels(track, None) >= 0).sum() == 20
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window._worker is not None, timeout=3000)
    qtbot.waitUntil(lambda: not window._worker.is_running(), timeout=180_000)
    qtbot.waitUntil(lambda: window.results.track_ids.get(1, track) != track, timeout=5000)  # the new analysis
    assert (window.corrections.labels(window.results.track_ids[1], None) >= 0).sum() == 20
    # and the new person's timeline fills the panel again (it kept to its least height above an empty band)
    timeline = window.timeline
    qtbot.waitUntil(lambda: timeline.ci.geometry().height() >= timeline.height() - 1, timeout=3000)
    assert timeline.rows[1].plot.geometry().bottom() >= timeline.height() - 20
    window.close()
