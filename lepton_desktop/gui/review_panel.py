"""The Review panel: the queue of stretches that need a human, counts per reason, a reason filter."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lepton_desktop.core.review import REASON_TEXT, REASONS, ReviewItem

SHORT = {
    "annotators": "annotators differ",
    "models": "models differ",
    "low_confidence": "low confidence",
    "flicker": "flicker",
    "unreviewed": "not reviewed",
}
"""The reason as the table's narrow column says it (the summary and tooltips say it in full)."""

REASON_COLORS = {
    "annotators": (235, 110, 90),
    "models": (200, 140, 240),
    "low_confidence": (240, 190, 80),
    "flicker": (110, 190, 240),
    "unreviewed": (160, 160, 160),
}


MAX_ROWS = 500
"""The table lists the most pressing items only (a flat, noisy video can have thousands); N still walks them all."""


class ReviewPanel(QWidget):
    """Lists review items; a click (or N / Shift+N in the window) goes to one."""

    item_chosen = Signal(int)  # position in ``items``
    filter_changed = Signal()
    settings_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[ReviewItem] = []
        self.names: dict[int, str] = {}
        self.summary = QLabel("No analysis yet.")
        self.summary.setWordWrap(True)
        self.reason = QComboBox()
        self.reason.addItem("All reasons", None)
        for reason in REASONS:
            self.reason.addItem(REASON_TEXT[reason].capitalize(), reason)
        self.reason.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys (N, 1-7) belong to the window
        self.reason.currentIndexChanged.connect(lambda _i: self.filter_changed.emit())
        self.settings_button = QToolButton()
        self.settings_button.setText("Thresholds…")
        self.settings_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.settings_button.clicked.connect(self.settings_requested.emit)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Person", "Frames", "Reason", "Detail"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().setVisible(False)
        fm = self.table.fontMetrics()
        self.table.verticalHeader().setDefaultSectionSize(fm.height() + 6)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)  # the detail fits what is left, elided
        header.setMinimumSectionSize(40)
        swatch = self.table.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize) + 6
        for column, sample in enumerate(("Person 10", "0000–0000", "annotators differ")):
            self.table.setColumnWidth(column, fm.horizontalAdvance(sample) + 14 + (swatch if column == 2 else 0))
        # the detail takes the room left and ends in "…" (its tooltip has it whole): no sideways scrolling
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.cellClicked.connect(lambda row, _col: self.item_chosen.emit(row))
        top = QHBoxLayout()
        top.addWidget(self.reason, 1)
        top.addWidget(self.settings_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

    def chosen_reason(self) -> str | None:
        """The reason the list is filtered to (None: all)."""
        value = self.reason.currentData()
        return None if value is None else str(value)

    def show_queue(self, items: list[ReviewItem], counts: dict[str, int], names: dict[int, str]) -> None:
        """Show ``items`` (already filtered and ranked) and the counts of the whole queue."""
        self.items, self.names = items, names
        total = sum(counts.values())
        parts = [f"{n} {REASON_TEXT[r]}" for r, n in counts.items() if n]
        self.summary.setText(
            f"{total} to review: " + " · ".join(parts) + ". N / Shift+N: next / previous; V: mark reviewed."
            if total
            else "Nothing to review: every stretch is confident, consistent and corrected or marked."
        )
        if len(items) > MAX_ROWS:
            self.summary.setText(self.summary.text() + f" The list shows the {MAX_ROWS} most pressing.")
        shown = items[:MAX_ROWS]
        self.table.setRowCount(len(shown))
        for row, item in enumerate(shown):
            cells = (
                names.get(item.person, f"Person {item.person}"),
                f"{item.first}–{item.last}",
                SHORT[item.reason],
                item.detail,
            )
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column == 2:  # a swatch, not coloured text: grey text would read as disabled on a light theme
                    cell.setData(Qt.ItemDataRole.DecorationRole, QColor(*REASON_COLORS[item.reason]))
                cell.setToolTip(f"{REASON_TEXT[item.reason]}: {item.detail} (severity {item.score:.2f})")
                self.table.setItem(row, column, cell)

    def show_current(self, position: int | None) -> None:
        """Highlight the item at ``position`` (None: none)."""
        if position is None or not 0 <= position < self.table.rowCount():
            self.table.clearSelection()
            return
        self.table.selectRow(position)
        self.table.scrollToItem(self.table.item(position, 0))

    def clear(self, text: str) -> None:
        self.items = []
        self.table.setRowCount(0)
        self.summary.setText(text)
