"""A read-only project in the window: its stored results show, the title says read-only, a label is one sentence."""

from __future__ import annotations

import pytest

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
        win.timeline.activate(1)
        win.seek(10)
        menu_action(win, "Edit", "Selection", "Mark in at playhead").trigger()  # I
        win.seek(20)
        menu_action(win, "Edit", "Selection", "Mark out at playhead").trigger()  # O
        assert win.timeline.selection == (1, 10, 20)
        menu_action(win, "Edit", "Label selection", "Sad").trigger()  # 5
        assert win.last_error is not None and win.last_error.isVisible()
        assert "the project file is read-only here; nothing was saved" in win.last_error.text()
        win.last_error.close()
        assert win.corrections.items == []
        win.close()  # the window lets go of the project file before the share is unmounted
