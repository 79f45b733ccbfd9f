"""Corrections in the window: a model over the project, and thin undo commands.

orange-canvas-core's recipe: each QUndoCommand's redo() calls one model method
and undo() its inverse. Nothing is ever deleted: undo tombstones a correction,
redo restores the same row, so the project keeps the full history.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand

from lepton_desktop.core.labels import frame_labels
from lepton_desktop.core.records import Correction
from lepton_desktop.store import open_project


class CorrectionsModel(QObject):
    """The corrections of the open video. Every change is committed before ``changed`` fires."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: str | Path | None = None
        self.video_id: int | None = None
        self.frame_count = 0
        self.items: list[Correction] = []

    def attach(self, project: str | Path, video_id: int | None, frame_count: int) -> None:
        """Show the corrections of ``video_id`` in ``project``."""
        self.project, self.video_id, self.frame_count = project, video_id, frame_count
        self.reload()

    def reload(self) -> None:
        """Read again from the project (sees another app instance's work)."""
        self.items = []
        if self.project is not None and self.video_id is not None:
            with open_project(self.project) as proj:
                self.items = proj.corrections.list(video_id=self.video_id)
        self.changed.emit()

    def add(self, track_id: int, start: int, end: int, label: str, annotator: str, origin: str = "human") -> Correction:
        """Store a new correction."""
        with open_project(self._target()) as proj:
            made = proj.corrections.add(track_id, start, end, label, annotator, origin)
        self.items.append(made)
        self.changed.emit()
        return made

    def set_live(self, correction_id: int, live: bool) -> None:
        """Tombstone (``live=False``) or restore a correction."""
        with open_project(self._target()) as proj:
            updated = proj.corrections.restore(correction_id) if live else proj.corrections.tombstone(correction_id)
        self.items = [c for c in self.items if c.id != correction_id]
        if updated.live:
            self.items.append(updated)
            self.items.sort(key=lambda c: c.id)
        self.changed.emit()

    def labels(self, track_id: int, annotator: str | None) -> np.ndarray:
        """Resolved per-frame labels of one person: one annotator's, or everyone's (newest wins)."""
        chosen = [c for c in self.items if c.track_id == track_id and (annotator is None or c.annotator == annotator)]
        return frame_labels(chosen, self.frame_count)

    def _target(self) -> str | Path:
        if self.project is None:
            raise RuntimeError("no project attached")
        return self.project


class AddCorrection(QUndoCommand):
    """Label a range. Undo tombstones it; redo restores the same row."""

    def __init__(self, model: CorrectionsModel, track_id: int, start: int, end: int, label: str, annotator: str,
                 origin: str = "human") -> None:  # fmt: skip
        super().__init__(f"label {start}–{end} {label}")
        self.model = model
        self.args = (track_id, start, end, label, annotator, origin)
        self.correction_id: int | None = None

    def redo(self) -> None:
        if self.correction_id is None:
            self.correction_id = self.model.add(*self.args).id
        else:
            self.model.set_live(self.correction_id, True)

    def undo(self) -> None:
        assert self.correction_id is not None
        self.model.set_live(self.correction_id, False)


class RemoveCorrection(QUndoCommand):
    """Delete a correction (a tombstone); undo restores it."""

    def __init__(self, model: CorrectionsModel, correction_id: int) -> None:
        super().__init__("delete correction")
        self.model = model
        self.correction_id = correction_id

    def redo(self) -> None:
        self.model.set_live(self.correction_id, False)

    def undo(self) -> None:
        self.model.set_live(self.correction_id, True)
