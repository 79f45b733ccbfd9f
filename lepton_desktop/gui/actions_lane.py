"""A person's optional *actions lane* under their timeline: valence, arousal and their most active facial actions.

Valence and arousal are curves; the most active facial actions (MediaPipe blendshapes) a heat
strip, drawn for the visible range only.

The lane is a plot of its own, x-linked to the person's row; :mod:`gui.timeline` creates,
places and recycles lanes when *View > Facial actions lane* is on. Valence comes from the emotion
probabilities, so it is shown for every analysis; arousal and the heat strip need a run that read
facial actions (*Analysis > Read facial actions*).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import QMenu

from lepton_desktop.core.actions import ACTION_NAMES, arousal, most_active, valence
from lepton_desktop.gui.timeline_row import RIBBON_COLUMNS, SelectViewBox

if TYPE_CHECKING:
    from lepton_desktop.gui.main_window import MainWindow
    from lepton_desktop.gui.timeline import TimelineWidget

LANE_HEIGHT = 150
"""The least height of a lane: the curves and five labelled heat rows stay readable."""
TOP_ACTIONS = 5
"""Heat-strip rows: the person's most active actions over the whole video."""
HEAT_TOP = -1.15
"""The heat strip hangs below the curves (valence spans -1..1, arousal 0..1)."""
HEAT_ROW = 0.5
VALENCE_PEN = pg.mkPen((90, 200, 120), width=1.5)
AROUSAL_PEN = pg.mkPen((240, 160, 50), width=1.5)
_LUT = pg.colormap.get("inferno").getLookupTable(0.0, 1.0, 256)
AXIS_WIDTH = 128
"""Left-axis width of a person's row and lane while lanes show (room for ``mouthUpperUp R`` and the label)."""
LANE_KEY = "Shift+A"
"""View > Facial actions lane."""


def _css(pen: pg.QtGui.QPen) -> str:
    return str(pen.color().name())


def _short(name: str) -> str:
    """``mouthSmileLeft`` -> ``mouthSmile L``: the side as one letter, so the labels stay narrow."""
    for side, letter in (("Left", " L"), ("Right", " R")):
        if name.endswith(side):
            return name[: -len(side)] + letter
    return name


class ActionsLane:
    """Valence/arousal curves and the top-action heat strip of one person."""

    def __init__(self, widget: TimelineWidget, number: int) -> None:
        self.number = number
        self.viewbox = SelectViewBox(widget, number)  # the wheel scrolls people, Shift+drag selects, as on the row
        self.plot = pg.PlotItem(enableMenu=False, viewBox=self.viewbox)
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.hideButtons()  # no unlabelled "A" button: View > Fit timelines (F) fits every row
        self.plot.setMinimumHeight(LANE_HEIGHT)
        self.plot.hideAxis("bottom")
        font = QFont()
        font.setPointSizeF(max(font.pointSizeF() - 2, 6.0))
        self.plot.getAxis("left").setStyle(tickFont=font)
        self.plot.setLabel(
            "left", f"<span style='color:{_css(VALENCE_PEN)}'>valence</span> "
            f"<span style='color:{_css(AROUSAL_PEN)}'>arousal</span>",
        )  # fmt: skip
        self.plot.setClipToView(True)
        self.plot.setDownsampling(auto=True, mode="peak")
        bottom = HEAT_TOP - TOP_ACTIONS * HEAT_ROW
        self.plot.setYRange(bottom, 1.0, padding=0.02)
        self.plot.setLimits(yMin=bottom - 0.05, yMax=1.05)
        self.zero = pg.InfiniteLine(pos=0.0, angle=0, pen=pg.mkPen((110, 110, 110), width=1, dash=[3, 3]))
        self.plot.addItem(self.zero)
        self.valence_curve = self.plot.plot(pen=VALENCE_PEN, connect="finite", name="valence")
        self.arousal_curve = self.plot.plot(pen=AROUSAL_PEN, connect="finite", name="arousal")
        self.heat = pg.ImageItem(axisOrder="row-major")
        self.heat.setLookupTable(_LUT)
        self.plot.addItem(self.heat)
        self.line = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen((255, 255, 255), width=1.5))
        self.line.sigDragged.connect(widget._line_dragged)
        self.plot.addItem(self.line)
        self.note = pg.TextItem("", color=(200, 200, 200), anchor=(0, 0.5))
        self.plot.addItem(self.note)
        self.values: np.ndarray | None = None  # (frames, 52) float16, NaN where not seen
        self.top: list[int] = []
        self.valence = np.zeros(0, np.float32)
        self.arousal = np.zeros(0, np.float32)
        self.plot.sigXRangeChanged.connect(lambda *_: self.draw_heat())
        self._ticks()

    def _ticks(self) -> None:
        ticks = [(1.0, "+1"), (0.0, "0"), (-1.0, "-1")]
        ticks += [(HEAT_TOP - (k + 0.5) * HEAT_ROW, _short(ACTION_NAMES[i])) for k, i in enumerate(self.top)]
        self.plot.getAxis("left").setTicks([ticks])

    def match_axis(self, row_axis: pg.AxisItem) -> None:
        """One width for the row's and the lane's left axes, so that their frames line up."""
        row_axis.setWidth(AXIS_WIDTH)
        self.plot.getAxis("left").setWidth(AXIS_WIDTH)

    def update(self, probs: np.ndarray, actions: np.ndarray | None) -> None:
        """New data for the person: (frames, 7) probabilities and (frames, 52) actions or None."""
        x = np.arange(probs.shape[0], dtype=np.float64)
        self.valence = valence(probs)
        self.valence_curve.setData(x, self.valence)
        self.values = actions
        if actions is None:
            self.arousal = np.zeros(0, np.float32)
            self.arousal_curve.setData([], [])
            self.top = []
            self.note.setText("no facial actions in this analysis: Analysis > Read facial actions, then analyse")
        else:
            self.arousal = arousal(actions)
            self.arousal_curve.setData(x, self.arousal)
            self.top = most_active(actions, TOP_ACTIONS)
            self.note.setText("")
        self._ticks()
        self.draw_heat()

    def draw_heat(self) -> None:
        """Paint the top actions over the visible frames, at most RIBBON_COLUMNS columns wide."""
        lo, hi = self.plot.viewRange()[0]
        self.note.setPos(max(lo, 0.0), HEAT_TOP - TOP_ACTIONS * HEAT_ROW / 2)
        if self.values is None or not self.top:
            self.heat.setVisible(False)
            return
        n = self.values.shape[0]
        first, last = max(0, int(np.floor(lo))), min(n, int(np.ceil(hi)) + 1)
        if last <= first:
            return
        columns = min(last - first, RIBBON_COLUMNS)
        sample = first + ((np.arange(columns) + 0.5) * (last - first) / columns).astype(np.int64)
        picked = self.values[np.clip(sample, 0, n - 1)][:, self.top].astype(np.float32).T  # (top, columns)
        self.heat.setVisible(True)
        self.heat.setImage(np.nan_to_num(picked, nan=0.0)[::-1], levels=(0.0, 1.0), autoLevels=False)
        height = len(self.top) * HEAT_ROW
        self.heat.setRect(QRectF(first - 0.5, HEAT_TOP - height, last - first, height))

    def value_at(self, frame: int) -> dict[str, float]:
        """Valence, arousal and the shown actions at ``frame`` (for tool tips and tests)."""
        out: dict[str, float] = {}
        if 0 <= frame < self.valence.shape[0]:
            out["valence"] = float(self.valence[frame])
        if 0 <= frame < self.arousal.shape[0]:
            out["arousal"] = float(self.arousal[frame])
        if self.values is not None and 0 <= frame < self.values.shape[0]:
            out.update({ACTION_NAMES[i]: float(self.values[frame, i]) for i in self.top})
        return out


def add_actions_menu_items(win: MainWindow, view: QMenu, analysis: QMenu) -> tuple[QAction, QAction]:
    """*View > Facial actions lane* (Shift+A) and *Analysis > Read facial actions* (a saved setting)."""
    lane = win._action(view, "Facial &actions lane", QKeySequence(LANE_KEY), lambda: None)
    lane.setCheckable(True)
    lane.toggled.connect(win.timeline.set_actions_visible)
    read = QAction("Read facial a&ctions (slower analysis)", win)
    read.setCheckable(True)
    read.setChecked(win.settings.actions)
    read.toggled.connect(lambda on: setattr(win.settings, "actions", bool(on)))
    analysis.addAction(read)
    return lane, read
