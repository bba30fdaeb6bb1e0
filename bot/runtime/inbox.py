"""The inbox: channel commands made durable before the platform hears they arrived.

A private message (an answer, a press on a private button) is applied and committed before it is
acknowledged: the group commit keeps that within a few milliseconds. A channel command may
first fetch a roster or run a synthesis, longer than Slack's three seconds; it is recorded here
in a committed transaction, acknowledged, applied, and then forgotten. A crash between the
acknowledgement and the end of the apply leaves the row, and the next start applies it again;
its event key (the core's dedupe) makes that change nothing when the apply had committed.

Private messages and button presses never come here: no answer or vote waits in a table next to
a user id (PRODUCT.md §4).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.core.messages import Incoming
from storage.database import Database
from storage.models import InboxRow

log = logging.getLogger(__name__)
FIELDS = ("platform", "workspace", "user_id", "text", "channel_id", "action", "value",
          "round_id", "event_id")  # fmt: skip


def key_of(incoming: Incoming) -> str:
    """The delivery's key, as the writer dedupes on it."""
    return f"{incoming.platform}:{incoming.event_id}"


def encode(incoming: Incoming) -> str:
    values = dataclasses.asdict(incoming)
    return json.dumps({name: values[name] for name in FIELDS}, ensure_ascii=False)


def decode(payload: str) -> Incoming:
    data = json.loads(payload)
    return Incoming(**{name: data.get(name) for name in FIELDS})


class Inbox:
    """Record, list and forget channel commands waiting to be applied."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, incoming: Incoming) -> None:
        """Commit ``incoming``; a delivery recorded before (Slack's retry) is kept once."""
        if (
            incoming.is_private
            or incoming.action is not None
            or incoming.timer is not None
            or not incoming.event_id
        ):
            raise ValueError("only a channel command with an event id waits in the inbox")
        values = {
            "key": key_of(incoming),
            "payload": encode(incoming),
            "received": dt.datetime.now(dt.UTC),
        }
        insert = pg_insert if not self.db.is_sqlite else sqlite_insert
        async with self.db.writing() as session:
            await session.execute(
                insert(InboxRow).values(**values).on_conflict_do_nothing(index_elements=["key"])
            )

    async def claim(self, older_than: dt.timedelta) -> list[Incoming]:
        """Commands recorded more than ``older_than`` ago, oldest first: left by a crash (or,
        with several processes on PostgreSQL, by a process that died). Each is taken by
        renewing its time, so two processes never both apply it."""
        now = dt.datetime.now(dt.UTC)
        async with self.db.sessions() as session:
            rows = (
                await session.execute(
                    select(InboxRow.key, InboxRow.payload, InboxRow.received)
                    .where(InboxRow.received <= now - older_than)
                    .order_by(InboxRow.received)
                )
            ).all()
        taken = []
        for key, payload, received in rows:
            async with self.db.writing() as session:
                result = await session.execute(
                    update(InboxRow)
                    .where(InboxRow.key == key, InboxRow.received == received)
                    .values(received=now)
                )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                taken.append(decode(payload))
        return taken

    async def forget(self, incoming: Incoming) -> None:
        async with self.db.writing() as session:
            await session.execute(delete(InboxRow).where(InboxRow.key == key_of(incoming)))
