"""Alembic environment: runs on the connection that store.database.upgrade hands it."""

from __future__ import annotations

from alembic import context

from servicecraft.store import Base  # every table, the review ones included

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through servicecraft.store.upgrade(engine)")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
