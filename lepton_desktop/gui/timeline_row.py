"""One person's row on the timelines: probability curves, the dominant-emotion band, the corrections tier.

The row's plot, its bands and its selection region, drawn for the visible range only; the
widget that stacks the rows, links their x axes and recycles them is :mod:`gui.timeline`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.gui.colors import EMOTION_COLORS

if TYPE_CHECKING:
    from lepton_desktop.gui.timeline import TimelineWidget

CURVE_HEIGHT = 64
"""The least height of a person's curves: two people fit under the video on a 1366x768 screen."""
TIER_HEIGHT = 16
RIBBON_COLUMNS = 2048
"""The dominant-emotion ribbon is drawn for the visible range only, at most this many columns wide:
Qt cannot paint a 216,000-pixel image (a 2-hour video), and nobody can see one."""
DAMAGE_BRUSH = QBrush(QColor(230, 120, 60, 150), Qt.BrushStyle.BDiagPattern)
"""Frames a damaged file would not give: hatched, so they read as "no data", not as an emotion."""
MAX_DAMAGE_REGIONS = 200
_PALETTE = np.array([(*EMOTION_COLORS[e], 255) for e in EMOTIONS], np.uint8)


RIBBON_Y = (-0.17, -0.05)
"""Where the dominant-emotion band sits, below the curves (which span 0..1)."""
TIER_Y = (-0.33, -0.21)
"""Where the corrections tier sits, below the ribbon."""
COMPARE_Y = (-0.49, -0.37)
"""Where another model version's dominant emotion sits, below the tier, while comparing."""


class SelectViewBox(pg.ViewBox):
    """Shift+drag selects a frame range; every other drag pans as usual."""

    def __init__(self, row_owner: TimelineWidget, number: int) -> None:
        super().__init__(enableMenu=False)
        self._owner = row_owner
        self._number = number
        self._anchor: float | None = None

    def mouseDragEvent(self, ev, axis=None) -> None:  # type: ignore[no-untyped-def]
        if ev.modifiers() & Qt.KeyboardModifier.ShiftModifier and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            x = self.mapSceneToView(ev.scenePos()).x()
            if ev.isStart():
                self._anchor = self.mapSceneToView(ev.buttonDownScenePos()).x()
            if self._anchor is not None:
                self._owner.select(self._number, round(min(self._anchor, x)), round(max(self._anchor, x)))
            if ev.isFinish():
                self._anchor = None
            return
        super().mouseDragEvent(ev, axis)

    def wheelEvent(self, ev, axis=None) -> None:  # type: ignore[no-untyped-def]
        """The wheel scrolls through the people; Ctrl+wheel zooms every timeline around the mouse."""
        ev.accept()
        if ev.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self._owner.zoom_at(self.mapSceneToView(ev.scenePos()).x(), 0.8 if ev.delta() > 0 else 1.25)
        else:
            self._owner.scroll_rows(ev.delta())


class PersonRow:
    """One plot per person: curves on 0..1, the dominant ribbon and the corrections tier as bands below."""

    def __init__(self, widget: TimelineWidget, number: int) -> None:
        self.number = number
        self.viewbox = SelectViewBox(widget, number)
        self.plot = pg.PlotItem(enableMenu=False, viewBox=self.viewbox)  # named by bind()
        self.plot.setYRange(TIER_Y[0], 1, padding=0.02)
        self.plot.setLimits(yMin=TIER_Y[0] - 0.05, yMax=1.05)
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.hideButtons()  # pyqtgraph's unlabelled "A" (auto-range): View > Fit timelines (F) does it
        self.plot.setMinimumHeight(CURVE_HEIGHT + 2 * TIER_HEIGHT)
        self.plot.showGrid(x=False, y=False)
        self.plot.getAxis("bottom").setHeight(22)
        self.plot.getAxis("left").setTicks(
            [[(1.0, "1"), (0.5, "0.5"), (0.0, ""), (sum(RIBBON_Y) / 2, "dominant"), (sum(TIER_Y) / 2, "corrections")]]
        )
        self.plot.setClipToView(True)
        self.plot.setDownsampling(auto=True, mode="peak")
        self.curves: list[pg.PlotDataItem] = []  # added a few per event-loop turn: see add_curves
        self.probs: np.ndarray | None = None
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.tier = pg.ImageItem(axisOrder="row-major")  # filled by the corrections layer
        self.plot.addItem(self.tier)
        self.line = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen((255, 255, 255), width=1.5))
        self.line.sigDragged.connect(widget._line_dragged)
        self.plot.addItem(self.line)
        self.lines = [self.line]
        self.dominant = np.zeros(0, np.int8)  # -1 where the person is not seen
        self.corrected = np.zeros(0, np.int8)  # resolved correction labels, -1 where none
        self.compared = np.zeros(0, np.int8)  # another version's dominant emotion, -1 where none
        self.compare_band = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.compare_band)
        self.set_compare(None, "")
        self.region = pg.LinearRegionItem(brush=pg.mkBrush(255, 255, 255, 40), movable=True)
        self.region.setVisible(False)
        self.region.sigRegionChanged.connect(lambda *_: widget._region_moved(self.number))
        self.plot.addItem(self.region)
        self.damaged: list[pg.LinearRegionItem] = []
        self.plot.sigXRangeChanged.connect(lambda *_: self.draw_bands())

    def set_damaged(self, ranges: list[tuple[int, int]]) -> None:
        """Hatch the frame ranges that could not be decoded (a damaged file): no results there."""
        for item in self.damaged:
            self.plot.removeItem(item)
        self.damaged = []
        for first, last in ranges:
            item = pg.LinearRegionItem(
                values=(first - 0.5, last + 0.5), movable=False, brush=DAMAGE_BRUSH, pen=pg.mkPen(None)
            )
            item.setZValue(-5)
            item.setToolTip(f"Frames {first}-{last} could not be decoded: the file is damaged here.")
            self.plot.addItem(item)
            self.damaged.append(item)

    def recycle(self) -> None:
        """Empty the row so that another person (of this or the next video) can use it."""
        self.probs = None
        for curve in self.curves:
            curve.setData([], [])
        self.dominant = self.corrected = np.zeros(0, np.int8)
        self.set_damaged([])
        self.set_compare(None, "")
        self.region.setVisible(False)
        self.plot.getAxis("left").setPen(pg.mkPen((150, 150, 150)))
        self.plot.showAxis("bottom")
        self.plot.setXLink(None)
        self.plot.setLimits(xMin=None, xMax=None)

    def bind(self, number: int, name: str) -> None:
        """Give the row to person ``number``."""
        self.number = self.viewbox._number = number
        self.rename(name)

    def rename(self, name: str) -> None:
        """Show ``name`` on the left axis (only when it changed: relabelling an axis costs ~1 ms)."""
        axis = self.plot.getAxis("left")
        if axis.labelText != name or not axis.label.isVisible():
            self.plot.setLabel("left", name)

    def add_curves(self, count: int) -> bool:
        """Create up to ``count`` more of the seven curves (with data); True once all exist.

        A whole row at once is ~40 ms of GUI time (more on a busy machine); in pieces the
        window keeps answering while people appear during an analysis.
        """
        for name in EMOTIONS[len(self.curves) : len(self.curves) + count]:
            curve = self.plot.plot(pen=pg.mkPen(EMOTION_COLORS[name], width=1), name=name, connect="finite")
            if self.probs is not None:
                k = len(self.curves)
                curve.setData(np.arange(self.probs.shape[0], dtype=np.float64), self.probs[:, k])
            self.curves.append(curve)
        return len(self.curves) == len(EMOTIONS)

    def update(self, probs: np.ndarray) -> None:
        self.probs = probs
        x = np.arange(probs.shape[0], dtype=np.float64)
        for k, curve in enumerate(self.curves):
            curve.setData(x, probs[:, k])
        seen = ~np.isnan(probs[:, 0])
        self.dominant = np.where(seen, np.nan_to_num(probs).argmax(axis=1), -1).astype(np.int8)
        self.draw_bands()

    def set_corrections(self, labels: np.ndarray) -> None:
        self.corrected = labels.astype(np.int8)
        self.draw_bands()

    def set_compare(self, labels: np.ndarray | None, title: str) -> None:
        """Show (or, with None, hide) another model version's dominant emotion under the tier."""
        self.compared = np.zeros(0, np.int8) if labels is None else labels.astype(np.int8)
        bottom = COMPARE_Y[0] if labels is not None else TIER_Y[0]
        self.plot.setLimits(yMin=bottom - 0.05, yMax=1.05)
        self.plot.setYRange(bottom, 1, padding=0.02)
        ticks = [  # 0 is the curves' floor, a tick without a number: "0" sat on top of "dominant"
            (1.0, "1"),
            (0.5, "0.5"),
            (0.0, ""),
            (sum(RIBBON_Y) / 2, "dominant"),
            (sum(TIER_Y) / 2, "corrections"),
        ]
        if labels is not None:
            ticks.append((sum(COMPARE_Y) / 2, title))
        self.plot.getAxis("left").setTicks([ticks])
        self.draw_bands()

    def draw_bands(self) -> None:
        draw_band(self.plot, self.image, self.dominant, RIBBON_Y)
        draw_band(self.plot, self.tier, self.corrected, TIER_Y)
        draw_band(self.plot, self.compare_band, self.compared, COMPARE_Y)


def draw_band(plot, image: pg.ImageItem, values: np.ndarray, y: tuple[float, float]) -> None:  # type: ignore[no-untyped-def]
    """Paint per-frame labels (-1 = nothing) for the visible range only, at most RIBBON_COLUMNS wide."""
    n = values.shape[0]
    if n == 0 or not (values >= 0).any():
        image.setVisible(False)
        return
    lo, hi = plot.viewRange()[0]
    lo, hi = max(0, int(np.floor(lo))), min(n, int(np.ceil(hi)) + 1)
    if hi <= lo:
        return
    columns = min(hi - lo, RIBBON_COLUMNS)
    sample = lo + ((np.arange(columns) + 0.5) * (hi - lo) / columns).astype(np.int64)
    picked = values[np.clip(sample, 0, n - 1)]
    rgba = _PALETTE[np.clip(picked, 0, None)]
    rgba[picked < 0] = 0
    image.setVisible(True)
    image.setImage(rgba[None, :, :], autoLevels=False)
    image.setRect(QRectF(lo - 0.5, y[0], hi - lo, y[1] - y[0]))  # frame k covers k-0.5..k+0.5, centred like curves


def merged_ranges(ranges: list[tuple[int, int]], limit: int = MAX_DAMAGE_REGIONS) -> list[tuple[int, int]]:
    """At most ``limit`` ranges: the closest neighbours are joined first (thousands of hatched items would crawl)."""
    out = sorted(ranges)
    while len(out) > limit:
        gaps = [out[i + 1][0] - out[i][1] for i in range(len(out) - 1)]
        cut = sorted(gaps)[len(out) - limit - 1]
        joined = [out[0]]
        for first, last in out[1:]:
            if first - joined[-1][1] <= cut:
                joined[-1] = (joined[-1][0], last)
            else:
                joined.append((first, last))
        out = joined
    return out
