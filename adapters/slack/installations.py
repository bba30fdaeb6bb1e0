"""Where Slack installations live: dialoogbot's own database, through SQLAlchemy.

slack_sdk's async SQLAlchemy stores do the work (bolt knows how to use them); the tables they
expect are created by our Alembic migration ``storage/migrations/versions/slack_0001_*``, not by
``create_tables()``, so one ``dialoogbot db upgrade`` prepares everything.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.platform import TokenSource

STATE_SECONDS = 600  # an "Add to Slack" click must come back within ten minutes


class WriteTurn:
    """The core's SQLite write lock (None on PostgreSQL), taken around the stores' writes.

    On SQLite every writer in the process takes turns through that lock, so none ever waits
    for SQLite's own lock (:class:`storage.database.InlineSqlite`). The stores' ``save``
    calls their ``save_bot``, so a task that holds the turn goes on without taking it again.
    """

    def __init__(self, lock: asyncio.Lock | None) -> None:
        self.lock = lock
        self.holder: asyncio.Task[Any] | None = None

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if self.lock is None or self.holder is task:
            yield
            return
        async with self.lock:
            self.holder = task
            try:
                yield
            finally:
                self.holder = None


class _InstallationStore(AsyncSQLAlchemyInstallationStore):
    def __init__(self, client_id: str, engine: AsyncEngine, turn: WriteTurn) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self.turn = turn

    async def async_save(self, installation: Any) -> None:
        async with self.turn():
            await super().async_save(installation)

    async def async_save_bot(self, bot: Any) -> None:
        async with self.turn():
            await super().async_save_bot(bot)

    async def async_delete_bot(self, **kwargs: Any) -> None:
        async with self.turn():
            await super().async_delete_bot(**kwargs)

    async def async_delete_installation(self, **kwargs: Any) -> None:
        async with self.turn():
            await super().async_delete_installation(**kwargs)


class _StateStore(AsyncSQLAlchemyOAuthStateStore):
    def __init__(self, engine: AsyncEngine, turn: WriteTurn) -> None:
        super().__init__(expiration_seconds=STATE_SECONDS, engine=engine)
        self.turn = turn

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        async with self.turn():
            return await super().async_issue(*args, **kwargs)

    async def async_consume(self, state: str) -> bool:
        async with self.turn():
            return await super().async_consume(state)


def installation_store(
    client_id: str, engine: AsyncEngine, write_lock: asyncio.Lock | None = None
) -> AsyncSQLAlchemyInstallationStore:
    return _InstallationStore(client_id, engine, WriteTurn(write_lock))


def state_store(
    engine: AsyncEngine, write_lock: asyncio.Lock | None = None
) -> AsyncSQLAlchemyOAuthStateStore:
    """One-time OAuth ``state`` values in the database: a replayed callback is refused."""
    return _StateStore(engine, WriteTurn(write_lock))


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
