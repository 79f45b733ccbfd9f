"""A widget that shows one RGB frame, scaled to fit and centred."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.gui.colors import EMOTION_COLORS


class FaceMark(NamedTuple):
    """A face drawn over the frame: the model's probabilities, and a person's label where one was given."""

    name: str
    box: np.ndarray
    """x, y, w, h in video pixels."""
    probs: np.ndarray
    human: str | None = None
    """The corrected label covering this frame (it wins over the model's)."""


class FrameView(QWidget):
    """Paints the current frame with its aspect ratio kept."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._array: np.ndarray | None = None  # keeps the buffer alive for the QImage
        self.frame_index: int | None = None
        self.exact = True
        """False while the frame shown is a preview from the proxy copy."""
        self.video_size: tuple[int, int] | None = None
        """The video's (width, height): face boxes are in its pixels, whatever the size of the image shown."""
        self.faces: list[FaceMark] = []
        self.show_overlay = True
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)

    def sizeHint(self) -> QSize:
        return QSize(960, 540)

    def set_faces(self, faces: list[FaceMark]) -> None:
        """Boxes and labels to draw over the current frame."""
        self.faces = faces
        self.update()

    def show_frame(self, index: int, rgb: np.ndarray, *, exact: bool = True) -> None:
        """Display ``rgb`` (H, W, 3 uint8) as frame ``index`` (``exact=False``: a smaller preview)."""
        array = np.ascontiguousarray(rgb)
        height, width = array.shape[:2]
        self._array = array
        self._image = QImage(array.data, width, height, array.strides[0], QImage.Format.Format_RGB888)
        self.frame_index = index
        self.exact = exact
        self.update()

    def current_array(self) -> np.ndarray | None:
        """The pixels on screen (for tests and snapshots)."""
        return self._array

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if self._image is not None:
            size = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(self.rect().center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self._image)
            if self.show_overlay and self.faces:
                self._paint_faces(painter, target)
        painter.end()

    def _paint_faces(self, painter: QPainter, target: QRect) -> None:
        assert self._image is not None
        width = self.video_size[0] if self.video_size is not None else self._image.width()
        scale = target.width() / max(width, 1)
        font = QFont(self.font())
        font.setPointSizeF(max(8.0, font.pointSizeF()))
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        lefts = sorted(float(face.box[0]) for face in self.faces)
        for name, (x, y, w, h), probs, human in self.faces:
            top = int(np.argmax(probs))
            shown = human or EMOTIONS[top]
            color = QColor(*EMOTION_COLORS[shown])
            rect = QRectF(target.x() + x * scale, target.y() + y * scale, w * scale, h * scale)
            pen = QPen(color, 3 if human else 2)
            if human:  # a person's label: a dashed box says it is not the model's
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
            # A caption may use the width up to the next face to the right: neighbours never overlap.
            right = next((v for v in lefts if v > float(x) + 1), None)
            room = max((right - float(x)) * scale - 6 if right is not None else target.right() - rect.x(), 110.0)
            lines = [metrics.elidedText(line, Qt.TextElideMode.ElideRight, int(room))
                     for line in overlay_text(name, probs, human).split("\n")]  # fmt: skip
            line_h = metrics.height()
            bar = 5  # the emotion's colour, beside light text: readable for dark colours (sad's blue) too
            width = max(metrics.horizontalAdvance(line) for line in lines) + 10 + bar
            box = QRectF(rect.x(), rect.y() - line_h * len(lines) - 4, width, line_h * len(lines) + 4)
            if box.y() < target.y():
                box.moveTop(rect.bottom() + 2)
            painter.fillRect(box, QColor(0, 0, 0, 215))
            painter.fillRect(QRectF(box.x(), box.y(), bar, box.height()), color)
            for k, line in enumerate(lines):
                painter.setPen(QColor(245, 245, 245) if k == 0 else QColor(190, 190, 190))  # the model's reading dimmer
                painter.drawText(QRectF(box.x() + bar + 4, box.y() + 2 + k * line_h, width - bar - 8, line_h),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, line)  # fmt: skip


def overlay_text(name: str, probs: np.ndarray, human: str | None) -> str:
    """``Person 1 · happy 83%``; inside a correction two lines: ``Person 1 · sad (corrected)``, ``model: happy 83%``.

    A person's label that agrees with the model (an accepted proposal, a confirmation) says ``(confirmed)``.
    """
    top = int(np.argmax(probs))
    model = f"{EMOTIONS[top]} {probs[top]:.0%}"
    if not human:
        return f"{name} · {model}"
    return f"{name} · {human} ({'confirmed' if human == EMOTIONS[top] else 'corrected'})\nmodel: {model}"
