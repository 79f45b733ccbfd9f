"""The facial-actions lane, as a person uses it: Analysis > Read facial actions, analyse, View > Facial actions lane."""

from __future__ import annotations

import numpy as np
import pytest

from lepton_desktop.core.actions import ACTION_NAMES
from tests.gui.windows import menu_action, shown_window
from tests.photos import SKIP_REASON, Segment, expression_clip, photo_dir

pytestmark = [pytest.mark.gui, pytest.mark.skipif(photo_dir() is None, reason=SKIP_REASON)]

LANE = ("View", "Facial actions lane")
READ = ("Analysis", "Read facial actions (slower analysis)")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("lane") / "smile_then_frown.mp4"
    spans = expression_clip(path, [Segment("happy", 20), Segment("angry", 20)])
    return path, spans


def _analyse(qtbot, win):
    menu_action(win, "Analysis", "Analyse video").trigger()
    qtbot.waitUntil(lambda: win._worker is not None and not win._worker.is_running(), timeout=120_000)
    qtbot.wait(50)
    win.timeline.flush_now()


def test_lane_shows_valence_then_actions_once_they_are_read(qtbot, tmp_path, clip):
    path, spans = clip
    win = shown_window(qtbot, tmp_path / "p.lepton")
    assert win.open_video(path)
    _analyse(qtbot, win)  # without actions (the default)
    dock, video = win.docks["timeline"], win.centralWidget()
    qtbot.wait(50)
    heights = dock.height(), video.height()
    menu_action(win, *LANE).trigger()
    qtbot.waitUntil(lambda: dock.height() > heights[0])  # room for the lane under the row
    lane = win.timeline.lanes[1]
    assert lane.values is None and "Read facial actions" in lane.note.toPlainText()
    happy_frame = (spans[0][0] + spans[0][1]) // 2
    angry_frame = (spans[1][0] + spans[1][1]) // 2
    assert lane.value_at(happy_frame)["valence"] > 0.2  # valence needs only the emotions

    read = menu_action(win, *READ)
    assert not read.isChecked()
    read.trigger()
    assert win.settings.actions
    _analyse(qtbot, win)
    lane = win.timeline.lanes[1]  # the lane stays on for the new analysis
    assert lane.values is not None and lane.heat.isVisible()
    shown = [ACTION_NAMES[i] for i in lane.top]
    assert {"mouthSmileLeft", "mouthSmileRight"} & set(shown), shown
    at_smile, at_frown = lane.value_at(happy_frame), lane.value_at(angry_frame)
    assert at_smile["valence"] > at_frown["valence"]
    assert 0 <= at_frown["arousal"] <= 1 and 0 <= at_smile["arousal"] <= 1
    smile = next(k for k in shown if k.startswith("mouthSmile"))
    assert at_smile[smile] > 0.4 and at_smile[smile] > 3 * at_frown[smile]

    # the lane lines up with the person's row and follows the playhead
    row = win.timeline.rows[1]
    qtbot.waitUntil(lambda: abs(lane.plot.vb.sceneBoundingRect().left() - row.plot.vb.sceneBoundingRect().left()) < 2)
    win.seek(angry_frame)
    qtbot.waitUntil(lambda: int(lane.line.value()) == angry_frame)
    assert np.allclose(lane.plot.vb.viewRange()[0], row.plot.vb.viewRange()[0])

    menu_action(win, *LANE).trigger()  # off again: the rows stay, the lanes go
    assert win.timeline.lanes == {} and list(win.timeline.rows) == [1]
    assert lane.plot.scene() is None
    qtbot.waitUntil(lambda: abs(dock.height() - heights[0]) <= 2)  # and the video gets its room back
    assert abs(video.height() - heights[1]) <= 2

    # View > Zoom in, then View > Fit timelines (F, where pyqtgraph's "A" button used to be): the whole
    # video again, with a margin before frame 0 so the playhead there stays clear of the axis
    menu_action(win, "View", "Zoom timelines in").trigger()
    assert row.plot.vb.viewRange()[0][1] - row.plot.vb.viewRange()[0][0] < win.frame_count / 2 + 1
    fit = menu_action(win, "View", "Fit timelines")
    assert fit.shortcut().toString() == "F"
    fit.trigger()
    lo, hi = row.plot.vb.viewRange()[0]
    assert -1 <= lo < 0 and win.frame_count - 1 < hi <= win.frame_count
