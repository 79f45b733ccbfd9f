"""Person rows are built ahead and recycled: a reused row shows its new person only."""

from __future__ import annotations

import numpy as np
import pytest

from lepton_desktop.gui.results import ResultsModel
from lepton_desktop.gui.timeline import SPARE_ROWS, TimelineWidget
from lepton_desktop.vision.analyzer import FaceRows

pytestmark = pytest.mark.gui


def _rows(people: dict[int, int], frames: int) -> FaceRows:
    """Person n is seen on every frame with emotion ``people[n]`` at 0.9."""
    numbers = sorted(people)
    f = np.repeat(np.arange(frames, dtype=np.int32), len(numbers))
    t = np.tile(np.array(numbers, np.int32), frames)
    probs = np.full((len(f), 7), 0.1 / 6, np.float32)
    probs[np.arange(len(f)), [people[n] for n in t]] = 0.9
    return FaceRows(f, t, np.full((len(f), 4), 10, np.float32), probs)


def test_rows_are_built_ahead_and_recycled_clean(qtbot):
    model = ResultsModel()
    widget = TimelineWidget(model)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: len(widget._spares) == SPARE_ROWS, timeout=3000)
    spares = list(widget._spares)

    model.clear(100)
    model.add_rows(_rows({1: 3, 2: 0}, 100))
    widget._flush()  # as the 5 Hz refresh does during an analysis, but now: new people are grown turn by turn
    qtbot.waitUntil(lambda: len(widget.rows) == 2 and all(len(r.curves) == 7 for r in widget.rows.values()))
    assert [widget.rows[1], widget.rows[2]] == spares  # no plot built while people appeared
    qtbot.wait(200)
    assert widget._spares == []  # and none built behind them (that would stall an analysis)
    widget.set_compare({1: np.zeros(100, np.int8)}, "v1")
    widget.select(2, 10, 20)
    assert widget.rows[2].plot.getAxis("bottom").isVisible() and not widget.rows[1].plot.getAxis("bottom").isVisible()

    model.clear(50)  # another video: its one person takes a recycled row
    model.add_rows(_rows({1: 5}, 50))
    widget.flush_now()
    row = widget.rows[1]
    assert row in spares and len(widget.rows) == 1
    assert row.plot.getAxis("left").labelText == "Person 1"
    labels = [text for _, text in row.plot.getAxis("left")._tickLevels[0]]  # no "0" sitting on "dominant"
    assert labels == ["1", "0.5", "", "dominant", "corrections"]
    assert row.curves[5].yData is not None and np.allclose(row.curves[5].yData, 0.9)
    assert len(row.curves[5].xData) == 50
    assert row.compared.size == 0 and not row.compare_band.isVisible() and not row.region.isVisible()
    assert row.plot.getAxis("bottom").isVisible()
    assert row.plot.vb.viewRange()[0][1] == pytest.approx(49, abs=1)  # the new video's length, not the old one's
    lo = row.plot.vb.viewRange()[0][0]
    assert -1 <= lo < 0  # a margin before frame 0: a playhead there is not hidden under the axis
    # no unlabelled pyqtgraph "A" (auto-range) button in the corner: View > Fit timelines (F) does that
    assert row.plot.buttonsHidden and not row.plot.autoBtn.isVisible()


def test_the_wheel_scrolls_the_people_and_ctrl_wheel_zooms_every_row(qtbot):
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication, QScrollArea

    model = ResultsModel()
    widget = TimelineWidget(model)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    area.resize(600, 260)  # room for about one person of four: the rest scroll
    qtbot.addWidget(area)
    area.show()
    model.clear(200)
    model.add_rows(_rows({1: 3, 2: 0, 3: 4, 4: 6}, 200))
    widget.flush_now()
    qtbot.waitUntil(lambda: len(widget.rows) == 4 and area.verticalScrollBar().maximum() > 0)
    qtbot.wait(50)

    def turn(steps, modifiers=Qt.KeyboardModifier.NoModifier):
        view_pos = widget.mapFromScene(widget.rows[1].plot.vb.sceneBoundingRect().center())
        event = QWheelEvent(QPointF(view_pos), QPointF(widget.mapToGlobal(view_pos)), QPoint(0, 0),
                            QPoint(0, 120 * steps), Qt.MouseButton.NoButton, modifiers,
                            Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
        QApplication.sendEvent(widget.viewport(), event)
        qtbot.wait(20)

    ranges = lambda: [tuple(round(v, 3) for v in r.plot.vb.viewRange()[0]) for r in widget.rows.values()]  # noqa: E731
    before = ranges()
    turn(-1)  # down: the next people come into view; no plot zoomed
    assert area.verticalScrollBar().value() > 0 and ranges()[0] == before[0]
    area.verticalScrollBar().setValue(0)
    turn(1, Qt.KeyboardModifier.ControlModifier)  # Ctrl: every timeline zooms in together
    after = ranges()
    assert all(hi - lo < 0.9 * 199 for lo, hi in after)
    assert area.verticalScrollBar().value() == 0
