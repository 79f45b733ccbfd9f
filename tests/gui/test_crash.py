"""An error no code caught inside a menu action: the user reads one sentence, the log keeps the traceback."""

from __future__ import annotations

import logging
import sys

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from lepton_desktop.gui import app as desktop_app
from lepton_desktop.gui import crash
from lepton_desktop.services.output import OutputFileError
from lepton_desktop.services.settings import Settings

pytestmark = pytest.mark.gui


@pytest.mark.qt_no_exception_capture  # the app's own hook is under test, not pytest-qt's
def test_an_uncaught_error_in_a_menu_action_is_shown_and_logged(qtbot, _isolated_home, monkeypatch, caplog):
    from lepton_desktop.gui.main_window import MainWindow

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    crash.install()
    assert sys.excepthook is crash.report_uncaught
    win = MainWindow(Settings(annotator="ana"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)

    def broken() -> None:
        raise OutputFileError("/media/ro/r.csv could not be written (Read-only file system); is it read-only?")

    action = win.menuBar().actions()[0].menu().addAction("Broken action")
    action.triggered.connect(broken)
    with caplog.at_level(logging.ERROR, logger="lepton_desktop.gui.crash"):
        action.trigger()
        qtbot.waitUntil(lambda: len(_shown_boxes()) == 1, timeout=3000)
    (box,) = _shown_boxes()
    assert box.windowTitle() == crash.TITLE
    assert box.text().startswith("/media/ro/r.csv could not be written (Read-only file system)")
    assert "log folder" in box.text()
    assert any(r.exc_info and r.exc_info[0] is OutputFileError for r in caplog.records)  # the traceback is logged
    action.trigger()  # a second failure while the message is up is logged, not stacked
    qtbot.wait(50)
    assert _shown_boxes() == [box]
    box.accept()
    win.close()


def _shown_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.allWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_the_app_installs_the_hook(monkeypatch):
    """`lepton-desktop` (gui.app.main) installs the hook before the window opens."""
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    seen = []
    monkeypatch.setattr(desktop_app, "open_window", lambda *_a: seen.append(sys.excepthook))
    monkeypatch.setattr(desktop_app, "close_on_termination", lambda _app: [])
    monkeypatch.setattr(QApplication, "exec", lambda _self: 0)
    assert desktop_app.main([]) == 0
    assert seen == [crash.report_uncaught]


def test_messages_say_what_happened_in_one_sentence():
    text = crash.message_for(PermissionError(13, "Permission denied", "/srv/clip.mp4"))
    assert text.startswith("The computer refused a file operation: Permission denied (/srv/clip.mp4).")
    assert crash.message_for(ValueError("bad")).startswith("An unexpected error stopped that action (ValueError: bad).")
