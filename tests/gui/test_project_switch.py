"""File > Open project / New project while a video is open: everything bound to a project follows the switch.

Before the fix, results switched but the corrections stayed bound to the old project: a label
then went to the old project with the new project's track (or failed with "The project has no
track with id 4"), and Refresh did not help.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from lepton_desktop.services.analysis import analyze_video, run_to_completion
from lepton_desktop.store import open_project
from tests.faces import two_people_clip
from tests.gui.watch import Watch
from tests.gui.windows import menu_action, shown_window

pytestmark = pytest.mark.gui
pytest.importorskip("skimage")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("switch") / "two.mp4"
    two_people_clip(path, 40)
    return path


def _live(project):
    with open_project(project) as proj:
        return [(c.track_id, c.start_frame, c.end_frame, c.label) for c in proj.corrections.list()]


def _key(qtbot, win, key, mods=Qt.KeyboardModifier.NoModifier):
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=3000)
    qtbot.keyClick(QApplication.focusWidget() or win, key, mods)


def _analyse(qtbot, win):
    _key(qtbot, win, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not win._worker.is_running(), timeout=120_000)
    qtbot.wait(50)
    win.timeline.flush_now()


def test_open_project_rebinds_corrections_undo_people_and_title(qtbot, tmp_path, clip, monkeypatch):
    a, b, c = tmp_path / "a.lepton", tmp_path / "b.lepton", tmp_path / "c.lepton"
    run_to_completion(analyze_video(clip, project=b))  # b knows the video: people with track ids 1 and 2
    answer = {"open": "", "save": ""}
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kw: (answer["open"], ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kw: (answer["save"], ""))
    win = shown_window(qtbot, a, exposed=False)
    watch = Watch(win)
    try:
        assert win.open_video(clip)
        _analyse(qtbot, win)
        _analyse(qtbot, win)  # a: two runs, so its people are tracks 3 and 4
        assert sorted(win.results.track_ids.values()) == [3, 4]
        win.timeline.select(1, 0, 9)
        _key(qtbot, win, Qt.Key.Key_4)  # happy, in a
        assert _live(a) == [(3, 0, 9, "happy")]
        win.models_dialog()  # a learning dialog showing a's model versions
        assert win._learning_dialog.isVisible()

        answer["open"] = str(b)
        menu_action(win, "File", "Open project…").trigger()
        assert "b.lepton" in win.windowTitle() and clip.name in win.windowTitle()
        assert sorted(win.results.track_ids.values()) == [1, 2]  # b's stored analysis
        assert win.corrections.project == str(b) and win.corrections.items == []
        assert win.corrections_panel.visible_rows() == []  # a's correction is not shown in b
        assert not win.undo_group.canUndo()  # a's history does not act on b
        assert win._learning_dialog is None  # a's model versions are no longer on screen

        win.timeline.select(1, 10, 19)
        _key(qtbot, win, Qt.Key.Key_5)  # sad, in b
        assert _live(b) == [(1, 10, 19, "sad")] and _live(a) == [(3, 0, 9, "happy")]
        _key(qtbot, win, Qt.Key.Key_F5)  # refresh reads b
        assert [r[2] for r in win.corrections_panel.visible_rows()] == ["sad"]
        _key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo: b's label, not a's
        assert _live(b) == [] and _live(a) == [(3, 0, 9, "happy")]

        answer["open"] = str(a)
        menu_action(win, "File", "Open project…").trigger()
        assert "a.lepton" in win.windowTitle()
        assert [r[2] for r in win.corrections_panel.visible_rows()] == ["happy"]
        _key(qtbot, win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # a's own history is back
        assert _live(a) == [] and _live(b) == []

        answer["save"] = str(c)
        menu_action(win, "File", "New project…").trigger()
        assert c.is_file() and "c.lepton" in win.windowTitle()
        assert win.results.people() == [] and win.timeline.rows == {}  # c has not analysed the video
        assert win.analysis.status.text().startswith("Not analysed yet")
        win.timeline.select(1, 0, 5)
        _key(qtbot, win, Qt.Key.Key_3)  # nothing to label: no error, nothing stored anywhere
        _analyse(qtbot, win)
        win.timeline.select(2, 0, 5)
        _key(qtbot, win, Qt.Key.Key_1)
        with open_project(c) as proj:
            [made] = proj.corrections.list()
            assert proj.runs.track(made.track_id).number == 2 and made.label == "angry"
        watch.check()
    finally:
        watch.stop()
    assert not watch.problems, "\n".join(watch.problems)


def test_title_names_the_video_and_the_project_without_credentials():
    from pathlib import Path

    from lepton_desktop.gui.project_binding import window_title

    assert window_title(Path("/v/talk.mp4"), "/p/study.lepton") == "talk.mp4 — study.lepton — Lepton Desktop"
    assert window_title(None, "postgresql+psycopg://ana:secret@db.lab/faces") == "db.lab/faces — Lepton Desktop"
