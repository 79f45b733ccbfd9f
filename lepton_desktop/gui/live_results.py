"""Results of a live session: a :class:`ResultsModel` that makes room as the stream goes on."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject

from lepton_desktop.gui.results import ResultsModel
from lepton_desktop.vision.analyzer import FaceRows

START_FRAMES = 1500
"""Room for a minute at 25 fps at first; it doubles whenever the stream needs more."""


class LiveResults(ResultsModel):
    """Per-person arrays sized to the frames received so far (``frame_count`` is the room, not the end)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.newest = -1
        """The newest frame with results."""
        self.clear(START_FRAMES)

    def make_room(self, frames: int) -> None:
        """Grow every array to hold at least ``frames`` frames (doubling, so growth is rare)."""
        if frames <= self.frame_count:
            return
        size = max(frames, 2 * self.frame_count)
        for store in (self.probs, self.boxes, self.actions):
            for number, array in store.items():
                grown = np.full((size, *array.shape[1:]), np.nan, array.dtype)
                grown[: array.shape[0]] = array
                store[number] = grown
        self.frame_count = size

    def add_rows(self, rows: FaceRows | None, track_ids: dict[int, int] | None = None) -> None:
        """Merge rows of the stream, making room first."""
        if rows is not None and len(rows):
            last = int(rows.frames.max())
            self.make_room(last + 1)
            self.newest = max(self.newest, last)
        super().add_rows(rows, track_ids)
