"""weekly aggregates, people's roles, survey comments, dashboard indexes

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Spelled out here rather than imported: a migration stays as it was written.
SKILLS: tuple[str, ...] = ("rapport", "empathy", "respect", "ownership", "honesty", "solution")
SKILLS += ("proactivity",)
SKILLS += ("clarity",)
COUNTS: tuple[str, ...] = (
    "conversations",
    "scored",
    "above",
    "one_touch",
    "chased",
    "chasers",
    "handoffs",
)
COUNTS += ("surveyed",)
SUMS = ("score_sum", "score_squares", "csat_sum")


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("role", sa.String(length=80), nullable=True))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("survey_comment", sa.Text(), nullable=True))
        batch.create_index("ix_conversations_person_score", ["person_id", "score"])
        batch.create_index("ix_conversations_person_started_at", ["person_id", "started_at"])
        batch.create_index("ix_conversations_score", ["score"])
    with op.batch_alter_table("hindrances") as batch:
        batch.create_index("ix_hindrances_department_key", ["department_id", "key"])
        batch.create_index("ix_hindrances_team_key", ["team_id", "key"])

    skill_columns = []
    for skill in SKILLS:
        skill_columns.append(sa.Column(f"{skill}_sum", sa.Float(), nullable=False))
        skill_columns.append(sa.Column(f"{skill}_n", sa.Integer(), nullable=False))
    op.create_table(
        "weekly_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), nullable=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id"), nullable=True),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
        *[sa.Column(name, sa.Float(), nullable=False) for name in SUMS],
        *skill_columns,
        *[sa.Column(f"bin{i}", sa.Integer(), nullable=False) for i in range(10)],
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("weekly_stats") as batch:
        batch.create_index("ix_weekly_stats_team_week", ["team_id", "week"])
        batch.create_index("ix_weekly_stats_department_week", ["department_id", "week"])
        batch.create_index("ix_weekly_stats_person_week", ["person_id", "week"])
        batch.create_index("ix_weekly_stats_week", ["week"])
    # A database that already holds conversations gets its aggregates filled by
    # store.database.upgrade right after the migrations (with the code of the day, which a
    # migration must not import).


def downgrade() -> None:
    op.drop_table("weekly_stats")
    with op.batch_alter_table("hindrances") as batch:
        batch.drop_index("ix_hindrances_team_key")
        batch.drop_index("ix_hindrances_department_key")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index("ix_conversations_score")
        batch.drop_index("ix_conversations_person_started_at")
        batch.drop_index("ix_conversations_person_score")
        batch.drop_column("survey_comment")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("role")
