"""Typed ORM models. Change them only together with a new Alembic migration."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from lepton_desktop.core.emotions import EMOTIONS

ORIGINS = ("human", "accepted", "import")
REVIEW_STATES = ("not_started", "in_progress", "done")
RUN_STATUSES = ("running", "done", "failed", "cancelled")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base with JSON for dict columns."""

    type_annotation_map = {dict[str, Any]: JSON, datetime: DateTime(timezone=True), float: Float()}


class AnnotatorRow(Base):
    __tablename__ = "annotators"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelVersionRow(Base):
    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    weights_sha256: Mapped[str] = mapped_column(String(64), index=True)
    weights_path: Mapped[str | None] = mapped_column(String(4096))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id", ondelete="SET NULL"))
    dataset_fingerprint: Mapped[str | None] = mapped_column(String(64))
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VideoRow(Base):
    __tablename__ = "videos"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(4096))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int]
    container: Mapped[str] = mapped_column(String(64))
    codec: Mapped[str] = mapped_column(String(64))
    frames: Mapped[int]
    fps: Mapped[float]
    avg_fps: Mapped[float]
    duration_s: Mapped[float]
    width: Mapped[int]
    height: Mapped[int]
    rotation: Mapped[int]
    vfr: Mapped[bool]
    truncated: Mapped[bool] = mapped_column(default=False)
    problem: Mapped[str | None] = mapped_column(String(2000))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnalysisRunRow(Base):
    __tablename__ = "analysis_runs"
    __table_args__ = (
        CheckConstraint(f"status IN {RUN_STATUSES!r}", name="run_status"),
        Index("ix_runs_video_params", "video_id", "params_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    model_version_id: Mapped[int | None] = mapped_column(ForeignKey("model_versions.id", ondelete="SET NULL"))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    params_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    frames_done: Mapped[int] = mapped_column(default=0)
    timings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(String(4000))


class TrackRow(Base):
    __tablename__ = "tracks"
    __table_args__ = (UniqueConstraint("run_id", "number", name="uq_track_run_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_runs.id", ondelete="CASCADE"), index=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    display_name: Mapped[str] = mapped_column(String(200))
    first_frame: Mapped[int]
    last_frame: Mapped[int]


class PredictionChunkRow(Base):
    """Consecutive predictions of one track, as little-endian column arrays."""

    __tablename__ = "prediction_chunks"
    __table_args__ = (Index("ix_chunks_track_start", "track_id", "start_frame"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    start_frame: Mapped[int]
    end_frame: Mapped[int]
    count: Mapped[int]
    frames: Mapped[bytes] = mapped_column(LargeBinary)
    """int32 frame indexes."""
    boxes: Mapped[bytes] = mapped_column(LargeBinary)
    """float32 (count, 4): x, y, w, h."""
    probs: Mapped[bytes] = mapped_column(LargeBinary)
    """float32 (count, 7) in EMOTIONS order."""
    landmarks: Mapped[bytes | None] = mapped_column(LargeBinary)
    """float32 (count, 5, 2) face landmarks; NULL in chunks written before migration 0003."""
    actions: Mapped[bytes | None] = mapped_column(LargeBinary)
    """float16 (count, 52) facial action coefficients (NaN: no face in the crop); NULL when not read."""


class CorrectionRow(Base):
    __tablename__ = "corrections"
    __table_args__ = (
        CheckConstraint("start_frame >= 0 AND end_frame >= start_frame", name="correction_range"),
        CheckConstraint(f"label IN {EMOTIONS!r}", name="correction_label"),
        CheckConstraint(f"origin IN {ORIGINS!r}", name="correction_origin"),
        Index("ix_corrections_video_track", "video_id", "track_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="RESTRICT"))
    start_frame: Mapped[int]
    end_frame: Mapped[int]
    label: Mapped[str] = mapped_column(String(16))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotators.id", ondelete="RESTRICT"))
    origin: Mapped[str] = mapped_column(String(16), default="human")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    tombstoned_at: Mapped[datetime | None]


class ReviewStatusRow(Base):
    """How far the review of one person (track) has got."""

    __tablename__ = "review_status"
    __table_args__ = (CheckConstraint(f"status IN {REVIEW_STATES!r}", name="review_state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    annotator_id: Mapped[int | None] = mapped_column(ForeignKey("annotators.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReviewMarkRow(Base):
    """A stretch of one person that a human looked at for one reason of the review queue."""

    __tablename__ = "review_marks"
    __table_args__ = (
        CheckConstraint("start_frame >= 0 AND end_frame >= start_frame", name="review_mark_range"),
        Index("ix_review_marks_track", "track_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    start_frame: Mapped[int]
    end_frame: Mapped[int]
    reason: Mapped[str] = mapped_column(String(24))
    annotator_id: Mapped[int | None] = mapped_column(ForeignKey("annotators.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelWeightsRow(Base):
    """The bytes of a model version's weights, keyed by their SHA-256 (fine-tuned versions only)."""

    __tablename__ = "model_weights"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
