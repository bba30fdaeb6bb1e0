"""Alembic revisions of the Teams adapter's tables (found through the adapter's spec)."""
