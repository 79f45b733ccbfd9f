"""Face landmarks with each prediction chunk, so exported crops are aligned exactly as at inference.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("prediction_chunks") as batch:
        batch.add_column(sa.Column("landmarks", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("prediction_chunks") as batch:
        batch.drop_column("landmarks")
