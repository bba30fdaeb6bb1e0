"""Where Slack installations live: dialoogbot's own database, through SQLAlchemy.

slack_sdk's async SQLAlchemy stores do the work (bolt knows how to use them); the tables they
expect are created by our Alembic migration ``storage/migrations/versions/slack_0001_*``, not by
``create_tables()``, so one ``dialoogbot db upgrade`` prepares everything. The stores write
through :meth:`storage.database.Database.writing`, like every writer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.slack.platform import TokenSource
from storage.database import Database

STATE_SECONDS = 600  # an "Add to Slack" click must come back within ten minutes


class _WritingEngine:
    """The engine slack_sdk's stores see: they read through ``connect()`` as usual, and write
    through ``begin()``, which here is :meth:`storage.database.Database.writing`, so the
    stores take their turn at writing like every other writer.

    Nothing else of the engine is offered: a slack_sdk upgrade that used more of it fails
    loudly here instead of writing past the database's write API.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def connect(self) -> AsyncConnection:
        return self.db.engine.connect()

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        async with self.db.writing() as session:
            yield await session.connection()


class _InstallationStore(AsyncSQLAlchemyInstallationStore):
    def __init__(self, client_id: str, db: Database) -> None:
        super().__init__(client_id=client_id, engine=db.engine)
        self.engine = _WritingEngine(db)  # type: ignore[assignment]


class _StateStore(AsyncSQLAlchemyOAuthStateStore):
    def __init__(self, db: Database) -> None:
        super().__init__(expiration_seconds=STATE_SECONDS, engine=db.engine)
        self.engine = _WritingEngine(db)  # type: ignore[assignment]


def installation_store(client_id: str, db: Database) -> AsyncSQLAlchemyInstallationStore:
    return _InstallationStore(client_id, db)


def state_store(db: Database) -> AsyncSQLAlchemyOAuthStateStore:
    """One-time OAuth ``state`` values in the database: a replayed callback is refused."""
    return _StateStore(db)


def installed_tokens(store: AsyncSQLAlchemyInstallationStore) -> TokenSource:
    """The bot token of the workspace's latest installation."""

    async def token(workspace: str) -> str | None:
        bot = await store.async_find_bot(enterprise_id=None, team_id=workspace)
        return bot.bot_token if bot is not None else None

    return token


def fixed_token(bot_token: str) -> TokenSource:
    """Single-workspace mode: one bot token for everything."""

    async def token(workspace: str) -> str | None:
        return bot_token

    return token
