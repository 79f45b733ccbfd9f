"""File > Open camera or stream: the dialog, the live view growing, Stop opening the recording with its results."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from lepton_desktop.services.samples import bundled_sample
from tests.gui.windows import menu_action, shown_window

pytestmark = pytest.mark.gui


def test_a_file_played_as_live_grows_timelines_and_stop_opens_the_recording(qtbot, tmp_path):
    win = shown_window(qtbot, tmp_path / "live.lepton")
    menu_action(win, "File", "Open camera or stream").trigger()
    dialog = win.live_action.dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.cameras.count() == 1 and "No camera" in dialog.cameras.item(0).text()  # none on this machine

    qtbot.keyClicks(dialog.address, str(tmp_path / "nothing-here.mp4"))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "no such file" in dialog.problem.text()  # said in the dialog, which stays

    dialog.address.setText(str(bundled_sample()))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    live = win.live_action.live
    assert live is not None and live.isVisible() and not dialog.isVisible()
    qtbot.waitUntil(lambda: bool(live.timeline.rows) and live.results.newest > 10, timeout=60_000)
    first = live.results.newest
    qtbot.waitUntil(lambda: live.results.newest > first + 25, timeout=20_000)  # the timelines grow with time
    qtbot.waitUntil(lambda: live.view.frame_index is not None and bool(live.view.faces), timeout=10_000)
    assert "frames/s" in live.stats.text() and "latency" in live.stats.text()
    plot = next(iter(live.timeline.rows.values())).plot
    assert plot.viewRange()[0][1] >= live.results.newest  # the newest frame is in view

    assert live.is_running()
    qtbot.mouseClick(live.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not live.is_running() and not live.isVisible(), timeout=60_000)
    summary = live.summary
    assert summary["end"] == "stopped" and 0 < summary["frames"] < 250
    recording = Path(summary["recording"])
    assert recording.parent == tmp_path and recording.suffix == ".mkv"  # beside the project
    qtbot.waitUntil(lambda: win.video_path == recording, timeout=10_000)
    assert win.frame_count == summary["frames"]
    qtbot.waitUntil(lambda: bool(win.results.people()), timeout=10_000)  # its stored results, as any video's
    win.close()
