"""newest-first listing index: (started_at, id)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # With the id as tie-breaker in the index, a page of the newest conversations is an
    # index walk on both databases instead of a sort of every matching row.
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index("ix_conversations_started_at")
        batch.create_index("ix_conversations_started_at", ["started_at", "id"])


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index("ix_conversations_started_at")
        batch.create_index("ix_conversations_started_at", ["started_at"])
