"""Dock panels: the people in the video, and the analysis status."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
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

from lepton_desktop.core.words import people as count_people
from lepton_desktop.gui.results import ResultsModel
from lepton_desktop.gui.text_keys import TextKeysDelegate, keep_text_keys


class PeoplePanel(QListWidget):
    """People (tracks) of the open video; double-click renames; selecting jumps to their first frame."""

    jump_requested = Signal(int)
    rename_requested = Signal(int, str)

    def __init__(self, model: ResultsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._status: dict[int, str] = {}
        self.setEditTriggers(QListWidget.EditTrigger.DoubleClicked | QListWidget.EditTrigger.EditKeyPressed)
        self.setItemDelegate(TextKeysDelegate(self))  # Enter confirms a new name, Escape cancels it
        model.changed.connect(self._refresh)
        model.reset.connect(self._reset)
        self.itemChanged.connect(self._edited)
        self.itemActivated.connect(self._activated)
        self._refresh()

    def _reset(self) -> None:
        self._status = {}  # the marks belonged to the people of the previous video or project
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
        for number, status in list(self._status.items()):
            if number in self.model.probs:
                self.set_status(number, status)
        if not self.model.people():
            item = QListWidgetItem("No people yet")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addItem(item)
        self.blockSignals(False)

    def set_status(self, number: int, status: str) -> None:
        """Show a person's review status beside the name."""
        marks = {"not_started": "", "in_progress": " ◐", "done": " ✓"}
        self._status[number] = status
        for i in range(self.count()):
            item = self.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == number:
                self.blockSignals(True)
                item.setText(self.model.names.get(number, f"Person {number}") + marks.get(status, ""))
                item.setToolTip(
                    item.toolTip().split(";")[0] + f"; review: {status.replace('_', ' ')}; double-click to rename"
                )
                self.blockSignals(False)

    def _edited(self, item: QListWidgetItem) -> None:
        number = item.data(Qt.ItemDataRole.UserRole)
        name = item.text().replace(" ◐", "").replace(" ✓", "").strip()
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
        # The status wraps to as many as three lines below the buttons: it never pushes them around.
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.status.setMinimumHeight(self.status.fontMetrics().lineSpacing() * 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.bar)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
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
        who = "looking for faces" if people == 0 else count_people(people)
        self.status.setText(f"{done}/{total} frames · {fps:.1f}\u00a0fps · {left:.0f}\u00a0s left · {who} · {device}")


class _CorrectionsTable(QAbstractTableModel):
    """Rows of (person number, name, start, end, label, annotator, origin); the view asks only for what it shows."""

    HEADERS = ("Person", "Frames", "Label", "Annotator", "Origin")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[int, str, int, int, str, str, str]] = []

    def set_rows(self, rows: list[tuple[int, str, int, int, str, str, str]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rename(self, number: int, name: str) -> None:
        """Show ``name`` for person ``number`` in every row."""
        changed = [i for i, r in enumerate(self.rows) if r[0] == number and r[1] != name]
        for i in changed:
            _, _, start, end, label, annotator, origin = self.rows[i]
            self.rows[i] = (number, name, start, end, label, annotator, origin)
        if changed:
            self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), 0))

    def insert(self, row: tuple[int, str, int, int, str, str, str]) -> None:
        import bisect

        at = bisect.bisect_right([(r[0], r[2]) for r in self.rows], (row[0], row[2]))
        self.beginInsertRows(QModelIndex(), at, at)
        self.rows.insert(at, row)
        self.endInsertRows()

    def rowCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | None = None) -> int:
        return len(self.HEADERS)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole) or not index.isValid():
            return None
        _, name, start, end, label, annotator, origin = self.rows[index.row()]
        return (name, f"{start}–{end}", label, annotator, origin)[index.column()]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


class CorrectionsPanel(QWidget):
    """Every live correction of the video: click one to go there; filter by any text."""

    jump_requested = Signal(int, int)  # person number, frame

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView

        self.model = _CorrectionsTable(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)  # any column: person, label, annotator, origin
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter: person, label or annotator")
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        keep_text_keys(self.filter)
        self.layer = QLabel("Layer: all annotators")
        self.layer.setToolTip("Whose corrections the timelines and this list show; L switches")
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # names take what the others leave:
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)  # people's and annotators' alike
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(40)
        fm = self.table.fontMetrics()
        for column, sample in enumerate(("Person 10", "0000–0000", "surprise", "Annotator", "accepted")):
            self.table.setColumnWidth(column, fm.horizontalAdvance(sample) + 14)
        self.table.verticalHeader().setDefaultSectionSize(fm.height() + 6)
        self.table.clicked.connect(self._clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        top = QHBoxLayout()
        top.addWidget(self.layer)
        top.addWidget(self.filter, 1)
        layout.addLayout(top)
        layout.addWidget(self.table)

    def show_corrections(self, rows: list[tuple[int, str, int, int, str, str, str]]) -> None:
        """Rows of (person number, person name, start, end, label, annotator, origin)."""
        self.model.set_rows(rows)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Frames, label and origin as wide as what they hold; people's and annotators' names share the rest."""
        for column in (1, 2, 4):
            self.table.resizeColumnToContents(column)

    def rename_person(self, number: int, name: str) -> None:
        """A person was renamed: their rows show the new name."""
        self.model.rename(number, name)

    def show_layer(self, annotator: str | None) -> None:
        """Say whose corrections are shown."""
        self.layer.setText(f"Layer: {annotator}" if annotator else "Layer: all annotators")

    def add_row(self, row: tuple[int, str, int, int, str, str, str]) -> None:
        """One new correction, inserted in (person, start) order."""
        self.model.insert(row)
        self._fit_columns()

    def visible_rows(self) -> list[tuple[str, ...]]:
        """What the table shows after filtering (tests, snapshots)."""
        return [
            tuple(str(self.proxy.index(r, c).data()) for c in range(self.proxy.columnCount()))
            for r in range(self.proxy.rowCount())
        ]

    def _clicked(self, index: QModelIndex) -> None:
        row = self.proxy.mapToSource(index).row()
        if 0 <= row < len(self.model.rows):
            number, _, start, *_ = self.model.rows[row]
            self.jump_requested.emit(number, start)
