"""caseless department keys, server-side web sessions, data version (users.disabled_at: 0009)

Revision ID: 0005
Revises: 0009
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0009"
branch_labels = None
depends_on = None


def _key(name: str) -> str:
    # Spelled out here rather than imported (store.schema.name_key): a migration stays as written.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def upgrade() -> None:
    with op.batch_alter_table("departments") as batch:
        batch.add_column(sa.Column("name_key", sa.String(length=400), nullable=True))
    connection = op.get_bind()
    departments = sa.table("departments", sa.column("id"), sa.column("name"), sa.column("name_key"))
    seen: set[str] = set()
    for did, name in connection.execute(sa.select(departments.c.id, departments.c.name)):
        key = _key(name)
        if key in seen:  # names that differ only in case, from before: keep both, distinct
            key = f"{key}#{did}"
        seen.add(key)
        connection.execute(departments.update().where(departments.c.id == did).values(name_key=key))
    with op.batch_alter_table("departments") as batch:
        batch.alter_column("name_key", existing_type=sa.String(length=400), nullable=False)
        batch.create_unique_constraint("uq_departments_name_key", ["name_key"])
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("web_sessions") as batch:
        batch.create_index("ix_web_sessions_user_id", ["user_id"])
    version = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(version, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("data_version")
    op.drop_table("web_sessions")
    with op.batch_alter_table("departments") as batch:
        batch.drop_constraint("uq_departments_name_key", type_="unique")
        batch.drop_column("name_key")
