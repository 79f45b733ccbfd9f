"""A read-only project in the window: its stored results show, the title says read-only, a label is one sentence."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from lepton_desktop.services.analysis import analyze_video, run_to_completion
from lepton_desktop.services.samples import bundled_sample
from tests.gui.windows import menu_action, shown_window
from tests.read_only import mounted_read_only

pytestmark = pytest.mark.gui


def test_a_read_only_project_shows_its_results_and_refuses_a_label_in_one_sentence(qtbot, tmp_path):
    folder = tmp_path / "share"
    folder.mkdir()
    project = folder / "study.lepton"
    run_to_completion(analyze_video(bundled_sample(), project=project, device="cpu"))
    with mounted_read_only(folder):
        win = shown_window(qtbot, project)
        assert win.open_video(bundled_sample())
        qtbot.waitUntil(lambda: sorted(win.results.people()) == [1, 2], timeout=10_000)  # the stored run
        assert win.windowTitle() == "sample.mp4 — study.lepton (read-only) — Lepton Desktop"
        win.timeline.flush_now()
        win.activateWindow()
        qtbot.waitUntil(win.isActiveWindow, timeout=3000)  # shortcuts reach the active window, as on a desktop
        win.timeline.activate(1)
        win.seek(10)
        qtbot.keyClick(win, Qt.Key.Key_I)
        win.seek(20)
        qtbot.keyClick(win, Qt.Key.Key_O)
        assert win.timeline.selection == (1, 10, 20)
        qtbot.keyClick(win, Qt.Key.Key_5)  # sad
        assert win.last_error is not None and win.last_error.isVisible()
        assert win.last_error.windowTitle() == "The correction was not saved"
        assert win.last_error.text() == (
            f"Project {project}: the project file is read-only here; nothing was saved. "
            "Copy it somewhere you may write, or change its permissions."
        )  # the sentence alone: not wrapped in Qt's own words on the way out of the undo stack
        win.last_error.close()
        assert win.corrections.items == []
        assert not win.undo_action.isEnabled()  # the refused label did not stay on the undo stack
        menu_action(win, "Edit", "Label selection", "Fear").trigger()  # the menu path says the same
        assert win.last_error.isVisible() and win.last_error.text().startswith(f"Project {project}: the project")
        win.last_error.close()
        win.close()  # the window lets go of the project file before the share is unmounted
