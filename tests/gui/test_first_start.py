"""A first-time user: empty home, the app starts, asks for a name, Ctrl+R analyses, the project has it."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit

from lepton_desktop.gui.app import open_window
from lepton_desktop.gui.window_state import SCREEN_SHARE
from lepton_desktop.services.analysis import default_project, stored_results
from lepton_desktop.services.settings import load_settings, settings_path
from tests.gui.watch import Watch

pytestmark = pytest.mark.gui


def _typist(name: str, seen) -> QTimer:  # type: ignore[no-untyped-def]
    """A person at the keyboard: types ``name`` into the first name prompt that comes (``seen(its label)``)."""
    answered = []

    def answer_the_prompt():  # runs inside the prompt's own event loop, as a person typing would
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QInputDialog) and not answered:
            answered.append(True)
            seen(dialog.labelText())
            field = dialog.findChild(QLineEdit)
            QTest.keyClicks(field, name)
            QTest.keyClick(field, Qt.Key.Key_Return)

    typist = QTimer()
    typist.timeout.connect(answer_the_prompt)
    typist.start(20)
    return typist


def test_first_start_name_prompt_then_ctrl_r_analyses_into_the_project(qtbot, samples, _isolated_home):
    clip = samples / "pyfeat_single_face.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip} is missing")
    assert os.listdir(_isolated_home) == [] and not settings_path().exists()  # nothing from an earlier run
    watch = Watch()
    watch.hold()  # the typist answers the prompt; the watch must not close it first
    prompts: list[str] = []
    typist = _typist("Ana Annotator", lambda label: prompts.append(label))
    try:
        watch.begin("start")
        window = open_window(clip)
        watch.window = window
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: bool(prompts), timeout=5000)
        typist.stop()
        watch.release()
        assert "Your name" in prompts[0]
        assert load_settings().annotator == "Ana Annotator"
        watch.check()
        assert not watch.problems, "\n".join(watch.problems)

        # the window took most of the screen and shows the video in the default project
        available = window.screen().availableGeometry()
        assert window.width() >= int(available.width() * SCREEN_SHARE) - 2
        assert clip.name in window.windowTitle() and "default.lepton" in window.windowTitle()
        assert window.results.people() == []  # not analysed yet

        watch.begin("Ctrl+R")
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)  # back from the prompt
        QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: window._worker is not None, timeout=3000)
        qtbot.waitUntil(lambda: not window._worker.is_running(), timeout=180_000)
        qtbot.wait(50)
        watch.check()
        assert not watch.problems, "\n".join(watch.problems)
        assert window.analysis.status.text().startswith("Analysis finished"), window.analysis.status.text()

        stored = stored_results(default_project(), window.fingerprint)
        assert stored is not None and len(stored.track_ids) == 1  # one man in the clip
        assert window.results.people() == [1] and 1 in window.timeline.rows
        window.close()
    finally:
        typist.stop()
        watch.stop()
    assert not watch.problems, "\n".join(watch.problems)


def test_first_start_with_a_missing_video_asks_the_name_after_the_message_not_over_it(qtbot, tmp_path, _isolated_home):
    missing = tmp_path / "missing.mp4"
    prompts: list[tuple[str, bool]] = []
    message_open = [True]
    typist = _typist("Ana", lambda label: prompts.append((label, message_open[0])))
    try:
        window = open_window(missing)
        qtbot.addWidget(window)
        box = window.last_error
        assert box is not None and box.isVisible() and "missing.mp4" in box.text()
        box.finished.connect(lambda *_: message_open.__setitem__(0, False))
        qtbot.wait(1000)  # the name prompt would have come after 300 ms
        assert prompts == [] and QApplication.activeModalWidget() is box
        box.accept()  # the user reads the message and presses OK; then the prompt comes
        qtbot.waitUntil(lambda: bool(prompts), timeout=5000)
    finally:
        typist.stop()
    label, over_the_message = prompts[0]
    assert "Your name" in label and not over_the_message
    assert load_settings().annotator == "Ana"
    window.close()
