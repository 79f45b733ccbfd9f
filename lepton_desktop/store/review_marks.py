"""Review marks: "a human looked at this stretch for this reason" (the review queue drops it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from lepton_desktop.core.review import REASONS
from lepton_desktop.core.validate import frame_number
from lepton_desktop.store.annotators import annotator_row
from lepton_desktop.store.errors import RecordNotFoundError
from lepton_desktop.store.schema import AnnotatorRow, ReviewMarkRow, TrackRow

if TYPE_CHECKING:
    from lepton_desktop.store.database import Project


@dataclass(frozen=True)
class ReviewMark:
    """A stored mark: who looked at which frames of a person, for which reason."""

    id: int
    track_id: int
    start_frame: int
    end_frame: int
    reason: str
    annotator: str | None
    created_at: datetime


class ReviewMarkRepository:
    """Review marks of one project."""

    def __init__(self, project: Project) -> None:
        self._project = project

    def add(self, track_id: int, start_frame: int, end_frame: int, reason: str, annotator: str | None) -> ReviewMark:
        """Store a mark at once."""
        first = frame_number(start_frame, "the first frame")
        last = frame_number(end_frame, "the last frame")
        if last < first:
            raise ValueError(f"the last frame ({last}) is before the first ({first})")
        if reason not in REASONS:
            raise ValueError(f"unknown review reason {reason!r}; expected one of: {', '.join(REASONS)}")
        with self._project.session() as s:
            if s.get(TrackRow, track_id) is None:
                raise RecordNotFoundError(f"The project has no track with id {track_id}.")
            who = annotator_row(s, annotator) if annotator else None
            row = ReviewMarkRow(
                track_id=track_id, start_frame=first, end_frame=last, reason=reason,
                annotator_id=None if who is None else who.id,
            )  # fmt: skip
            s.add(row)
            s.flush()
            return ReviewMark(row.id, track_id, first, last, reason, annotator, row.created_at)

    def list(self, track_ids: Iterable[int]) -> list[ReviewMark]:
        """The marks of these tracks, oldest first."""
        ids = list(track_ids)
        if not ids:
            return []
        with self._project.session() as s:
            rows = s.execute(
                select(ReviewMarkRow, AnnotatorRow.name)
                .outerjoin(AnnotatorRow, AnnotatorRow.id == ReviewMarkRow.annotator_id)
                .where(ReviewMarkRow.track_id.in_(ids))
                .order_by(ReviewMarkRow.id)
            ).all()
            return [
                ReviewMark(r.id, r.track_id, r.start_frame, r.end_frame, r.reason, name, r.created_at)
                for r, name in rows
            ]
