"""Dock proportions: room for every person's timeline, a side column wide enough to read, kept on resize.

QMainWindow gives all of a resize to the central widget (the video): a maximised window would
keep small docks. This object keeps each dock's share of the window when the window changes
size, and grows the timelines when people appear (each person needs a minimum height), up to a
share of the window, beyond which the timelines scroll.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QDockWidget, QListWidget, QMainWindow, QScrollArea, QWidget

from lepton_desktop.gui.timeline import TimelineWidget

TIMELINE_SHARE = (0.35, 0.56)
"""Smallest and largest share of the window's height the timelines get when sized automatically."""
SIDE_SHARE = 0.27
"""Share of the window's width for the side column (people, corrections, analysis)."""
SIDE_WIDTH = (360, 520)
"""The side column's width range when sized automatically, in pixels."""
PEOPLE_ROWS = (3, 6)
"""The People list shows at least, and grows to show at most, this many names."""


class DockSizer(QObject):
    """Sizes the window's docks: once on a first start, when people appear, and on every window resize."""

    def __init__(self, window: QMainWindow, docks: dict[str, QDockWidget], timeline: TimelineWidget) -> None:
        super().__init__(window)
        self.window, self.docks, self.timeline = window, docks, timeline
        self.arranged = False  # True once the docks have a layout (restored or sized here)
        self._before_lanes: int | None = None  # the timeline dock's height before the actions lanes grew it
        # the side column runs the window's full height; the timelines sit under the video only
        window.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        timeline.rows_changed.connect(self.fit_people)
        window.installEventFilter(self)

    # -- automatic sizes ----------------------------------------------------------------

    def _column_height(self) -> int:
        """Height of the video and the timelines together."""
        central = self.window.centralWidget()
        dock = self.docks["timeline"]
        return central.height() + (dock.height() if dock.isVisible() and not dock.isFloating() else 0)

    def _timeline_chrome(self) -> int:
        dock = self.docks["timeline"]
        scroller = dock.widget()
        if isinstance(scroller, QScrollArea) and dock.isVisible() and dock.height() > 0:
            return max(dock.height() - scroller.viewport().height(), 0)
        return 30

    def timeline_height(self, people: int) -> int:
        """The timeline dock's height for ``people`` rows, within TIMELINE_SHARE of the column."""
        column = self._column_height()
        wanted = TimelineWidget.height_for(max(people, 1), self.timeline.show_actions) + self._timeline_chrome()
        return int(min(max(wanted, TIMELINE_SHARE[0] * column), TIMELINE_SHARE[1] * column))

    def arrange(self) -> None:
        """Proportions for a window nobody has arranged yet."""
        self.arranged = True
        width = self.window.width()
        side = int(min(max(SIDE_SHARE * width, SIDE_WIDTH[0]), SIDE_WIDTH[1], 0.45 * width))
        self.window.resizeDocks([self.docks["people"]], [side], Qt.Orientation.Horizontal)
        people = len(self.timeline.rows)
        self.window.resizeDocks([self.docks["timeline"]], [self.timeline_height(people)], Qt.Orientation.Vertical)
        self._fit_side(people)

    def _fit_side(self, people: int) -> None:
        """People: a few names; Analysis: what it needs; Corrections: the rest of the column."""
        listing = self.docks["people"].widget()
        analysis = self.docks["analysis"].widget()
        corrections = self.docks["corrections"]
        if not isinstance(listing, QListWidget) or not isinstance(analysis, QWidget):
            return
        rows = min(max(people, PEOPLE_ROWS[0]), PEOPLE_ROWS[1])
        row = max(listing.sizeHintForRow(0), listing.fontMetrics().height() + 4)
        people_h = rows * row + 2 * listing.frameWidth() + 30
        analysis_h = analysis.sizeHint().height() + 30
        total = self.window.height()
        docks = [self.docks["people"], corrections, self.docks["analysis"]]
        heights = [people_h, max(total - people_h - analysis_h, 200), analysis_h]
        shown = [(d, h) for d, h in zip(docks, heights, strict=True) if d.isVisible() and not d.isFloating()]
        if len(shown) > 1:
            self.window.resizeDocks([d for d, _ in shown], [h for _, h in shown], Qt.Orientation.Vertical)

    def fit_people(self, people: int) -> None:
        """Grow the timelines (and the People list) so that ``people`` rows fit, up to the cap."""
        if not self.arranged or not people:
            return
        dock = self.docks["timeline"]
        docked = dock.isVisible() and not dock.isFloating()
        if not self.timeline.show_actions and self._before_lanes is not None:  # lanes off: the size they found
            if docked and dock.height() > self._before_lanes:
                self.window.resizeDocks([dock], [self._before_lanes], Qt.Orientation.Vertical)
            self._before_lanes = None
        elif self.timeline.show_actions and self._before_lanes is None and docked:
            self._before_lanes = dock.height()
        if docked and dock.height() < self.timeline_height(people):
            self.window.resizeDocks([dock], [self.timeline_height(people)], Qt.Orientation.Vertical)
        listing = self.docks["people"].widget()
        if isinstance(listing, QListWidget) and people > PEOPLE_ROWS[0]:
            shown = listing.viewport().height() // max(listing.sizeHintForRow(0), 1)
            if shown < min(people, PEOPLE_ROWS[1]):
                self._fit_side(people)

    # -- window events ------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window:
            if event.type() == QEvent.Type.Show and not self.arranged:
                QTimer.singleShot(0, self, self.arrange)  # once the window has its size
            elif event.type() == QEvent.Type.Resize and self.arranged and isinstance(event, QResizeEvent):
                self._keep_shares(event)
        return False

    def _keep_shares(self, event: QResizeEvent) -> None:
        """Scale the docks with the window (Qt alone would give the whole change to the video)."""
        old, new = event.oldSize(), event.size()
        if not old.isValid() or old.width() <= 0 or old.height() <= 0 or old == new:
            return
        bottom = self.docks["timeline"]
        if bottom.isVisible() and not bottom.isFloating() and new.height() != old.height():
            wanted = round(bottom.height() * new.height() / old.height())
            self.window.resizeDocks([bottom], [wanted], Qt.Orientation.Vertical)
        side = self.docks["corrections"]
        if side.isVisible() and not side.isFloating() and new.width() != old.width():
            wanted = round(side.width() * new.width() / old.width())
            self.window.resizeDocks([side], [min(wanted, new.width() // 2)], Qt.Orientation.Horizontal)
