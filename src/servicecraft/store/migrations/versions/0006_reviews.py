"""human review: reviews, assignments, disputes, audit trail, calibration sessions,
rubric versions, rescoring runs

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _user(name: str, nullable: bool = True) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("users.id"), nullable=nullable)


def _conversation() -> sa.Column[str]:
    return sa.Column(
        "conversation_id",
        sa.String(200),
        sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    )


def _session_key() -> sa.Column[int]:
    return sa.Column(
        "session_id",
        sa.Integer(),
        sa.ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    op.create_table(
        "calibration_sessions",
        _id(),
        sa.Column("title", sa.String(200), nullable=False),
        _user("created_by"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "calibration_conversations",
        _session_key(),
        sa.Column(
            "conversation_id",
            sa.String(200),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_table(
        "calibration_reviewers",
        _session_key(),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
    )
    op.create_table(
        "reviews",
        _id(),
        _conversation(),
        _user("reviewer_id"),
        sa.Column("reviewer", sa.String(150), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column(
            "session_id",
            sa.Integer(),
            sa.ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
    )
    with op.batch_alter_table("reviews") as batch:
        batch.create_index(
            "ix_reviews_conversation_reviewer", ["conversation_id", "reviewer", "source"]
        )
        batch.create_index("ix_reviews_reviewer_id", ["reviewer_id"])
        batch.create_index("ix_reviews_session_id", ["session_id"])
    op.create_table(
        "review_assignments",
        _id(),
        _conversation(),
        _user("reviewer_id", nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        _user("created_by"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column(
            "review_id",
            sa.Integer(),
            sa.ForeignKey("reviews.id", ondelete="SET NULL"),
            nullable=True,
        ),
    )
    with op.batch_alter_table("review_assignments") as batch:
        batch.create_index("ix_review_assignments_conversation_id", ["conversation_id"])
        batch.create_index("ix_review_assignments_reviewer_done", ["reviewer_id", "review_id"])
    op.create_table(
        "disputes",
        _id(),
        sa.Column(
            "review_id",
            sa.Integer(),
            sa.ForeignKey("reviews.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _user("raised_by", nullable=False),
        sa.Column("proposed", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        _user("resolved_by"),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
    )
    with op.batch_alter_table("disputes") as batch:
        batch.create_index("ix_disputes_review_id", ["review_id"])
    op.create_table(
        "review_events",
        _id(),
        sa.Column(
            "review_id",
            sa.Integer(),
            sa.ForeignKey("reviews.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "dispute_id",
            sa.Integer(),
            sa.ForeignKey("disputes.id", ondelete="CASCADE"),
            nullable=True,
        ),
        _user("actor_id"),
        sa.Column("actor", sa.String(150), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("field", sa.String(40), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    with op.batch_alter_table("review_events") as batch:
        batch.create_index("ix_review_events_review_id", ["review_id"])
    op.create_table(
        "rubric_versions",
        _id(),
        sa.Column("version", sa.Integer(), nullable=False, unique=True),
        sa.Column("yaml", sa.Text(), nullable=False),
        _user("author_id"),
        sa.Column("author", sa.String(150), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviews_used", sa.Integer(), nullable=True),
        sa.Column("agreement_before", sa.JSON(), nullable=True),
        sa.Column("agreement_after", sa.JSON(), nullable=True),
    )
    op.create_table(
        "rescores",
        _id(),
        sa.Column("rubric_version", sa.Integer(), nullable=True),
        _user("actor_id"),
        sa.Column("actor", sa.String(150), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "rescores",
        "rubric_versions",
        "review_events",
        "disputes",
        "review_assignments",
        "reviews",
        "calibration_reviewers",
        "calibration_conversations",
        "calibration_sessions",
    ):
        op.drop_table(table)
