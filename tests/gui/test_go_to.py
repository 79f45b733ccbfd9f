"""Ctrl+G: a frame number or a time typed into the prompt, as a person does; the player goes there."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit

from lepton_desktop.gui.app import open_window
from lepton_desktop.gui.go_to import go_to
from lepton_desktop.services.settings import load_settings, save_settings

pytestmark = pytest.mark.gui


def _type_into_the_prompt(qtbot, window, text):
    answered = []

    def answer():
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QInputDialog) and not answered:
            answered.append(dialog.labelText())
            field = dialog.findChild(QLineEdit)
            field.selectAll()
            QTest.keyClicks(field, text)
            QTest.keyClick(field, Qt.Key.Key_Return)

    typist = QTimer()
    typist.timeout.connect(answer)
    typist.start(20)
    window.activateWindow()  # back from the last prompt (the offscreen platform does not give focus back itself)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    try:
        QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: bool(answered), timeout=5000)
    finally:
        typist.stop()
    return answered[0]


def test_ctrl_g_goes_to_a_typed_frame_or_time(qtbot, samples, _isolated_home):
    clip = samples / "pyfeat_single_face.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip} is missing")
    settings = load_settings()
    settings.annotator = "Ana"
    save_settings(settings)
    window = open_window(clip)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.frame_count > 0, timeout=10_000)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    timeline = window._timeline

    assert "Frame number, or time" in _type_into_the_prompt(qtbot, window, "1.5s")
    assert window.current == timeline.frame_at(1.5) == 45  # 30 fps
    assert window.statusBar().currentMessage() == "Went to frame 45 (00:00:01.500)."
    _type_into_the_prompt(qtbot, window, "12")
    assert window.current == 12
    _type_into_the_prompt(qtbot, window, "99s")  # past the end: it stays, and says why
    assert window.current == 12 and "past the video's last frame" in window.statusBar().currentMessage()
    assert go_to(window, "0:01.5") == "Went to frame 45 (00:00:01.500)."
    assert go_to(window, "1.5") == "Not moved: '1.5' is not a frame number; for a time in seconds add s (1.5s)."
    assert go_to(window, "500") == f"Not moved: this video's frames are 0 to {window.frame_count - 1}."
    last = window.frame_count - 1
    inside_the_last = timeline.time_of(last) + 0.5 * timeline.frame_duration()  # on screen until the end
    assert go_to(window, f"{inside_the_last:.4f}s").startswith(f"Went to frame {last} ")
    window.close()
