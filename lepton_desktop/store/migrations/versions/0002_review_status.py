"""Review status per person (track): not started, in progress, done.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_STATES = ("not_started", "in_progress", "done")


def upgrade() -> None:
    op.create_table(
        "review_status",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "track_id", sa.Integer(), sa.ForeignKey("tracks.id", ondelete="CASCADE"), nullable=False, unique=True
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("annotator_id", sa.Integer(), sa.ForeignKey("annotators.id", ondelete="SET NULL"), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"status IN {_STATES!r}", name="review_state"),
    )


def downgrade() -> None:
    op.drop_table("review_status")
