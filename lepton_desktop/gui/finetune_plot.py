"""The fine-tuning dialog's pictures: loss and validation scores per epoch, then the before/after confusion matrices."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class EpochAxis(pg.AxisItem):
    """Whole epochs only: 1, 2, 3 … (every few when there are many)."""

    def tickValues(self, minVal, maxVal, size):  # type: ignore[no-untyped-def]
        first, last = max(1, math.ceil(minVal)), math.floor(maxVal)
        if last < first:
            return []
        step = max(1, math.ceil((last - first + 1) / 10))
        return [(step, list(range(first, last + 1, step)))]

    def tickStrings(self, values, scale, spacing):  # type: ignore[no-untyped-def]
        return [str(round(v)) for v in values]


class FineTunePlot(QWidget):
    """Live curves while training; the confusion matrices of the validation data once it is done."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(axisItems={"bottom": EpochAxis(orientation="bottom")})
        self.plot.setMinimumHeight(200)
        self.plot.addLegend(offset=(-10, 10))
        self.plot.setLabel("bottom", "epoch")
        self.plot.getPlotItem().layout.setContentsMargins(4, 12, 12, 4)  # room for the top tick's label
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()  # nothing to re-range: the plot follows the epochs itself
        self.loss_curve = self.plot.plot(pen=pg.mkPen((230, 120, 60), width=2), symbol="o", name="train loss")
        self.f1_curve = self.plot.plot(pen=pg.mkPen((80, 180, 240), width=2), symbol="s", name="val macro-F1")
        self.acc_curve = self.plot.plot(pen=pg.mkPen((120, 220, 120), width=2), symbol="t", name="val accuracy")
        self.confusion = QLabel()
        self.confusion.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.confusion.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.confusion)

    def clear(self, epochs: int) -> None:
        for curve in (self.loss_curve, self.f1_curve, self.acc_curve):
            curve.setData([], [])
        self.plot.setXRange(0.7, max(epochs, 2) + 0.3, padding=0)
        self.plot.setYRange(0, 1.05, padding=0)
        self.confusion.hide()

    def show_epochs(self, history: list[Any]) -> None:
        x = [e.epoch for e in history]
        self.loss_curve.setData(x, [e.train_loss for e in history])
        self.f1_curve.setData(x, [e.val_macro_f1 for e in history])
        self.acc_curve.setData(x, [e.val_accuracy for e in history])
        top = max([1.0, *(e.train_loss for e in history)])
        self.plot.setYRange(0, top * 1.05, padding=0)

    def show_confusion(self, png: str | Path | None) -> bool:
        """Show the before/after confusion matrices the fine-tuning wrote; False when there is no picture."""
        pixmap = QPixmap(str(png)) if png else QPixmap()
        if pixmap.isNull():
            self.confusion.hide()
            return False
        screen = self.screen().availableGeometry().height() if self.screen() is not None else 900
        # at most 760 wide and a quarter of the screen high: the dialog, its buttons included, stays on screen
        fitted = pixmap.scaled(
            min(pixmap.width(), 760), min(pixmap.height(), max(screen // 4, 160)),
            Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation,
        )  # fmt: skip
        self.confusion.setPixmap(fitted)
        self.confusion.setMinimumHeight(fitted.height())  # whole: titles and caption
        top = self.window()
        if top is not self and top.isVisible():  # grow the dialog to hold it, within the screen
            top.resize(top.width(), min(max(top.height(), top.sizeHint().height()), screen - 60))
        self.confusion.setToolTip(f"Validation confusion matrices before and after: {png}")
        self.confusion.show()
        return True
