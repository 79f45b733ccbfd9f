"""The review queue in the window: the Review panel, N / Shift+N to go through it, V to mark reviewed.

The queue is rebuilt (debounced) whenever corrections change, an analysis ends, a video or project
opens, or the thresholds change; it is computed from what the window holds (probabilities in
memory) plus the project's corrections, marks and other model versions.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QMenu, QSpinBox

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.review import REASON_TEXT, REASONS, ReviewItem
from lepton_desktop.gui.review_panel import ReviewPanel
from lepton_desktop.services.review import mark_reviewed, newest_run, review_queue, thresholds_from
from lepton_desktop.services.settings import save_settings

if TYPE_CHECKING:
    from lepton_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)

REFRESH_DELAY_MS = 250


class ReviewController(QObject):
    """Owns the Review panel and the queue of the open video."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.panel = ReviewPanel()
        self.items: list[ReviewItem] = []
        self.position: int | None = None
        self._key: tuple[int, int, int, str] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.panel.item_chosen.connect(self.go)
        self.panel.filter_changed.connect(self.refresh)
        self.panel.settings_requested.connect(self.edit_thresholds)
        window.corrections.changed.connect(lambda *_a, **_k: self.refresh_soon())

    def add_actions(self, menu: QMenu) -> None:
        """Edit > Review: next / previous item, mark reviewed, thresholds."""
        w = self.window
        w._action(menu, "&Next item to review", QKeySequence("N"), lambda: self.step(1))
        w._action(menu, "&Previous item to review", QKeySequence("Shift+N"), lambda: self.step(-1))
        w._action(menu, "Mark the item re&viewed", QKeySequence("V"), self.mark)
        w._action(menu, "Review &thresholds…", QKeySequence(), self.edit_thresholds)

    # -- building the queue -----------------------------------------------------------------

    def refresh_soon(self) -> None:
        self._timer.start()

    def refresh(self) -> None:
        """Rebuild the queue now."""
        w = self.window
        worker = w._worker
        if worker is not None and worker.is_running():
            self.items, self.position, self._key = [], None, None
            self.panel.clear("Analysing: the queue is built when the analysis ends.")
            return
        if not w.fingerprint or not w.results.track_ids:
            self.items, self.position = [], None
            self.panel.clear("No analysis of this video yet: press Ctrl+R to analyse it.")
            return
        chosen = self.panel.chosen_reason()
        try:
            project = w.corrections.use(w.project)
            record = project.videos.by_fingerprint(w.fingerprint)
            if record is None:
                return
            queue = review_queue(
                project,
                record,
                reasons=[chosen] if chosen else REASONS,
                thresholds=thresholds_from(w.settings),
                run=newest_run(project, record),
                probs=w.results.probs,
            )
        except LeptonError as exc:
            self.items, self.position = [], None
            self.panel.clear(str(exc))
            return
        names = {n: w.results.names.get(n, f"Person {n}") for n in w.results.track_ids}
        self.items = queue.items
        self.panel.show_queue(queue.items, queue.counts, names)
        keys = [(i.person, i.first, i.last, i.reason) for i in self.items]
        if self._key in keys:
            self.position = keys.index(self._key)
        elif self.position is not None:  # the item was dealt with: the next one takes its place
            self.position = min(self.position, len(self.items)) - 1 if self.items else None
        self.panel.show_current(self.position if self._key in keys else None)

    # -- going through it ---------------------------------------------------------------------

    def step(self, delta: int) -> None:
        """Go to the next (1) or previous (-1) item, wrapping around."""
        if self._timer.isActive():  # a correction just arrived: use the queue it leaves
            self._timer.stop()
            self.refresh()
        if not self.items:
            self.window.statusBar().showMessage("Nothing to review in this video.", 5000)
            return
        here = -1 if self.position is None and delta > 0 else (self.position if self.position is not None else 0)
        self.go((here + delta) % len(self.items))

    def go(self, position: int) -> None:
        """Select item ``position``'s range on its person's timeline and show its first frame."""
        if not 0 <= position < len(self.items):
            return
        item = self.items[position]
        self.position, self._key = position, (item.person, item.first, item.last, item.reason)
        w = self.window
        w.pause()
        w.timeline.activate(item.person)
        w.seek(item.first)
        w.timeline.select(item.person, item.first, item.last)
        self.panel.show_current(position)
        dock = w.docks.get("review")
        if dock is not None:
            dock.raise_()  # the queue shows beside the video while going through it
        name = w.results.names.get(item.person, f"Person {item.person}")
        w.statusBar().showMessage(
            f"Review {position + 1}/{len(self.items)}: {name} {item.first}–{item.last}, "
            f"{REASON_TEXT[item.reason]} ({item.detail}). 1–7 label · A accept · V reviewed",
            15000,
        )

    def current(self) -> ReviewItem | None:
        if self.position is None or not 0 <= self.position < len(self.items):
            return None
        item = self.items[self.position]
        return item if (item.person, item.first, item.last, item.reason) == self._key else None

    def mark(self) -> None:
        """Record that the current item was looked at; it leaves the queue."""
        w = self.window
        item = self.current()
        if item is None:
            w.statusBar().showMessage("Go to an item first: N goes to the next one to review.", 5000)
            return
        if not w.settings.annotator and not w.ask_annotator():
            return
        try:
            project = w.corrections.use(w.project)
            record = project.videos.by_fingerprint(w.fingerprint or "")
            if record is None:
                return
            mark_reviewed(project, record, item, w.settings.annotator)
        except LeptonError as exc:
            w._error("The mark was not saved", str(exc))
            return
        self.refresh()
        w.statusBar().showMessage(
            f"Marked reviewed (saved): {REASON_TEXT[item.reason]}, frames {item.first}–{item.last}. "
            f"{len(self.items)} left; N goes to the next.",
            8000,
        )

    # -- thresholds ------------------------------------------------------------------------

    def edit_thresholds(self) -> None:
        """A small dialog over the review thresholds (saved in the settings)."""
        s = self.window.settings
        dialog = QDialog(self.window)
        dialog.setWindowTitle("Review thresholds")
        form = QFormLayout(dialog)
        low = QDoubleSpinBox(decimals=2, minimum=0.05, maximum=0.99, singleStep=0.05, value=s.review_low_top)
        entropy = QDoubleSpinBox(decimals=2, minimum=0.1, maximum=1.0, singleStep=0.05, value=s.review_high_entropy)
        frames = QSpinBox(minimum=1, maximum=10_000, value=s.review_min_frames)
        window = QSpinBox(minimum=3, maximum=1000, value=s.review_flicker_window)
        changes = QSpinBox(minimum=2, maximum=100, value=s.review_flicker_changes)
        form.addRow("Low confidence: top probability below", low)
        form.addRow("…or entropy (share of the largest) above", entropy)
        form.addRow("Shortest stretch listed (frames)", frames)
        form.addRow("Flicker: window (frames)", window)
        form.addRow("Flicker: changes within the window", changes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        form.addRow(buttons)
        self.thresholds_dialog = dialog  # tests reach it while it is open
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        s.review_low_top, s.review_high_entropy = low.value(), entropy.value()
        s.review_min_frames, s.review_flicker_window = frames.value(), window.value()
        s.review_flicker_changes = changes.value()
        try:
            save_settings(s)
        except OSError as exc:
            log.warning("settings not saved: %s", exc)
        self.refresh()
