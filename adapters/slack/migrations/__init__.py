"""Alembic revisions of the Slack adapter's tables (found through the adapter's spec)."""
