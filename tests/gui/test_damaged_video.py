"""A damaged video in the app: Ctrl+R analyses past the damage, says so, and hatches the frames with no results."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from lepton_desktop.services.samples import bundled_sample
from tests.damaged import with_lost_packets
from tests.gui.windows import menu_action, shown_window

pytestmark = pytest.mark.gui


def test_ctrl_r_on_a_damaged_video_says_what_is_missing_and_marks_it(qtbot, tmp_path):
    video = with_lost_packets(bundled_sample(), tmp_path / "holes.mp4", 100, 12)
    win = shown_window(qtbot, tmp_path / "p.lepton")
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)  # shortcuts reach the active window, as on a desktop
    assert win.open_video(video)
    action = menu_action(win, "Analysis", "Analyse video")
    assert action.shortcut().toString() == "Ctrl+R"
    qtbot.keyClick(win, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert win._worker is not None, win.analysis.status.text()
    qtbot.waitUntil(lambda: win._worker is not None and not win._worker.is_running(), timeout=120_000)
    qtbot.waitUntil(lambda: "Damaged file" in win.analysis.status.text(), timeout=5000)
    win.timeline.flush_now()
    tip = win.analysis.status.toolTip()
    assert "could not be decoded and have no results (frames 100-" in tip
    assert win.statusBar().currentMessage() == tip
    assert win.timeline.rows and win.timeline.damaged and win.timeline.damaged[0][0] == 100
    for row in win.timeline.rows.values():
        spans = [tuple(round(v + 0.5) for v in item.getRegion()) for item in row.damaged]
        assert spans and spans[0][0] == 100 and all(item.isVisible() for item in row.damaged)

    # opened again later: the stored run brings its damage back with it
    win.results.clear(0)
    win.timeline.set_damaged([])
    assert win.open_video(video)
    assert "Stored analysis" in win.analysis.status.text() and "Damaged file" in win.analysis.status.text()
    assert win.timeline.damaged and win.timeline.damaged[0][0] == 100
    win.close()
