"""practice sessions, coaching plans, candidate links, quiz results, readiness answers

Revision ID: 0007
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SKILLS = (
    "rapport",
    "empathy",
    "respect",
    "ownership",
    "honesty",
    "solution",
    "proactivity",
    "clarity",
)


def upgrade() -> None:
    op.create_table(
        "coaching_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("focus_skills", sa.String(200), nullable=False),
        sa.Column("scenarios", sa.String(1000), nullable=False),
        sa.Column("pass_mark", sa.Float(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_coaching_plans_person_id", "coaching_plans", ["person_id"])
    op.create_index("ix_coaching_plans_team_id", "coaching_plans", ["team_id"])
    op.create_table(
        "candidate_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("candidate", sa.String(150), nullable=False),
        sa.Column("scenario_id", sa.String(64), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id"), nullable=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "link_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_link_attempts_ip", "link_attempts", ["ip"])
    op.create_table(
        "practice_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id"), nullable=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey("coaching_plans.id"), nullable=True),
        sa.Column(
            "candidate_link_id",
            sa.Integer(),
            sa.ForeignKey("candidate_links.id"),
            nullable=True,
            unique=True,
        ),
        sa.Column("scenario_id", sa.String(64), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("replies", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        *[sa.Column(skill, sa.Float(), nullable=True) for skill in SKILLS],
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
    )
    op.create_index("ix_practice_sessions_plan_id", "practice_sessions", ["plan_id"])
    op.create_index(
        "ix_practice_sessions_user_started", "practice_sessions", ["user_id", "started_at"]
    )
    op.create_index(
        "ix_practice_sessions_team_started", "practice_sessions", ["team_id", "started_at"]
    )
    op.create_index(
        "ix_practice_sessions_person_started", "practice_sessions", ["person_id", "started_at"]
    )
    op.create_table(
        "quiz_results",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id"), nullable=True),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_quiz_results_user_id", "quiz_results", ["user_id"])
    op.create_index("ix_quiz_results_department_id", "quiz_results", ["department_id"])
    op.create_table(
        "readiness_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id"), nullable=False),
        sa.Column("question", sa.String(40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "question", name="uq_readiness_user_question"),
    )
    op.create_index("ix_readiness_answers_department_id", "readiness_answers", ["department_id"])


def downgrade() -> None:
    op.drop_table("readiness_answers")
    op.drop_table("quiz_results")
    op.drop_table("practice_sessions")
    op.drop_table("link_attempts")
    op.drop_table("candidate_links")
    op.drop_table("coaching_plans")
