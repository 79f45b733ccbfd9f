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
        self.setMinimumHeight(130)
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


class CorrectionsPanel(QWidget):
    """Every live correction of the video: click one to go there; filter by any text."""

    jump_requested = Signal(int, int)  # person number, frame

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTableWidget

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter: person, label or annotator")
        self.filter.textChanged.connect(self._apply_filter)
        from PySide6.QtWidgets import QHeaderView

        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Person", "Frames", "Label", "Annotator", "Origin"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellClicked.connect(self._clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)
        self._rows: list[tuple[int, int]] = []

    def show_corrections(self, rows: list[tuple[int, str, int, int, str, str, str]]) -> None:
        """Rows of (person number, person name, start, end, label, annotator, origin)."""
        from PySide6.QtWidgets import QTableWidgetItem

        self.table.setRowCount(len(rows))
        self._rows = []
        for i, (number, name, start, end, label, annotator, origin) in enumerate(rows):
            for col, value in enumerate((name, f"{start}–{end}", label, annotator, origin)):
                item = QTableWidgetItem(str(value))
                self.table.setItem(i, col, item)
            self._rows.append((number, start))
        self._apply_filter(self.filter.text())

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.table.rowCount()):
            cells = " ".join(self.table.item(i, c).text().lower() for c in (0, 2, 3, 4))
            self.table.setRowHidden(i, bool(needle) and needle not in cells)

    def _clicked(self, row: int, _column: int) -> None:
        if 0 <= row < len(self._rows):
            self.jump_requested.emit(*self._rows[row])
