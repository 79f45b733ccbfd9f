"""The first schema: videos, model versions, analysis runs, tracks, predictions, annotators, corrections.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
_ORIGINS = ("human", "accepted", "import")
_STATUSES = ("running", "done", "failed", "cancelled")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "annotators",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("weights_sha256", sa.String(64), nullable=False, index=True),
        sa.Column("weights_path", sa.String(4096), nullable=True),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("model_versions.id", ondelete="SET NULL"), nullable=True),
        sa.Column("dataset_fingerprint", sa.String(64), nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "videos",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("path", sa.String(4096), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("container", sa.String(64), nullable=False),
        sa.Column("codec", sa.String(64), nullable=False),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("fps", sa.Float(), nullable=False),
        sa.Column("avg_fps", sa.Float(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("rotation", sa.Integer(), nullable=False),
        sa.Column("vfr", sa.Boolean(), nullable=False),
        sa.Column("truncated", sa.Boolean(), nullable=False),
        sa.Column("problem", sa.String(2000), nullable=True),
        sa.Column("added_at", _TS, nullable=False),
    )
    op.create_table(
        "analysis_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("video_id", sa.Integer(), sa.ForeignKey("videos.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "model_version_id", sa.Integer(), sa.ForeignKey("model_versions.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("params_key", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.Column("frames_done", sa.Integer(), nullable=False),
        sa.Column("timings", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(4000), nullable=True),
        sa.CheckConstraint(f"status IN {_STATUSES!r}", name="run_status"),
    )
    op.create_index("ix_runs_video_params", "analysis_runs", ["video_id", "params_key"])
    op.create_table(
        "tracks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("analysis_runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("video_id", sa.Integer(), sa.ForeignKey("videos.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("first_frame", sa.Integer(), nullable=False),
        sa.Column("last_frame", sa.Integer(), nullable=False),
        sa.UniqueConstraint("run_id", "number", name="uq_track_run_number"),
    )
    op.create_index("ix_tracks_run_id", "tracks", ["run_id"])
    op.create_index("ix_tracks_video_id", "tracks", ["video_id"])
    op.create_table(
        "prediction_chunks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("track_id", sa.Integer(), sa.ForeignKey("tracks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("start_frame", sa.Integer(), nullable=False),
        sa.Column("end_frame", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("frames", sa.LargeBinary(), nullable=False),
        sa.Column("boxes", sa.LargeBinary(), nullable=False),
        sa.Column("probs", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_chunks_track_start", "prediction_chunks", ["track_id", "start_frame"])
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("video_id", sa.Integer(), sa.ForeignKey("videos.id", ondelete="CASCADE"), nullable=False),
        sa.Column("track_id", sa.Integer(), sa.ForeignKey("tracks.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("start_frame", sa.Integer(), nullable=False),
        sa.Column("end_frame", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("annotator_id", sa.Integer(), sa.ForeignKey("annotators.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("tombstoned_at", _TS, nullable=True),
        sa.CheckConstraint("start_frame >= 0 AND end_frame >= start_frame", name="correction_range"),
        sa.CheckConstraint(f"label IN {_EMOTIONS!r}", name="correction_label"),
        sa.CheckConstraint(f"origin IN {_ORIGINS!r}", name="correction_origin"),
    )
    op.create_index("ix_corrections_video_track", "corrections", ["video_id", "track_id"])


def downgrade() -> None:
    for table in (
        "corrections",
        "prediction_chunks",
        "tracks",
        "analysis_runs",
        "videos",
        "model_versions",
        "annotators",
    ):
        op.drop_table(table)
