"""Analysis runs, their tracks, and the per-frame predictions stored as compact chunks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, insert, select

from lepton_desktop.core.actions import ACTION_NAMES
from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.predictions import TrackPredictions
from lepton_desktop.core.records import AnalysisRun, Track
from lepton_desktop.core.validate import clean_name
from lepton_desktop.store._util import aware, aware_required, canonical_key
from lepton_desktop.store.annotators import annotator_row
from lepton_desktop.store.errors import RecordNotFoundError
from lepton_desktop.store.schema import (
    REVIEW_STATES,
    RUN_STATUSES,
    AnalysisRunRow,
    PredictionChunkRow,
    ReviewStatusRow,
    TrackRow,
    utcnow,
)

if TYPE_CHECKING:
    from lepton_desktop.store.database import Project

CHUNK_FRAMES = 8192
"""Predictions per stored chunk: ~27 rows for a 1-hour 30 fps track."""


def _run(row: AnalysisRunRow) -> AnalysisRun:
    return AnalysisRun(
        id=row.id,
        video_id=row.video_id,
        model_version_id=row.model_version_id,
        status=row.status,
        params=dict(row.params or {}),
        started_at=aware_required(row.started_at),
        finished_at=aware(row.finished_at),
        frames_done=row.frames_done,
        timings=dict(row.timings or {}),
        error=row.error,
    )


def _track(row: TrackRow) -> Track:
    return Track(
        id=row.id,
        run_id=row.run_id,
        video_id=row.video_id,
        number=row.number,
        display_name=row.display_name,
        first_frame=row.first_frame,
        last_frame=row.last_frame,
    )


def params_key(params: dict[str, Any], model_version_id: int | None) -> str:
    """What makes two runs interchangeable: the same parameters and model version."""
    return canonical_key({"params": params, "model": model_version_id})


class RunRepository:
    """Analysis runs of one project."""

    def __init__(self, project: Project) -> None:
        self._project = project

    # -- runs -------------------------------------------------------------------

    def start(
        self,
        video_id: int,
        params: dict[str, Any],
        model_version_id: int | None = None,
        owner: dict[str, Any] | None = None,
    ) -> AnalysisRun:
        """Record a new run in state ``running``; ``owner`` (host, pid) says which process runs it."""
        with self._project.session() as s:
            row = AnalysisRunRow(
                video_id=video_id,
                model_version_id=model_version_id,
                params=params,
                params_key=params_key(params, model_version_id),
                status="running",
                timings={"owner": owner} if owner else {},
            )
            s.add(row)
            s.flush()
            return _run(row)

    def find_reusable(self, video_id: int, params: dict[str, Any], model_version_id: int | None) -> AnalysisRun | None:
        """The newest finished run of this video with the same parameters and model."""
        key = params_key(params, model_version_id)
        with self._project.session() as s:
            row = s.scalar(
                select(AnalysisRunRow)
                .where(
                    AnalysisRunRow.video_id == video_id,
                    AnalysisRunRow.params_key == key,
                    AnalysisRunRow.status == "done",
                )
                .order_by(AnalysisRunRow.id.desc())
            )
            return None if row is None else _run(row)

    def running(self) -> list[AnalysisRun]:
        """Runs still marked ``running`` (in progress somewhere, or left by a process that died)."""
        with self._project.session() as s:
            rows = s.scalars(select(AnalysisRunRow).where(AnalysisRunRow.status == "running"))
            return [_run(r) for r in rows]

    def progress(self, run_id: int, frames_done: int) -> None:
        """Record how far a running analysis got."""
        with self._project.session() as s:
            self._row(s, run_id).frames_done = frames_done

    def finish(
        self,
        run_id: int,
        status: str,
        *,
        frames_done: int | None = None,
        timings: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> AnalysisRun:
        """Close a run as ``done``, ``failed`` or ``cancelled``."""
        if status not in RUN_STATUSES or status == "running":
            raise ValueError(f"cannot finish a run as {status!r}")
        with self._project.session() as s:
            row = self._row(s, run_id)
            row.status = status
            row.finished_at = utcnow()
            if frames_done is not None:
                row.frames_done = frames_done
            if timings is not None:
                row.timings = timings
            row.error = error
            s.flush()
            return _run(row)

    def get(self, run_id: int) -> AnalysisRun:
        """The run with this id."""
        with self._project.session() as s:
            return _run(self._row(s, run_id))

    def list_runs(self, video_id: int | None = None) -> list[AnalysisRun]:
        """Runs (of one video, or all), oldest first."""
        query = select(AnalysisRunRow).order_by(AnalysisRunRow.id)
        if video_id is not None:
            query = query.where(AnalysisRunRow.video_id == video_id)
        with self._project.session() as s:
            return [_run(r) for r in s.scalars(query)]

    @staticmethod
    def _row(session: Any, run_id: int) -> AnalysisRunRow:
        row = session.get(AnalysisRunRow, run_id)
        if row is None:
            raise RecordNotFoundError(f"The project has no analysis run with id {run_id}.")
        return row  # type: ignore[no-any-return]

    # -- tracks -----------------------------------------------------------------

    def add_track(
        self, run_id: int, number: int, first_frame: int, last_frame: int, display_name: str | None = None
    ) -> Track:
        """A person in a run; named ``Person <number>`` until someone renames it."""
        with self._project.session() as s:
            run = self._row(s, run_id)
            row = TrackRow(
                run_id=run_id,
                video_id=run.video_id,
                number=number,
                display_name=display_name or f"Person {number}",
                first_frame=first_frame,
                last_frame=last_frame,
            )
            s.add(row)
            s.flush()
            return _track(row)

    def rename_track(self, track_id: int, display_name: str) -> Track:
        """Give a person a readable name."""
        name = clean_name(display_name, "a person's name")
        with self._project.session() as s:
            row = s.get(TrackRow, track_id)
            if row is None:
                raise RecordNotFoundError(f"The project has no track with id {track_id}.")
            row.display_name = name
            s.flush()
            return _track(row)

    def tracks(self, run_id: int) -> list[Track]:
        """People in a run, by number."""
        with self._project.session() as s:
            return [
                _track(r)
                for r in s.scalars(select(TrackRow).where(TrackRow.run_id == run_id).order_by(TrackRow.number))
            ]

    def track(self, track_id: int) -> Track:
        """The track with this id."""
        with self._project.session() as s:
            row = s.get(TrackRow, track_id)
            if row is None:
                raise RecordNotFoundError(f"The project has no track with id {track_id}.")
            return _track(row)

    def set_review(self, track_id: int, status: str, annotator: str | None = None) -> None:
        """Record how far the review of a person has got."""
        if status not in REVIEW_STATES:
            raise ValueError(f"unknown review status {status!r}; expected one of: {', '.join(REVIEW_STATES)}")
        with self._project.session() as s:
            if s.get(TrackRow, track_id) is None:
                raise RecordNotFoundError(f"The project has no track with id {track_id}.")
            row = s.scalar(select(ReviewStatusRow).where(ReviewStatusRow.track_id == track_id))
            who = annotator_row(s, annotator).id if annotator else None
            if row is None:
                s.add(ReviewStatusRow(track_id=track_id, status=status, annotator_id=who))
            else:
                row.status, row.annotator_id, row.updated_at = status, who, utcnow()

    def review(self, track_id: int) -> str:
        """``not_started`` unless someone set it."""
        with self._project.session() as s:
            status = s.scalar(select(ReviewStatusRow.status).where(ReviewStatusRow.track_id == track_id))
            return status or "not_started"

    # -- predictions ------------------------------------------------------------

    def append_predictions(self, track_id: int, block: TrackPredictions) -> None:
        """Store rows for a track (frames ascending, after any stored ones); widens its span."""
        if len(block) == 0:
            return
        frames = np.ascontiguousarray(block.frames, dtype="<i4")
        boxes = np.ascontiguousarray(block.boxes, dtype="<f4")
        probs = np.ascontiguousarray(block.probs, dtype="<f4")
        marks = None if block.landmarks is None else np.ascontiguousarray(block.landmarks, dtype="<f4")
        actions = None if block.actions is None else np.ascontiguousarray(block.actions, dtype="<f2")
        rows = []
        for lo in range(0, len(frames), CHUNK_FRAMES):
            hi = min(lo + CHUNK_FRAMES, len(frames))
            rows.append(
                {
                    "track_id": track_id,
                    "start_frame": int(frames[lo]),
                    "end_frame": int(frames[hi - 1]),
                    "count": hi - lo,
                    "frames": frames[lo:hi].tobytes(),
                    "boxes": boxes[lo:hi].tobytes(),
                    "probs": probs[lo:hi].tobytes(),
                    "landmarks": None if marks is None else marks[lo:hi].tobytes(),
                    "actions": None if actions is None else actions[lo:hi].tobytes(),
                }
            )
        with self._project.session() as s:
            track = s.get(TrackRow, track_id)
            if track is None:
                raise RecordNotFoundError(f"The project has no track with id {track_id}.")
            s.execute(insert(PredictionChunkRow), rows)
            track.first_frame = min(track.first_frame, int(frames[0]))
            track.last_frame = max(track.last_frame, int(frames[-1]))

    def predictions(self, track_id: int) -> TrackPredictions:
        """All stored rows of a track, in frame order."""
        query = (
            select(
                PredictionChunkRow.count,
                PredictionChunkRow.frames,
                PredictionChunkRow.boxes,
                PredictionChunkRow.probs,
                PredictionChunkRow.landmarks,
                PredictionChunkRow.actions,
            )
            .where(PredictionChunkRow.track_id == track_id)
            .order_by(PredictionChunkRow.start_frame, PredictionChunkRow.id)
        )
        with self._project.session() as s:
            chunks = s.execute(query).all()
        if not chunks:
            return TrackPredictions.empty()
        n_classes = len(EMOTIONS)
        marks = None
        if all(c.landmarks is not None for c in chunks):
            marks = np.frombuffer(b"".join(c.landmarks for c in chunks), dtype="<f4").reshape(-1, 5, 2)
        actions = None
        if all(c.actions is not None for c in chunks):
            raw = b"".join(c.actions for c in chunks)
            actions = np.frombuffer(raw, dtype="<f2").reshape(-1, len(ACTION_NAMES)).astype(np.float32)
        return TrackPredictions(
            *_frames_and_boxes(chunks),
            np.frombuffer(b"".join(c.probs for c in chunks), dtype="<f4").reshape(-1, n_classes).astype(np.float32),
            None if marks is None else marks.astype(np.float32),
            actions,
        )

    def boxes(self, track_id: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        """A track's frames and face boxes (x, y, w, h) alone, in frame order: where the person was."""
        query = (
            select(PredictionChunkRow.frames, PredictionChunkRow.boxes)
            .where(PredictionChunkRow.track_id == track_id)
            .order_by(PredictionChunkRow.start_frame, PredictionChunkRow.id)
        )
        with self._project.session() as s:
            return _frames_and_boxes(s.execute(query).all())

    def prediction_count(self) -> int:
        """Stored per-frame predictions in the whole project."""
        with self._project.session() as s:
            return int(s.scalar(select(func.coalesce(func.sum(PredictionChunkRow.count), 0))) or 0)


def _frames_and_boxes(chunks: Any) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    """The frame numbers and x, y, w, h boxes of stored chunks, joined in their order."""
    frames = np.frombuffer(b"".join(c.frames for c in chunks), dtype="<i4").astype(np.int32)
    boxes = np.frombuffer(b"".join(c.boxes for c in chunks), dtype="<f4").reshape(-1, 4).astype(np.float32)
    return frames, boxes
