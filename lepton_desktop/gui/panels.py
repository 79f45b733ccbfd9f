"""Dock panels: the people in the video, and the analysis status."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lepton_desktop.gui.results import ResultsModel


class PeoplePanel(QListWidget):
    """People (tracks) of the open video; double-click renames; selecting jumps to their first frame."""

    jump_requested = Signal(int)
    rename_requested = Signal(int, str)

    def __init__(self, model: ResultsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setEditTriggers(QListWidget.EditTrigger.DoubleClicked | QListWidget.EditTrigger.EditKeyPressed)
        model.changed.connect(self._refresh)
        model.reset.connect(self._refresh)
        self.itemChanged.connect(self._edited)
        self.itemActivated.connect(self._activated)
        self._refresh()

    def _refresh(self, *_: object) -> None:
        self.blockSignals(True)
        self.clear()
        for number in self.model.people():
            seen = np.flatnonzero(~np.isnan(self.model.boxes[number][:, 0]))
            span = f"  (frames {seen[0]}–{seen[-1]})" if len(seen) else ""
            item = QListWidgetItem(self.model.names.get(number, f"Person {number}"))
            item.setData(Qt.ItemDataRole.UserRole, number)
            item.setToolTip(f"Person {number}{span}; double-click to rename")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            self.addItem(item)
        if not self.model.people():
            item = QListWidgetItem("No people yet")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addItem(item)
        self.blockSignals(False)

    def _edited(self, item: QListWidgetItem) -> None:
        number = item.data(Qt.ItemDataRole.UserRole)
        name = item.text().strip()
        if number is not None and name and name != self.model.names.get(number):
            self.rename_requested.emit(int(number), name)

    def _activated(self, item: QListWidgetItem) -> None:
        number = item.data(Qt.ItemDataRole.UserRole)
        if number is None:
            return
        boxes = self.model.boxes[int(number)]
        seen = np.flatnonzero(~np.isnan(boxes[:, 0]))
        if len(seen):
            self.jump_requested.emit(int(seen[0]))


class AnalysisPanel(QWidget):
    """Progress of the running analysis: bar, frames/s, time left, people, device, Cancel."""

    cancel_requested = Signal()
    analyse_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setValue(0)
        self.status = QLabel("Not analysed yet.")
        self.status.setWordWrap(True)
        self.analyse = QPushButton("Analyse")
        self.analyse.clicked.connect(self.analyse_requested)
        self.cancel = QPushButton("Cancel")
        self.cancel.setEnabled(False)
        self.cancel.clicked.connect(self.cancel_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.analyse)
        buttons.addWidget(self.cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def running(self, on: bool) -> None:
        """Switch the buttons between idle and running."""
        self.analyse.setEnabled(not on)
        self.cancel.setEnabled(on)

    def show_progress(self, done: int, total: int, fps: float, people: int, device: str) -> None:
        """Update the bar and the line under it."""
        share = done / total if total else 0.0
        self.bar.setValue(int(share * 100))
        left = (total - done) / fps if fps > 0 else 0.0
        self.status.setText(
            f"{done}/{total} frames · {fps:.1f} frames/s · {left:.0f} s left · {people} people · {device}"
        )
