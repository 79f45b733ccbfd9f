"""Facial actions (52 MediaPipe blendshape coefficients) with each prediction chunk.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("prediction_chunks") as batch:
        batch.add_column(sa.Column("actions", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("prediction_chunks") as batch:
        batch.drop_column("actions")
