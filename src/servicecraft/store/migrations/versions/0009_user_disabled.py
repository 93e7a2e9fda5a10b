"""users.disabled_at: a login can be disabled without deleting it

Revision ID: 0009
Revises: 0003

Another revision may add the same column first (the hardening migration does); then
this one has nothing to do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0003"
branch_labels = None
depends_on = None


def _has_column() -> bool:
    columns = sa.inspect(op.get_bind()).get_columns("users")
    return any(c["name"] == "disabled_at" for c in columns)


def upgrade() -> None:
    if _has_column():
        return
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    if _has_column():
        with op.batch_alter_table("users") as batch:
            batch.drop_column("disabled_at")
