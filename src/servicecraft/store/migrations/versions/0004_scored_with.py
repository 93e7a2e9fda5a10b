"""what scored each conversation, so rows scored by an older engine or rubric are known

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for every existing row: they were scored before this was recorded, so
    # `servicecraft rescore` treats them as stale.
    op.add_column("conversations", sa.Column("scored_with", sa.String(length=200), nullable=True))


def downgrade() -> None:
    # A plain ALTER TABLE (SQLite 3.35+), not a batch copy of the table: with foreign keys
    # on, dropping the old copy would cascade and delete every stored conversation document.
    op.drop_column("conversations", "scored_with")
