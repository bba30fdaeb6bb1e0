"""Conversation references, saved in the database at first contact so proactive messages
survive a restart (the botbuilder samples keep them in a dict; we do not).

One row per ``(tenant, kind, key)``:

- ``user`` / user id: the personal chat with that person;
- ``channel`` / channel id: a team channel the bot was mentioned in (its team id is in the
  reference's channel data, for the roster);
- ``tenant`` / ``""``: the latest service URL and bot account seen in the tenant, used to open
  a personal chat with someone who has not written to the bot yet.

A reference is the JSON of botbuilder's ``ConversationReference`` plus ``teamId``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

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

USER, CHANNEL, TENANT = "user", "channel", "tenant"


class ReferenceStore:
    """Reads and writes conversation references; a small read-through cache in front."""

    def __init__(self, engine: AsyncEngine, write_lock: asyncio.Lock | None = None) -> None:
        self.engine = engine
        self.write_lock = write_lock  # SQLite: the core's single-writer lock
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
        table = conversation_references
        dialect = self.engine.dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            statement: Any = pg_insert(table)
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            statement = sqlite_insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=["tenant_id", "kind", "key"],
            set_={
                "conversation_id": statement.excluded.conversation_id,
                "service_url": statement.excluded.service_url,
                "reference": statement.excluded.reference,
            },
        )
        async with contextlib.AsyncExitStack() as stack:
            if self.write_lock is not None:
                await stack.enter_async_context(self.write_lock)
            connection = await stack.enter_async_context(self.engine.begin())
            for start in range(0, len(values), 500):
                await connection.execute(statement, values[start : start + 500])
        for tenant, kind, key, reference in rows:
            self._cache[(tenant, kind, key)] = reference

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
