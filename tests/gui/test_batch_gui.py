"""Analysis > Analyse all videos in project, used through the menu: progress, the status bar, the stored runs."""

from __future__ import annotations

import pytest

from lepton_desktop.gui.batch_action import add_batch_action
from lepton_desktop.services.projects import add_videos, init_project
from lepton_desktop.store import open_project
from tests.batch_rows import clips
from tests.gui.windows import menu_action, shown_window

pytestmark = pytest.mark.gui
pytest.importorskip("skimage")
pytest.importorskip("ray")


def test_analyse_all_videos_in_the_background(qtbot, tmp_path):
    project = tmp_path / "p.lepton"
    videos = clips(tmp_path / "v", 2, 20)
    init_project(project)
    add_videos(project, videos)
    (tmp_path / "v" / "clip1.mp4").rename(tmp_path / "moved.mp4")  # a video the project lost: left out, said so
    win = shown_window(qtbot, project)
    analysis_menu = next(a.menu() for a in win.menuBar().actions() if a.text().replace("&", "") == "Analysis")
    batch = add_batch_action(win, analysis_menu)  # a no-op once the main window adds it itself
    assert add_batch_action(win, analysis_menu) is batch
    menu_action(win, "Analysis", "Analyse all videos in project").trigger()
    assert batch.is_running() and batch.dialog is not None
    qtbot.waitUntil(lambda: not batch.is_running() and batch.dialog is None, timeout=120_000)
    assert batch.last.state == "done" and [o.outcome for o in batch.last.outcomes] == ["done"]
    assert "Analysis of all videos finished: 1 done" in win.statusBar().currentMessage()
    with open_project(project) as proj:
        assert [r.status for r in proj.runs.list_runs()] == ["done"]
    win.close()


def test_analyse_all_on_a_first_start_says_there_is_nothing_yet(qtbot, _isolated_home):
    """An empty LEPTON_HOME, no video open: Ctrl+Shift+R makes the default project and says it has no videos."""
    from PySide6.QtGui import QKeySequence

    from lepton_desktop.services.analysis import default_project

    win = shown_window(qtbot, None)
    action = menu_action(win, "Analysis", "Analyse all videos in project")
    assert action.shortcut() == QKeySequence("Ctrl+Shift+R")
    action.trigger()
    assert win.statusBar().currentMessage() == (
        "The project has no video files to analyse; a video joins it when analysed (Ctrl+R)."
    )
    assert default_project().is_file()
    win.close()
