"""Renaming a person in the People panel with the keyboard: Enter confirms, Escape cancels, every view follows.

Enter and Escape are also window shortcuts (trim the chosen correction, clear the selection);
while the name is being typed they must reach the editor.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit

from lepton_desktop.store import open_project
from tests.faces import two_people_clip
from tests.gui.watch import Watch
from tests.gui.windows import shown_window

pytestmark = pytest.mark.gui
pytest.importorskip("skimage")


@pytest.fixture
def window(qtbot, tmp_path):
    clip = tmp_path / "two.mp4"
    two_people_clip(clip, 30)
    win = shown_window(qtbot, tmp_path / "r.lepton", exposed=False)
    assert win.open_video(clip)
    win.start_analysis()
    qtbot.waitUntil(lambda: not win._worker.is_running(), timeout=120_000)
    qtbot.wait(50)
    win.timeline.flush_now()
    win.timeline.select(1, 0, 9)
    win.label_selection("happy")
    yield win
    win.close()


def _edit_first_person(qtbot, win) -> QLineEdit:
    """F2 on Person 1, as a person would after clicking the name."""
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=3000)
    win.people.setFocus()
    win.people.setCurrentRow(0)
    qtbot.keyClick(win.people, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit), timeout=3000)
    return QApplication.focusWidget()


def test_enter_confirms_a_new_name_everywhere(qtbot, window, tmp_path):
    win, watch = window, Watch(window)
    trims = []
    trim = next(a for a in win.actions() if a.text().startswith("&Trim"))
    trim.triggered.connect(lambda *_: trims.append(1))
    try:
        assert win.corrections_panel.visible_rows()[0][0] == "Person 1"
        editor = _edit_first_person(qtbot, win)
        qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(editor, "Eileen")
        qtbot.keyClick(editor, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: win.people.state() != QAbstractItemView.State.EditingState, timeout=3000)
        assert trims == []  # Enter went to the editor, not to "trim the chosen correction"
        assert win.results.names[1] == "Eileen"
        assert win.people.item(0).text() == "Eileen"
        assert win.corrections_panel.visible_rows()[0][0] == "Eileen"  # the table follows the rename
        qtbot.waitUntil(lambda: win.timeline.rows[1].plot.getAxis("left").labelText == "Eileen", timeout=2000)
        with open_project(tmp_path / "r.lepton") as proj:
            assert proj.runs.track(win.results.track_ids[1]).display_name == "Eileen"
        watch.check()
    finally:
        watch.stop()
    assert not watch.problems, "\n".join(watch.problems)


def test_escape_cancels_the_rename_and_keeps_the_selection(qtbot, window):
    win = window
    win.timeline.select(2, 3, 8)
    editor = _edit_first_person(qtbot, win)
    qtbot.keyClicks(editor, "Nobody")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: win.people.state() != QAbstractItemView.State.EditingState, timeout=3000)
    assert win.results.names[1] == "Person 1" and win.people.item(0).text() == "Person 1"
    assert win.timeline.selection == (2, 3, 8)  # Escape closed the editor, not "clear selection"


def test_typing_in_the_corrections_filter_keeps_enter_and_escape(qtbot, window):
    win = window
    win.timeline.select(1, 2, 4)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=3000)
    win.corrections_panel.filter.setFocus()
    qtbot.keyClicks(win.corrections_panel.filter, "happy")
    qtbot.keyClick(win.corrections_panel.filter, Qt.Key.Key_Return)
    qtbot.keyClick(win.corrections_panel.filter, Qt.Key.Key_Escape)
    assert win.timeline.selection == (1, 2, 4)
    assert [r[2] for r in win.corrections_panel.visible_rows()] == ["happy"]
