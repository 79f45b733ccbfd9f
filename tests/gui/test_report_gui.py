"""File > Export report, used through the menu as a person would: a file dialog, progress, Cancel, the status bar."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QPushButton

from lepton_desktop.gui.report_action import add_report_action
from tests.gui.windows import menu_action, shown_window
from tests.reports import PERSON_1, analysed_project

pytestmark = pytest.mark.gui
pytest.importorskip("skimage")


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return analysed_project(tmp_path_factory.mktemp("report-gui"))


@pytest.fixture
def window(qtbot, study):
    win = shown_window(qtbot, study[1])
    file_menu = next(a.menu() for a in win.menuBar().actions() if a.text().replace("&", "") == "File")
    export = add_report_action(win, file_menu)  # a no-op once the main window adds it itself
    assert add_report_action(win, file_menu) is export
    yield win, export
    win.close()


def test_export_report_writes_the_file_in_the_background(qtbot, window, study, tmp_path, monkeypatch):
    win, export = window
    clip, _ = study
    asked: list[tuple] = []

    def answer(*args, **_kwargs):
        asked.append(args)
        return str(tmp_path / "for-client"), "HTML report (*.html)"  # no suffix typed: the filter's is added

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    menu_action(win, "File", "Export report").trigger()  # no video yet: a sentence, no dialog
    assert asked == [] and "Open a video first" in win.statusBar().currentMessage()

    assert win.open_video(clip)
    menu_action(win, "File", "Export report").trigger()
    assert len(asked) == 1 and asked[0][2].endswith("two-report.pdf") and "HTML report" in asked[0][3]
    assert export.dialog is not None and export.dialog.isVisible()
    qtbot.waitUntil(lambda: export.dialog is None and not export.is_running(), timeout=60_000)
    out = tmp_path / "for-client.html"
    assert out.is_file() and PERSON_1 in out.read_text(encoding="utf-8")
    assert f"Report written to {out}" in win.statusBar().currentMessage()
    assert export.last.written.people == 2


def test_cancel_in_the_progress_dialog_writes_nothing(qtbot, window, study, tmp_path, monkeypatch):
    win, export = window
    clip, _ = study
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "r.pdf"), ""))
    assert win.open_video(clip)
    menu_action(win, "File", "Export report").trigger()
    cancel = export.dialog.findChild(QPushButton)
    assert cancel.text() == "Cancel"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: export.dialog is None and not export.is_running(), timeout=60_000)
    assert "cancelled" in win.statusBar().currentMessage()
    assert list(tmp_path.iterdir()) == []
