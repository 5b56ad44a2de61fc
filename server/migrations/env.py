"""Alembic environment: runs on a connection handed in by ``server.migrate``."""

from __future__ import annotations

from alembic import context

from server.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
