"""Alembic environment: runs on a connection handed in by storage.database.upgrade."""

from __future__ import annotations

from alembic import context

from storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `dialoogbot db upgrade`")
# The core's tables and those of every adapter whose revisions are in version_locations.
metadata = [Base.metadata, *context.config.attributes.get("metadata", ())]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    # storage.database records what ran, for `dialoogbot db upgrade` to report.
    on_version_apply=context.config.attributes.get("on_version_apply", ()),
)
with context.begin_transaction():
    context.run_migrations()
