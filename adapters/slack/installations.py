"""Where Slack installations live: dialoogbot's own database, through SQLAlchemy.

slack_sdk's async SQLAlchemy stores do the work (bolt knows how to use them); the tables they
expect are created by our Alembic migration ``storage/migrations/versions/slack_0001_*``, not by
``create_tables()``, so one ``dialoogbot db upgrade`` prepares everything.
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.platform import TokenSource

STATE_SECONDS = 600  # an "Add to Slack" click must come back within ten minutes


def installation_store(client_id: str, engine: AsyncEngine) -> AsyncSQLAlchemyInstallationStore:
    return AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=engine)


def state_store(engine: AsyncEngine) -> AsyncSQLAlchemyOAuthStateStore:
    """One-time OAuth ``state`` values in the database: a replayed callback is refused."""
    return AsyncSQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine)


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
