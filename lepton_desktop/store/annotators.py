"""Annotators: the people who make corrections."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from lepton_desktop.core.records import Annotator
from lepton_desktop.store.schema import AnnotatorRow

if TYPE_CHECKING:
    from lepton_desktop.store.database import Project


def annotator_row(session: Session, name: str) -> AnnotatorRow:
    """The row for ``name`` inside an open session, created if new."""
    clean = name.strip()
    if not clean:
        raise ValueError("an annotator needs a name")
    row = session.scalar(select(AnnotatorRow).where(AnnotatorRow.name == clean))
    if row is None:
        row = AnnotatorRow(name=clean)
        session.add(row)
        session.flush()
    return row


class AnnotatorRepository:
    """Annotators of one project."""

    def __init__(self, project: Project) -> None:
        self._project = project

    def get_or_create(self, name: str) -> Annotator:
        """The annotator called ``name``, created on first use."""
        with self._project.session() as s:
            row = annotator_row(s, name)
            return Annotator(row.id, row.name)

    def list(self) -> list[Annotator]:
        """All annotators by name."""
        with self._project.session() as s:
            return [Annotator(r.id, r.name) for r in s.scalars(select(AnnotatorRow).order_by(AnnotatorRow.name))]
