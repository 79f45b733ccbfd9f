"""Review marks: a stretch of a person that a human looked at for one reason of the review queue.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_marks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("track_id", sa.Integer(), sa.ForeignKey("tracks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("start_frame", sa.Integer(), nullable=False),
        sa.Column("end_frame", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(24), nullable=False),
        sa.Column("annotator_id", sa.Integer(), sa.ForeignKey("annotators.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("start_frame >= 0 AND end_frame >= start_frame", name="review_mark_range"),
    )
    op.create_index("ix_review_marks_track", "review_marks", ["track_id"])


def downgrade() -> None:
    op.drop_index("ix_review_marks_track", table_name="review_marks")
    op.drop_table("review_marks")
