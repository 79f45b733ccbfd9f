"""Per-person emotion timelines (pyqtgraph), synced both ways with the player.

One plot per person: seven probability curves, and below them a ribbon of the
dominant emotion and a tier for human corrections. All plots share the x axis
(frames).
Recipe: clip to view + peak downsampling for long videos, an InfiniteLine
playhead, clicks seek, the wheel scrolls the people and Ctrl+wheel zooms, drag pans,
the playhead line can be dragged. A row itself is drawn by :mod:`gui.timeline_row`.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QScrollArea

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.gui.actions_lane import LANE_HEIGHT, ActionsLane
from lepton_desktop.gui.colors import EMOTION_COLORS
from lepton_desktop.gui.results import ResultsModel
from lepton_desktop.gui.timeline_row import CURVE_HEIGHT, TIER_HEIGHT, PersonRow, merged_ranges

SPARE_ROWS = 2
"""Person rows built ahead while the window is idle."""
MAX_SPARE_ROWS = 8
"""Rows kept for reuse when results are cleared."""


LANE_INTERVAL_S = 1.0
"""While an analysis streams rows in, a person's actions lane is redrawn at most this often."""
EMPTY_TEXT = "No analysis yet: press Analyse (Ctrl+R)."
"""What the timeline says while it has no people and no analysis is running."""


class TimelineWidget(pg.GraphicsLayoutWidget):
    """Timelines of every person in a :class:`ResultsModel`; emits ``seek_requested(frame)``."""

    seek_requested = Signal(int)
    person_activated = Signal(int)
    selection_changed = Signal()
    rows_changed = Signal(int)  # how many people have a row now

    def __init__(self, model: ResultsModel, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.model = model
        self.rows: dict[int, PersonRow] = {}
        self.follow = True
        self.active: int | None = None
        self.selection: tuple[int, int, int] | None = None  # person, first frame, last frame
        self._corrections: dict[int, np.ndarray] = {}
        self._compare: dict[int, np.ndarray] = {}
        self.compare_title = ""
        self.damaged: list[tuple[int, int]] = []
        self._playhead = 0
        self._dirty: set[int] = set()
        self.lanes: dict[int, ActionsLane] = {}
        """Per person, the facial-actions lane under their row (only while ``show_actions``)."""
        self.show_actions = False
        legend = pg.LegendItem(colCount=len(EMOTIONS), labelTextColor=(220, 220, 220))
        for name in EMOTIONS:
            legend.addItem(pg.PlotDataItem(pen=pg.mkPen(EMOTION_COLORS[name], width=4)), name)
        legend.setMaximumHeight(legend.preferredHeight())  # one line; the people get the room
        self.ci.addItem(legend, row=0, col=0)
        self.legend = legend
        self._empty = pg.LabelItem(EMPTY_TEXT, color=(200, 200, 200))
        self.ci.addItem(self._empty, row=1, col=0)
        self._refresh = QTimer(self)
        self._refresh.setInterval(200)  # curves fill in at 5 Hz while an analysis runs
        self._refresh.timeout.connect(self._flush)
        self._refresh.start()
        self._lane_drawn: dict[int, float] = {}
        self._lanes_due: set[int] = set()
        self._lane_timer = QTimer(self)
        self._lane_timer.setSingleShot(True)
        self._lane_timer.setInterval(int(LANE_INTERVAL_S * 1000))
        self._lane_timer.timeout.connect(self._catch_up_lanes)
        self._grow_timer = QTimer(self)
        self._grow_timer.setSingleShot(True)
        self._grow_timer.setInterval(0)
        self._grow_timer.timeout.connect(self._grow)
        # Building a person's plot costs ~35 ms of GUI time; rows are built ahead, while the window
        # is idle, and recycled when the results are cleared, so people appearing during an
        # analysis take a ready row.
        self._spares: list[PersonRow] = []
        self._spare_timer = QTimer(self)
        self._spare_timer.setSingleShot(True)
        self._spare_timer.setInterval(50)  # one row per turn, other events in between
        self._spare_timer.timeout.connect(self._build_spare)
        self._spare_timer.start()
        self.scene().sigMouseClicked.connect(self._clicked)
        model.changed.connect(self._changed)
        model.reset.connect(self._rebuild)

    # -- model events --------------------------------------------------------------------

    def _build_spare(self) -> None:
        """Build the rows kept ready, one per turn, once after start-up (never again during an analysis)."""
        row = PersonRow(self, 0)
        row.add_curves(len(EMOTIONS))
        self._spares.append(row)
        if len(self._spares) < SPARE_ROWS:
            self._spare_timer.start()

    def _rebuild(self) -> None:
        self._drop_lanes()
        for row in self.rows.values():
            self.ci.removeItem(row.plot)
            if len(self._spares) < MAX_SPARE_ROWS:
                row.recycle()
                self._spares.append(row)
        self.rows = {}
        self._dirty = set()
        self._corrections = {}
        self._compare = {}
        self.compare_title = ""
        self.damaged = []
        self.active = None
        self.selection = None
        self.set_empty_text()
        self._empty.setVisible(True)
        self._empty.setMaximumHeight(40)
        self.setMinimumHeight(100)
        self.rows_changed.emit(0)

    def set_empty_text(self, text: str = EMPTY_TEXT) -> None:
        """What the timeline says while it has no people (analysing, no faces found, not analysed)."""
        self._empty.setText(text)

    def _changed(self, numbers: set[int]) -> None:
        self._dirty |= set(numbers)

    def _flush(self, *, all_rows: bool = False) -> None:
        if not self._dirty:
            return
        for number in sorted(self._dirty):
            if number not in self.model.probs:
                continue
            row = self.rows.get(number)
            if row is None:
                if not all_rows:  # new people get their plot in an event-loop turn of their own
                    self._grow_timer.start()
                    continue
                row = self._create_row(number)
            self._refresh_row(number, row, all_rows)
        self._dirty = {n for n in self._dirty if n in self.model.probs and n not in self.rows}
        self._resize_for_rows()

    def _create_row(self, number: int) -> PersonRow:
        previous = list(self.rows.values())[-1] if self.rows else None
        name = self.model.names.get(number, f"Person {number}")
        row = self._spares.pop(0) if self._spares else PersonRow(self, number)
        row.bind(number, name)
        self.ci.addItem(row.plot, row=self._layout_row(len(self.rows)), col=0)
        self.rows[number] = row
        if previous is not None:  # only the bottom row carries the frame axis
            previous.plot.hideAxis("bottom")
        first = next(iter(self.rows.values())).plot
        if row.plot is not first:
            row.plot.setXLink(first)
        else:
            lo, hi = self.full_range()
            row.plot.setXRange(lo, hi, padding=0)
            row.plot.setLimits(xMin=lo, xMax=hi)
        for line in row.lines:
            line.setValue(self._playhead)
        row.set_damaged(self.damaged)
        if self.show_actions:
            self._add_lane(number, len(self.rows) - 1)
        return row

    # -- facial actions lanes ------------------------------------------------------------

    def _layout_row(self, index: int) -> int:
        """Where the ``index``-th person's row goes: under the legend, every other row while lanes show."""
        return 2 + (2 * index if self.show_actions else index)

    def set_actions_visible(self, on: bool) -> None:
        """Show (or hide) a facial-actions lane under every person's row (View > Facial actions lane)."""
        on = bool(on)
        if on == self.show_actions:
            return
        for row in self.rows.values():
            self.ci.removeItem(row.plot)
        self._drop_lanes()
        self.show_actions = on
        for index, (number, row) in enumerate(self.rows.items()):
            self.ci.addItem(row.plot, row=self._layout_row(index), col=0)
            if on:
                self._add_lane(number, index)
        self._resize_for_rows(force=True)

    def _add_lane(self, number: int, index: int) -> None:
        row = self.rows[number]
        lane = ActionsLane(self, number)
        self.ci.addItem(lane.plot, row=self._layout_row(index) + 1, col=0)
        lane.plot.setXLink(next(iter(self.rows.values())).plot)
        lane.match_axis(row.plot.getAxis("left"))
        lane.line.setValue(self._playhead)
        self.lanes[number] = lane
        self._update_lane(number)

    def _update_lane(self, number: int, *, now: bool = False) -> None:
        """Redraw a person's actions lane; while results stream in, at most once a second (it scans the video)."""
        lane = self.lanes.get(number)
        if lane is None or number not in self.model.probs:
            return
        if not now and time.monotonic() - self._lane_drawn.get(number, 0.0) < LANE_INTERVAL_S:
            self._lanes_due.add(number)
            if not self._lane_timer.isActive():
                self._lane_timer.start()
            return
        self._lane_drawn[number] = time.monotonic()
        self._lanes_due.discard(number)
        lane.update(self.model.probs[number], self.model.actions.get(number))

    def _catch_up_lanes(self) -> None:
        for number in list(self._lanes_due):
            self._update_lane(number, now=True)

    def _drop_lanes(self) -> None:
        for number, lane in self.lanes.items():
            self.ci.removeItem(lane.plot)
            if number in self.rows:
                self.rows[number].plot.getAxis("left").setWidth(None)  # back to its own width
        self.lanes = {}

    def set_damaged(self, ranges: list[tuple[int, int]]) -> None:
        """Hatch, on every person's row, the frames a damaged file would not decode."""
        self.damaged = merged_ranges([(int(a), int(b)) for a, b in ranges])
        for row in self.rows.values():
            row.set_damaged(self.damaged)

    def _refresh_row(self, number: int, row: PersonRow, all_rows: bool) -> None:
        row.rename(self.model.names.get(number, f"Person {number}"))
        row.update(self.model.probs[number])
        self._update_lane(number, now=all_rows)
        if len(row.curves) < len(EMOTIONS):
            if all_rows:
                row.add_curves(len(EMOTIONS))
            else:
                self._grow_timer.start()
        if number in self._corrections:
            row.set_corrections(self._corrections[number])
        if self.compare_title:
            row.set_compare(self._compare.get(number, np.zeros(0, np.int8)), self.compare_title)

    @staticmethod
    def height_for(people: int, lanes: bool = False) -> int:
        """The least height that shows ``people`` rows whole (the legend and the frame axis included)."""
        return 60 + people * (CURVE_HEIGHT + 2 * TIER_HEIGHT + 8 + (LANE_HEIGHT + 8 if lanes else 0)) + 22

    def _resize_for_rows(self, force: bool = False) -> None:
        self._empty.setVisible(not self.rows)
        self._empty.setMaximumHeight(0 if self.rows else 40)
        height = self.height_for(len(self.rows), self.show_actions)
        if height != self.minimumHeight() or force:
            self.setMinimumHeight(height)
            self.rows_changed.emit(len(self.rows))
            QTimer.singleShot(0, self, self._fill_view)

    def _fill_view(self) -> None:
        """Spread the rows over the whole view again.

        pyqtgraph fits its layout to the view only when the view is resized; while the rows were
        rebuilt (a re-analysis) the layout shrank to the legend alone, and the new rows then kept
        to their least height above an empty band.
        """
        self.resizeEvent(None)

    def flush_now(self) -> None:
        """Apply all pending model changes immediately (stored results, tests, benchmarks)."""
        self._flush(all_rows=True)
        for row in self.rows.values():
            row.add_curves(len(EMOTIONS))
        self._lane_timer.stop()
        self._catch_up_lanes()  # lanes held back while rows streamed in

    def _grow(self) -> None:
        """One small piece of timeline building per event-loop turn: a new person's plot, or three curves."""
        waiting = sorted(n for n in self._dirty if n in self.model.probs and n not in self.rows)
        if waiting:
            number = waiting[0]
            self._refresh_row(number, self._create_row(number), all_rows=False)
            self._dirty.discard(number)
            self._resize_for_rows()
            self._grow_timer.start()
            return
        pending = [row for row in self.rows.values() if len(row.curves) < len(EMOTIONS)]
        if pending:
            done = pending[0].add_curves(3)
            if len(pending) > 1 or not done:
                self._grow_timer.start()

    # -- playhead and navigation ---------------------------------------------------------

    def set_playhead(self, frame: int, playing: bool = False) -> None:
        """Move the playhead; while playing, keep it in view."""
        self._playhead = frame
        lines = [line for row in self.rows.values() for line in row.lines]
        for line in lines + [lane.line for lane in self.lanes.values()]:
            if int(line.value()) != frame:
                line.blockSignals(True)
                line.setValue(frame)
                line.blockSignals(False)
        if playing and self.follow and self.rows:
            plot = next(iter(self.rows.values())).plot
            lo, hi = plot.viewRange()[0]
            if not lo <= frame <= hi:
                width = hi - lo
                plot.setXRange(frame - 0.1 * width, frame + 0.9 * width, padding=0)

    def full_range(self) -> tuple[float, float]:
        """The x range of the whole video, with a margin: the playhead at frame 0 stays clear of the axis."""
        last = max(self.model.frame_count - 1, 1)
        margin = max(0.5, 0.01 * last)
        return -margin, last + margin

    def fit_all(self) -> None:
        """Show the whole video."""
        if self.rows:
            next(iter(self.rows.values())).plot.setXRange(*self.full_range(), padding=0)

    def zoom(self, factor: float) -> None:
        """Zoom the x axis around the playhead."""
        if self.rows:
            plot = next(iter(self.rows.values())).plot
            lo, hi = plot.viewRange()[0]
            width = (hi - lo) * factor
            plot.setXRange(self._playhead - width / 2, self._playhead + width / 2, padding=0)

    def zoom_at(self, frame: float, factor: float) -> None:
        """Zoom the x axis of every row, keeping ``frame`` where it is on screen."""
        if self.rows:
            plot = next(iter(self.rows.values())).plot
            lo, hi = plot.viewRange()[0]
            width = min((hi - lo) * factor, max(self.model.frame_count - 1, 1) * 1.05)
            share = (frame - lo) / (hi - lo) if hi > lo else 0.5
            plot.setXRange(frame - share * width, frame + (1 - share) * width, padding=0)

    def scroll_rows(self, delta: int) -> None:
        """Scroll the list of people (the scroll area the widget sits in), as a wheel turn does."""
        area = self.parentWidget().parentWidget() if self.parentWidget() is not None else None
        if isinstance(area, QScrollArea):
            bar = area.verticalScrollBar()
            bar.setValue(bar.value() - delta // 2)

    def frame_at_scene(self, scene_pos) -> int | None:  # type: ignore[no-untyped-def]
        """The frame under a scene position, if it is over a person's row."""
        for row in self.rows.values():
            if row.plot.sceneBoundingRect().contains(scene_pos):
                x = row.plot.vb.mapSceneToView(scene_pos).x()
                return int(np.clip(round(x), 0, max(self.model.frame_count - 1, 0)))
        return None

    def _clicked(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.button() != Qt.MouseButton.LeftButton:
            return
        for number, row in self.rows.items():
            if row.plot.sceneBoundingRect().contains(event.scenePos()):
                self.activate(number)
        frame = self.frame_at_scene(event.scenePos())
        if frame is not None:
            self.seek_requested.emit(frame)

    # -- people, selection, corrections -----------------------------------------------------

    def activate(self, number: int) -> None:
        """Make ``number`` the person that keys (I, O, 1-7, Delete) act on."""
        if self.active == number:
            return
        self.active = number
        for n, row in self.rows.items():
            row.plot.getAxis("left").setPen(pg.mkPen((255, 255, 255) if n == number else (150, 150, 150)))
        self.person_activated.emit(number)

    def select(self, number: int, first: int, last: int) -> None:
        """Select frames ``first..last`` of a person (shown as a shaded region)."""
        top = max(self.model.frame_count - 1, 0)
        first, last = int(np.clip(min(first, last), 0, top)), int(np.clip(max(first, last), 0, top))
        self.activate(number)
        self.selection = (number, first, last)
        for n, row in self.rows.items():
            row.region.setVisible(n == number)
            if n == number:
                row.region.blockSignals(True)
                row.region.setRegion((first - 0.5, last + 0.5))
                row.region.blockSignals(False)
        self.selection_changed.emit()

    def clear_selection(self) -> None:
        """Forget the selected range."""
        self.selection = None
        for row in self.rows.values():
            row.region.setVisible(False)
        self.selection_changed.emit()

    def _region_moved(self, number: int) -> None:
        row = self.rows[number]
        lo, hi = row.region.getRegion()
        top = max(self.model.frame_count - 1, 0)
        self.selection = (number, int(np.clip(round(lo + 0.5), 0, top)), int(np.clip(round(hi - 0.5), 0, top)))
        self.selection_changed.emit()

    def set_corrections(self, number: int, labels: np.ndarray) -> None:
        """Resolved correction labels of a person, drawn in its corrections tier."""
        self._corrections[number] = labels
        row = self.rows.get(number)
        if row is not None:
            row.set_corrections(labels)

    def set_compare(self, labels: dict[int, np.ndarray] | None, title: str = "") -> None:
        """Per person (number), another model version's dominant emotions; None stops comparing."""
        self._compare = dict(labels or {})
        self.compare_title = title if labels is not None else ""
        for number, row in self.rows.items():
            row.set_compare(self._compare.get(number, np.zeros(0, np.int8)) if labels is not None else None, title)

    def _line_dragged(self, line) -> None:  # type: ignore[no-untyped-def]
        frame = int(np.clip(round(line.value()), 0, max(self.model.frame_count - 1, 0)))
        self.seek_requested.emit(frame)
