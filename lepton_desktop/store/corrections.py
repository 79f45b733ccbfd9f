"""Corrections: human labels over frame ranges. Never deleted: undo tombstones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.records import Correction
from lepton_desktop.core.validate import frame_number
from lepton_desktop.store._util import aware, aware_required
from lepton_desktop.store.annotators import annotator_row
from lepton_desktop.store.errors import RecordNotFoundError
from lepton_desktop.store.schema import ORIGINS, AnnotatorRow, CorrectionRow, TrackRow, utcnow

if TYPE_CHECKING:
    from lepton_desktop.store.database import Project


def _record(row: CorrectionRow, annotator: str) -> Correction:
    return Correction(
        id=row.id,
        video_id=row.video_id,
        track_id=row.track_id,
        start_frame=row.start_frame,
        end_frame=row.end_frame,
        label=row.label,
        annotator=annotator,
        origin=row.origin,
        created_at=aware_required(row.created_at),
        tombstoned_at=aware(row.tombstoned_at),
    )


class CorrectionRepository:
    """Corrections of one project; every call commits before it returns."""

    def __init__(self, project: Project) -> None:
        self._project = project

    def add(
        self,
        track_id: int,
        start_frame: int,
        end_frame: int,
        label: str,
        annotator: str,
        origin: str = "human",
    ) -> Correction:
        """Store a label for frames ``start_frame..end_frame`` (inclusive) of a track."""
        with self._project.session() as s:
            return _insert(s, track_id, start_frame, end_frame, label, annotator, origin)

    def add_many(self, items: Sequence[tuple[int, int, int, str, str]], origin: str = "human") -> list[Correction]:
        """Store several ``(track_id, start_frame, end_frame, label, annotator)`` labels in one transaction.

        All of them are stored, in the order given, or (on any error) none.
        """
        with self._project.session() as s:
            return [_insert(s, *item, origin) for item in items]

    def tombstone(self, correction_id: int) -> Correction:
        """Mark a correction undone (it stays in the history)."""
        return self._set_tombstone(correction_id, undo=True)

    def restore(self, correction_id: int) -> Correction:
        """Bring back a tombstoned correction (redo)."""
        return self._set_tombstone(correction_id, undo=False)

    def _set_tombstone(self, correction_id: int, *, undo: bool) -> Correction:
        with self._project.session() as s:
            row = s.get(CorrectionRow, correction_id)
            if row is None:
                raise RecordNotFoundError(f"The project has no correction with id {correction_id}.")
            row.tombstoned_at = utcnow() if undo else None
            s.flush()
            name = s.get(AnnotatorRow, row.annotator_id)
            return _record(row, name.name if name else "")

    def list(
        self, *, video_id: int | None = None, track_id: int | None = None, include_tombstoned: bool = False
    ) -> list[Correction]:
        """Corrections in the order they were made."""
        query = select(CorrectionRow, AnnotatorRow.name).join(
            AnnotatorRow, CorrectionRow.annotator_id == AnnotatorRow.id
        )
        if video_id is not None:
            query = query.where(CorrectionRow.video_id == video_id)
        if track_id is not None:
            query = query.where(CorrectionRow.track_id == track_id)
        if not include_tombstoned:
            query = query.where(CorrectionRow.tombstoned_at.is_(None))
        with self._project.session() as s:
            return [_record(row, name) for row, name in s.execute(query.order_by(CorrectionRow.id))]

    def counts_by_annotator(self) -> dict[str, int]:
        """How many live (not undone) corrections each annotator has made, by name."""
        query = (
            select(AnnotatorRow.name, func.count(CorrectionRow.id))
            .join(AnnotatorRow, CorrectionRow.annotator_id == AnnotatorRow.id)
            .where(CorrectionRow.tombstoned_at.is_(None))
            .group_by(AnnotatorRow.name)
        )
        with self._project.session() as s:
            return {name: int(n) for name, n in s.execute(query)}


def _insert(
    s: Session, track_id: int, start_frame: int, end_frame: int, label: str, annotator: str, origin: str
) -> Correction:
    if label not in EMOTIONS:
        raise ValueError(f"unknown label {label!r}; expected one of: {', '.join(EMOTIONS)}")
    if origin not in ORIGINS:
        raise ValueError(f"unknown origin {origin!r}; expected one of: {', '.join(ORIGINS)}")
    start_frame = frame_number(start_frame, "the first frame")
    end_frame = frame_number(end_frame, "the last frame")
    if not 0 <= start_frame <= end_frame:
        raise ValueError(f"invalid frame range {start_frame}..{end_frame}")
    track = s.get(TrackRow, track_id)
    if track is None:
        raise RecordNotFoundError(f"The project has no track with id {track_id}.")
    who = annotator_row(s, annotator)
    row = CorrectionRow(
        video_id=track.video_id,
        track_id=track_id,
        start_frame=start_frame,
        end_frame=end_frame,
        label=label,
        annotator_id=who.id,
        origin=origin,
    )
    s.add(row)
    s.flush()
    return _record(row, who.name)
