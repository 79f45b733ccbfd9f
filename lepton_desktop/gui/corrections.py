"""Corrections in the window: a model over the project, and thin undo commands.

orange-canvas-core's recipe: each QUndoCommand's redo() calls one model method
and undo() its inverse. Nothing is ever deleted: undo tombstones a correction,
redo restores the same row, so the project keeps the full history.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.labels import frame_labels
from lepton_desktop.core.records import Correction
from lepton_desktop.services.corrections import same_people
from lepton_desktop.store import Project, open_project


class CorrectionsModel(QObject):
    """The corrections of the open video. Every change is committed before a signal fires.

    ``changed(track_ids, added)`` says what changed (DESIGN convention 5): the set of
    affected track ids (None: everything, after attach or reload) and the new
    correction when the change was a plain add, so views can update in place.
    """

    changed = Signal(object, object)
    failed = Signal(str)
    """A change the project refused (read-only, full disk, locked): one sentence; nothing changed."""
    stepped = Signal(str)
    """An undo or redo the project stored: ``Undone: …`` / ``Redone: …``, for the status bar."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: str | Path | None = None
        self.video_id: int | None = None
        self.frame_count = 0
        self.items: list[Correction] = []
        self.failures = 0
        """How many changes the project has refused (callers compare before and after a push)."""
        self._open: Project | None = None
        self._labels: dict[tuple[int, str | None], np.ndarray] = {}
        self.people: dict[int, int] = {}
        self._aliases: dict[int, int] = {}

    def attach(
        self, project: str | Path, video_id: int | None, frame_count: int, people: dict[int, int] | None = None
    ) -> None:
        """Show the corrections of ``video_id`` in ``project`` (kept open while attached).

        ``people`` (number -> track id of the run on screen) lets corrections made on an
        earlier analysis of the same people show on the current one.
        """
        if self._open is not None and self.project != project:
            self._open.close()
            self._open = None
        self.project, self.video_id, self.frame_count = project, video_id, frame_count
        self.people = dict(people or {})
        self.reload()

    def use(self, project: str | Path) -> Project:
        """``project``, opened once and kept open (opening costs ~20 ms of checks; reads then take ~1 ms)."""
        if self._open is not None and self.project != project:
            self._open.close()
            self._open = None
        self.project = project
        return self._project()

    def close(self) -> None:
        """Release the project."""
        if self._open is not None:
            self._open.close()
            self._open = None

    def reload(self) -> None:
        """Read again from the project (sees another app instance's work)."""
        self.items = []
        self._labels = {}
        if self.project is not None and self.video_id is not None:
            proj = self._project()
            self._aliases = aliases = same_people(proj, self.people)
            self.items = [
                replace(c, track_id=aliases[c.track_id]) if c.track_id in aliases else c
                for c in proj.corrections.list(video_id=self.video_id)
            ]
        self.changed.emit(None, None)

    def add(self, track_id: int, start: int, end: int, label: str, annotator: str, origin: str = "human") -> Correction:
        """Store a new correction."""
        made = self._project().corrections.add(track_id, start, end, label, annotator, origin)
        self.items.append(made)
        for (track, who), labels in self._labels.items():  # the newest correction wins: paint it on top
            if track == track_id and who in (None, annotator):
                labels[max(start, 0) : min(end, self.frame_count - 1) + 1] = EMOTIONS.index(label)
        self.changed.emit({track_id}, made)
        return made

    def set_live(self, correction_id: int, live: bool) -> None:
        """Tombstone (``live=False``) or restore a correction."""
        corrections = self._project().corrections
        updated = corrections.restore(correction_id) if live else corrections.tombstone(correction_id)
        if updated.track_id in self._aliases:  # made on an earlier analysis of this person
            updated = replace(updated, track_id=self._aliases[updated.track_id])
        self.items = [c for c in self.items if c.id != correction_id]
        if updated.live:
            self.items.append(updated)
            self.items.sort(key=lambda c: c.id)
        self._labels = {k: v for k, v in self._labels.items() if k[0] != updated.track_id}
        self.changed.emit({updated.track_id}, None)

    def labels(self, track_id: int, annotator: str | None) -> np.ndarray:
        """Resolved per-frame labels of one person: one annotator's, or everyone's (newest wins)."""
        key = (track_id, annotator)
        cached = self._labels.get(key)
        if cached is None:
            chosen = [
                c for c in self.items if c.track_id == track_id and (annotator is None or c.annotator == annotator)
            ]
            cached = self._labels[key] = frame_labels(chosen, self.frame_count)
        return cached

    def _project(self) -> Project:
        if self.project is None:
            raise RuntimeError("no project attached")
        if self._open is None:
            self._open = open_project(self.project)
        return self._open


class StoreCommand(QUndoCommand):
    """An undo command whose step the project may refuse (read-only share, full disk, lock).

    A refused step is said once through ``model.failed`` and the command leaves the undo stack
    (obsolete, so Qt drops it): the stack never claims a change the project did not store, and the
    error never crosses Qt's C++ (which prefixes it with its own wrapper text). Subclasses write
    ``apply`` and ``revert``; a command made of parts calls the parts' ``apply``/``revert``.
    """

    model: CorrectionsModel

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._pushed = False  # Qt calls redo() once when the command is pushed: that is not a "Redone"

    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        pushed, self._pushed = self._pushed, True
        if self._guarded(self.apply) and pushed:
            self.model.stepped.emit(f"Redone: {self.text()}")

    def undo(self) -> None:
        if self._guarded(self.revert):
            self.model.stepped.emit(f"Undone: {self.text()}")

    @staticmethod
    def _together(steps: list[tuple[Callable[[], None], Callable[[], None]]]) -> None:
        """Run (do, undo) steps in order; when one is refused, undo the ones done (best effort), then raise."""
        done: list[Callable[[], None]] = []
        try:
            for step, inverse in steps:
                step()
                done.append(inverse)
        except BaseException:
            for inverse in reversed(done):
                with contextlib.suppress(Exception):
                    inverse()
            raise

    def _guarded(self, step: Callable[[], None]) -> bool:
        """Run ``step``; False when the project refused it (said through ``model.failed``)."""
        try:
            step()
        except (LeptonError, ValueError) as exc:
            self.setObsolete(True)
            self.model.failures += 1
            self.model.failed.emit(str(exc))
            return False
        return True


class AddCorrection(StoreCommand):
    """Label a range. Undo tombstones it; redo restores the same row."""

    def __init__(self, model: CorrectionsModel, track_id: int, start: int, end: int, label: str, annotator: str,
                 origin: str = "human") -> None:  # fmt: skip
        super().__init__(f"label {start}–{end} {label}")
        self.model = model
        self.args = (track_id, start, end, label, annotator, origin)
        self.correction_id: int | None = None

    def apply(self) -> None:
        if self.correction_id is None:
            self.correction_id = self.model.add(*self.args).id
        else:
            self.model.set_live(self.correction_id, True)

    def revert(self) -> None:
        assert self.correction_id is not None
        self.model.set_live(self.correction_id, False)


class SplitCorrection(StoreCommand):
    """Split a correction at a frame: the original is tombstoned, two halves take its place."""

    def __init__(self, model: CorrectionsModel, original: Correction, at: int) -> None:
        super().__init__(f"split at {at}")
        self.model = model
        self.original = original
        same = (original.label, original.annotator, original.origin)
        self.parts = [
            AddCorrection(model, original.track_id, original.start_frame, at - 1, *same),
            AddCorrection(model, original.track_id, at, original.end_frame, *same),
        ]

    def apply(self) -> None:
        original = self.original.id
        self._together([
            (lambda: self.model.set_live(original, False), lambda: self.model.set_live(original, True)),
            *((part.apply, part.revert) for part in self.parts),
        ])  # fmt: skip

    def revert(self) -> None:
        original = self.original.id
        self._together([
            *((part.revert, part.apply) for part in reversed(self.parts)),
            (lambda: self.model.set_live(original, True), lambda: self.model.set_live(original, False)),
        ])  # fmt: skip


class ReplaceCorrection(StoreCommand):
    """Trim or move a correction: the original is tombstoned and a new one (same label) covers the new range."""

    def __init__(self, model: CorrectionsModel, original: Correction, start: int, end: int) -> None:
        super().__init__(f"trim to {start}–{end}")
        self.model = model
        self.original = original
        self.part = AddCorrection(
            model, original.track_id, start, end, original.label, original.annotator, original.origin
        )

    def apply(self) -> None:
        original = self.original.id
        self._together([
            (lambda: self.model.set_live(original, False), lambda: self.model.set_live(original, True)),
            (self.part.apply, self.part.revert),
        ])  # fmt: skip

    def revert(self) -> None:
        original = self.original.id
        self._together([
            (self.part.revert, self.part.apply),
            (lambda: self.model.set_live(original, True), lambda: self.model.set_live(original, False)),
        ])  # fmt: skip


class RemoveCorrection(StoreCommand):
    """Delete a correction (a tombstone); undo restores it."""

    def __init__(self, model: CorrectionsModel, correction: Correction) -> None:
        super().__init__(f"delete {correction.start_frame}–{correction.end_frame} {correction.label}")
        self.model = model
        self.correction_id = correction.id

    def apply(self) -> None:
        self.model.set_live(self.correction_id, False)

    def revert(self) -> None:
        self.model.set_live(self.correction_id, True)
