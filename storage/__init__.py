"""Persistence: SQLAlchemy 2 async engine, sessions and Alembic migrations."""

from storage.database import Database, upgrade

__all__ = ["Database", "upgrade"]
