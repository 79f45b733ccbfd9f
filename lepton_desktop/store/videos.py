"""Videos in a project: add (idempotent by content), relink, list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from sqlalchemy import select

from lepton_desktop.core.records import VideoInfo, VideoRecord
from lepton_desktop.store._util import aware_required
from lepton_desktop.store.errors import RecordNotFoundError
from lepton_desktop.store.schema import VideoRow

if TYPE_CHECKING:
    from lepton_desktop.store.database import Project

AddOutcome = Literal["added", "existing", "relinked"]


def _record(row: VideoRow) -> VideoRecord:
    info = VideoInfo(
        path=row.path,
        container=row.container,
        codec=row.codec,
        frames=row.frames,
        fps=row.fps,
        avg_fps=row.avg_fps,
        duration_s=row.duration_s,
        width=row.width,
        height=row.height,
        rotation=row.rotation,
        vfr=row.vfr,
        size_bytes=row.size_bytes,
        truncated=row.truncated,
        problem=row.problem,
    )
    return VideoRecord(
        id=row.id, path=row.path, fingerprint=row.fingerprint, info=info, added_at=aware_required(row.added_at)
    )


class VideoRepository:
    """Videos of one project."""

    def __init__(self, project: Project) -> None:
        self._project = project

    def add(self, info: VideoInfo, fingerprint: str) -> tuple[VideoRecord, AddOutcome]:
        """Add a video; the same content at a new path relinks the existing entry."""
        with self._project.session() as s:
            row = s.scalar(select(VideoRow).where(VideoRow.fingerprint == fingerprint))
            if row is not None:
                if row.path == info.path:
                    return _record(row), "existing"
                row.path = info.path
                s.flush()
                return _record(row), "relinked"
            row = VideoRow(
                path=info.path,
                fingerprint=fingerprint,
                size_bytes=info.size_bytes,
                container=info.container,
                codec=info.codec,
                frames=info.frames,
                fps=info.fps,
                avg_fps=info.avg_fps,
                duration_s=info.duration_s,
                width=info.width,
                height=info.height,
                rotation=info.rotation,
                vfr=info.vfr,
                truncated=info.truncated,
                problem=info.problem,
            )
            s.add(row)
            s.flush()
            return _record(row), "added"

    def get(self, video_id: int) -> VideoRecord:
        """The video with this id."""
        with self._project.session() as s:
            row = s.get(VideoRow, video_id)
            if row is None:
                raise RecordNotFoundError(f"The project has no video with id {video_id}.")
            return _record(row)

    def by_fingerprint(self, fingerprint: str) -> VideoRecord | None:
        """The video with this content, if the project has it."""
        with self._project.session() as s:
            row = s.scalar(select(VideoRow).where(VideoRow.fingerprint == fingerprint))
            return None if row is None else _record(row)

    def relink(self, video_id: int, path: str) -> VideoRecord:
        """Point a video entry at its file's new location."""
        with self._project.session() as s:
            row = s.get(VideoRow, video_id)
            if row is None:
                raise RecordNotFoundError(f"The project has no video with id {video_id}.")
            row.path = path
            s.flush()
            return _record(row)

    def list(self) -> list[VideoRecord]:
        """All videos, oldest first."""
        with self._project.session() as s:
            return [_record(r) for r in s.scalars(select(VideoRow).order_by(VideoRow.id))]
