"""The Why? panel as a person uses it: View > Why? (Y), then the playhead; it never blocks the window."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt, QTimer

from lepton_desktop.services.analysis import analyze_video, run_to_completion
from tests.gui.windows import menu_action, shown_window
from tests.photos import NO_FACE, SKIP_REASON, Segment, expression_clip, photo_dir

pytestmark = [pytest.mark.gui, pytest.mark.skipif(photo_dir() is None, reason=SKIP_REASON)]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    root = tmp_path_factory.mktemp("why")
    clip, project = root / "smile_surprise.mp4", root / "p.lepton"
    spans = expression_clip(clip, [Segment("happy", 20), Segment("surprise", 20), Segment(NO_FACE, 10)], seed=5)
    run_to_completion(analyze_video(clip, project=project, device="cpu"))
    return clip, project, spans


def test_why_follows_the_paused_playhead_without_blocking_the_window(qtbot, tmp_path, analysed):
    clip, project, spans = analysed
    win = shown_window(qtbot, project)
    assert win.open_video(clip)
    qtbot.waitUntil(lambda: win.results.people() == [1], timeout=10_000)
    dock = win.docks["why"]
    menu_action(win, "View", "Why?").trigger()
    assert dock.isVisible()
    panel = dock.panel

    happy = (spans[0][0] + spans[0][1]) // 2
    win.seek(happy)
    qtbot.waitUntil(lambda: panel.shown is not None and panel.shown.frame == happy, timeout=30_000)
    assert panel.shown.label == "happy" and "happy" in panel.title.text()
    assert not panel.face_label.pixmap().isNull() and not panel.heat_label.pixmap().isNull()
    assert panel.class_cells[0][0].text() == "happy"
    shown_actions = [bar.format() for bar in panel.action_bars if bar.isVisible()]
    assert any(text.strip().startswith("mouthSmile") for text in shown_actions[:2]), shown_actions

    # scrub through the surprise: the window keeps answering; only the newest frame is explained
    gaps, last = [], [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    ticker = QTimer()
    ticker.timeout.connect(tick)
    ticker.start(5)
    before, asked_before = panel.busy_seconds(), len(panel.gui_s)
    first, end, _ = spans[1]
    for frame in range(first, end + 1):
        win.seek(frame)
        qtbot.wait(40)
    qtbot.waitUntil(lambda: panel.shown is not None and panel.shown.frame == end, timeout=30_000)
    ticker.stop()
    assert panel.shown.label == "surprise"
    assert max(panel.gui_s) < 0.05, max(panel.gui_s)  # asking and painting: milliseconds on the GUI thread
    on_gui = sum(panel.gui_s[asked_before:])
    assert panel.busy_seconds() - before > 3 * on_gui  # the work happened on the panel's thread
    assert max(gaps) < 0.3, max(gaps)  # the event loop never stalled (a busy 2-core machine included)
    busy = panel.busy_seconds() - before
    print(f"why panel: GUI thread max {1000 * max(panel.gui_s):.1f} ms per request/paint, {1000 * on_gui:.0f} ms "
          f"while scrubbing; event loop max gap {1000 * max(gaps):.0f} ms; worker busy {busy:.2f} s")  # fmt: skip

    # Y hides it and shows it again
    qtbot.keyClick(win.view, Qt.Key.Key_Y)
    assert dock.isHidden() and not menu_action(win, "View", "Why?").isChecked()
    qtbot.keyClick(win.view, Qt.Key.Key_Y)
    assert dock.isVisible() and menu_action(win, "View", "Why?").isChecked()

    # playing: the panel waits; paused again: it follows
    asked = panel._asked
    win.toggle_play()
    qtbot.wait(400)
    assert panel._asked == asked
    win.pause()
    win.seek(spans[0][0] + 2)
    qtbot.waitUntil(lambda: panel.shown is not None and panel.shown.frame == spans[0][0] + 2, timeout=30_000)


def test_why_says_so_at_a_frame_without_a_face_and_keeps_no_earlier_picture(qtbot, analysed):
    clip, project, spans = analysed
    win = shown_window(qtbot, project)
    assert win.open_video(clip)
    qtbot.waitUntil(lambda: win.results.people() == [1], timeout=10_000)
    panel = win.docks["why"].panel
    if not panel.isVisible():  # a layout saved by an earlier test may have it open already
        menu_action(win, "View", "Why?").trigger()
    qtbot.waitUntil(panel.isVisible, timeout=5_000)
    happy = (spans[0][0] + spans[0][1]) // 2
    win.seek(happy)
    qtbot.waitUntil(lambda: panel.shown is not None and panel.shown.frame == happy, timeout=30_000)
    assert panel.detail.isVisible()

    empty = spans[2][1]  # the grey wall at the end of the clip
    assert win.results.at(empty) == []
    win.seek(empty)
    qtbot.waitUntil(lambda: panel.title.text() == f"No face at frame {empty}.", timeout=5_000)
    assert panel.shown is None and not panel.detail.isVisible()
    assert panel.face_label.pixmap().isNull() and all(not c.text() for row in panel.class_cells for c in row)

    win.seek(happy)  # back at the face: it is explained again
    qtbot.waitUntil(lambda: panel.shown is not None and panel.shown.frame == happy, timeout=30_000)
    assert panel.detail.isVisible() and "happy" in panel.title.text()


def test_why_on_a_video_not_analysed_yet_says_how_to_analyse_it(qtbot, tmp_path, analysed):
    from lepton_desktop.gui.why_panel import NOT_ANALYSED

    clip, _project, _spans = analysed
    win = shown_window(qtbot, tmp_path / "empty.lepton")  # the clip was analysed in another project only
    assert win.open_video(clip)
    panel = win.docks["why"].panel
    if not panel.isVisible():
        menu_action(win, "View", "Why?").trigger()
    qtbot.waitUntil(lambda: panel.title.text() == NOT_ANALYSED, timeout=5_000)
    assert "Ctrl+R" in NOT_ANALYSED and not panel.detail.isVisible()
