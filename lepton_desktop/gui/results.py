"""The analysis results of the open video, as dense per-person arrays; views subscribe to it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.vision.analyzer import FaceRows


class ResultsModel(QObject):
    """Per person: probabilities (frames, 7) and boxes (frames, 4), NaN where the person is not seen.

    ``actions`` holds, for people whose run read facial actions, (frames, 52) float16 coefficients.
    """

    changed = Signal(object)  # set of person numbers whose data changed
    reset = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.frame_count = 0
        self.probs: dict[int, np.ndarray] = {}
        self.boxes: dict[int, np.ndarray] = {}
        self.names: dict[int, str] = {}
        self.track_ids: dict[int, int] = {}
        self.actions: dict[int, np.ndarray] = {}

    def clear(self, frame_count: int) -> None:
        """Forget everything; a video of ``frame_count`` frames is next."""
        self.frame_count = frame_count
        self.probs, self.boxes, self.names, self.track_ids = {}, {}, {}, {}
        self.actions = {}
        self.reset.emit()

    def add_rows(self, rows: FaceRows | None, track_ids: dict[int, int] | None = None) -> None:
        """Merge rows (from a running analysis or the project)."""
        if track_ids:
            self.track_ids.update(track_ids)
        if rows is None or len(rows) == 0:
            return
        touched: set[int] = set()
        for number in np.unique(rows.tracks).tolist():
            if number not in self.probs:
                self.probs[number] = np.full((self.frame_count, len(EMOTIONS)), np.nan, np.float32)
                self.boxes[number] = np.full((self.frame_count, 4), np.nan, np.float32)
                self.names.setdefault(number, f"Person {number}")
            mask = rows.tracks == number
            frames = rows.frames[mask]
            keep = frames < self.frame_count
            self.probs[number][frames[keep]] = rows.probs[mask][keep]
            self.boxes[number][frames[keep]] = rows.boxes[mask][keep]
            if rows.actions is not None:
                if number not in self.actions:
                    self.actions[number] = np.full((self.frame_count, rows.actions.shape[1]), np.nan, np.float16)
                self.actions[number][frames[keep]] = rows.actions[mask][keep]
            touched.add(number)
        self.changed.emit(touched)

    def rename(self, number: int, name: str) -> None:
        """Change the display name of a person."""
        self.names[number] = name
        self.changed.emit({number})

    def people(self) -> list[int]:
        """Person numbers in order."""
        return sorted(self.probs)

    def at(self, frame: int) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(number, box, probs) of everyone visible at ``frame``."""
        out = []
        if not 0 <= frame < self.frame_count:
            return out
        for number in self.people():
            box = self.boxes[number][frame]
            if not np.isnan(box[0]):
                out.append((number, box, self.probs[number][frame]))
        return out
