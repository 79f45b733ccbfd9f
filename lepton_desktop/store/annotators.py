"""Annotators: the people who make corrections."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lepton_desktop.core.records import Annotator
from lepton_desktop.core.validate import clean_name
from lepton_desktop.store.schema import AnnotatorRow, utcnow

if TYPE_CHECKING:
    from lepton_desktop.store.database import Project


def annotator_row(session: Session, name: str) -> AnnotatorRow:
    """The row for ``name`` inside an open session, created if new."""
    clean = clean_name(name, "an annotator's name")
    found = select(AnnotatorRow).where(AnnotatorRow.name == clean)
    row = session.scalar(found)
    if row is not None:
        return row
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        # Insert-or-get in one statement: two writers naming the same new annotator at the same
        # moment both end up with the one row (a plain insert would fail the unique name for one).
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        session.execute(insert(AnnotatorRow).values(name=clean, created_at=utcnow()).on_conflict_do_nothing())
        row = session.scalar(found)
        if row is not None:
            return row
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
