"""surveys: one link per conversation, when it was mailed, the organisation's questions

Revision ID: 0008
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One survey per conversation: keep each conversation's answered link, else its newest.
    op.execute(
        """
        DELETE FROM survey_links WHERE id NOT IN (
            SELECT id FROM (
                SELECT id, ROW_NUMBER() OVER (
                    PARTITION BY conversation_id
                    ORDER BY CASE WHEN used_at IS NULL THEN 1 ELSE 0 END, created_at DESC, id DESC
                ) AS rank FROM survey_links
            ) ranked WHERE rank = 1
        )
        """
    )
    with op.batch_alter_table("survey_links") as batch:
        batch.add_column(sa.Column("sent_at", sa.DateTime(), nullable=True))
        batch.drop_index("ix_survey_links_conversation_id")
        batch.create_index("ix_survey_links_conversation_id", ["conversation_id"], unique=True)
    op.create_table(
        "survey_questions",
        sa.Column("key", sa.String(length=20), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("survey_questions")
    with op.batch_alter_table("survey_links") as batch:
        batch.drop_index("ix_survey_links_conversation_id")
        batch.create_index("ix_survey_links_conversation_id", ["conversation_id"], unique=False)
        batch.drop_column("sent_at")
