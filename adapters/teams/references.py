"""Conversation references, saved in the database at first contact so proactive messages
survive a restart (the botbuilder samples keep them in a dict; we do not).

One row per ``(tenant, kind, key)``:

- ``user`` / user id: the personal chat with that person;
- ``channel`` / channel id: a team channel the bot was mentioned in (its team id is in the
  reference's channel data, for the roster);
- ``tenant`` / ``""``: the latest service URL and bot account seen in the tenant, used to open
  a personal chat with someone who has not written to the bot yet.

A reference is the JSON of botbuilder's ``ConversationReference`` plus ``teamId``.

``teams_deliveries`` remembers the outbox keys of messages Teams accepted (the key and the
day, nothing else), so after a crash ``was_delivered`` can tell a sent prompt from one that
still has to go: the Bot Framework has no way to look a message up by our key.

Writes go through :meth:`storage.database.Database.writing`, like every writer's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import Database

metadata = sa.MetaData()

conversation_references = sa.Table(
    "teams_conversation_references",
    metadata,
    sa.Column("tenant_id", sa.String(200), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("conversation_id", sa.String(500), nullable=False, index=True),
    sa.Column("service_url", sa.String(500), nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
)

deliveries = sa.Table(
    "teams_deliveries",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("day", sa.Date, nullable=False, index=True),
)

USER, CHANNEL, TENANT = "user", "channel", "tenant"
KEEP_DELIVERIES = dt.timedelta(days=3)


class ReferenceStore:
    """Reads and writes conversation references; a small read-through cache in front."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.engine = db.engine  # reads; writes go through db.writing()
        self._cache: dict[tuple[str, str, str], dict[str, Any]] = {}

    async def save(self, tenant: str, kind: str, key: str, reference: dict[str, Any]) -> None:
        """Insert or replace; a no-op when the same reference is already stored."""
        if self._cache.get((tenant, kind, key)) == reference:
            return
        await self.save_many([(tenant, kind, key, reference)])

    async def save_many(self, rows: list[tuple[str, str, str, dict[str, Any]]]) -> None:
        values = [
            {
                "tenant_id": tenant,
                "kind": kind,
                "key": key,
                "conversation_id": str(reference["conversation"]["id"]),
                "service_url": str(reference["serviceUrl"]),
                "reference": json.dumps(reference, sort_keys=True),
            }
            for tenant, kind, key, reference in rows
        ]
        if not values:
            return
        statement = self._insert(conversation_references)
        statement = statement.on_conflict_do_update(
            index_elements=["tenant_id", "kind", "key"],
            set_={
                "conversation_id": statement.excluded.conversation_id,
                "service_url": statement.excluded.service_url,
                "reference": statement.excluded.reference,
            },
        )
        async with self._writing() as connection:
            for start in range(0, len(values), 500):
                await connection.execute(statement, values[start : start + 500])
        for tenant, kind, key, reference in rows:
            self._cache[(tenant, kind, key)] = reference

    def _insert(self, table: sa.Table) -> Any:
        """An INSERT that can say ON CONFLICT (SQLite and PostgreSQL both can)."""
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection]:
        async with self.db.writing() as session:
            yield await session.connection()

    async def record_delivery(self, key: str, today: dt.date | None = None) -> None:
        """Teams accepted the message queued under ``key``."""
        async with self._writing() as connection:
            statement = self._insert(deliveries).values(key=key, day=today or dt.date.today())
            await connection.execute(statement.on_conflict_do_nothing(index_elements=["key"]))

    async def was_delivered(self, key: str) -> bool:
        query = sa.select(deliveries.c.key).where(deliveries.c.key == key)
        async with self.engine.connect() as connection:
            return (await connection.execute(query)).first() is not None

    async def forget_deliveries(self, today: dt.date | None = None) -> None:
        """Drop delivery keys older than any outbox row can be (a few days)."""
        before = (today or dt.date.today()) - KEEP_DELIVERIES
        async with self._writing() as connection:
            await connection.execute(sa.delete(deliveries).where(deliveries.c.day < before))

    async def get(self, tenant: str, kind: str, key: str) -> dict[str, Any] | None:
        cached = self._cache.get((tenant, kind, key))
        if cached is not None:
            return cached
        table = conversation_references
        query = sa.select(table.c.reference).where(
            table.c.tenant_id == tenant, table.c.kind == kind, table.c.key == key
        )
        async with self.engine.connect() as connection:
            text = (await connection.execute(query)).scalar_one_or_none()
        if text is None:
            return None
        reference: dict[str, Any] = json.loads(text)
        self._cache[(tenant, kind, key)] = reference
        return reference

    async def by_conversation(self, tenant: str, conversation_id: str) -> dict[str, Any] | None:
        """Any stored reference for ``conversation_id`` (to update a message sent earlier)."""
        table = conversation_references
        query = (
            sa.select(table.c.reference)
            .where(table.c.tenant_id == tenant, table.c.conversation_id == conversation_id)
            .limit(1)
        )
        async with self.engine.connect() as connection:
            text = (await connection.execute(query)).scalar_one_or_none()
        return None if text is None else dict(json.loads(text))
