"""Applying what people send: each ``Incoming`` and the messages it causes, in one transaction.

Private messages that arrive together are written together (group commit); a batch holding
anything unusual is applied again message by message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.core.commands import CommandError
from bot.core.messages import Incoming
from bot.core.prepared import Prepared, Unprepared
from bot.core.rounds import Batch
from bot.core.router import Dialoog
from bot.runtime.outbox import enqueue, outbox_rows
from bot.runtime.preparing import Preparer
from bot.runtime.waiting import fail, settle
from bot.support.clock import Clock
from bot.support.metrics import Held, Metrics
from bot.support.settings import Settings
from storage.database import Database
from storage.models import AnswerRow, OutboxRow, ProcessedEventRow, columns, insert_rows

log = logging.getLogger(__name__)
GROUP_COMMIT = 64  # private messages at most applied in one transaction


def _event_key(incoming: Incoming) -> str | None:
    """The key a platform's delivery is remembered by, so a redelivery changes nothing."""
    return f"{incoming.platform}:{incoming.event_id}" if incoming.event_id else None


class _Refused(Exception):
    """Input that changes nothing but a refusal in the turn's language."""

    def __init__(self, lang: str, error: CommandError) -> None:
        super().__init__(error.key)
        self.lang = lang
        self.error = error


class Writer:
    """Applies incoming messages for :class:`bot.runtime.app.App`."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        core: Dialoog,
        metrics: Metrics,
        clock: Clock,
        preparer: Preparer,
    ) -> None:
        self.preparer = preparer
        self.settings = settings
        self.db = db
        self.core = core
        self.metrics = metrics
        self.clock = clock
        self._waiting: list[tuple[Incoming, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def apply(self, incoming: Incoming) -> None:
        """Apply ``incoming`` and queue its messages in one transaction; a repeated
        ``event_id`` and refused input change nothing but the refusal message.

        Private messages that arrive together are applied together, in one transaction
        (:meth:`_write_together`; on PostgreSQL it locks the batch's progress rows as one
        message's turn locks its own); a batch holding a refusal or
        a conflict is applied again with each message in its own savepoint, so that one is
        rolled back alone. Every caller returns only after that transaction committed, in
        arrival order per person."""
        if not incoming.is_private:
            await self._handle_alone(incoming)
        else:
            done = asyncio.get_running_loop().create_future()
            self._waiting.append((incoming, done))
            if self._writer is None or self._writer.done():
                self._writer = asyncio.create_task(self._write_waiting(), name="group commit")
            await done

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch = self._waiting[:GROUP_COMMIT]
            del self._waiting[:GROUP_COMMIT]
            incomings = [incoming for incoming, _ in batch]
            try:
                outcomes = await self._write_together(incomings)
            except Exception as error:
                # The type only: an error's text can quote the messages.
                log.debug("batch applied again one by one (%s)", type(error).__name__)
                try:
                    outcomes = await self._write_apart(incomings)
                except BaseException as error:
                    fail((done for _, done in batch), error)
                    if not isinstance(error, Exception):
                        raise
                    continue
            settle((done for _, done in batch), outcomes)

    async def _write_together(self, batch: list[Incoming]) -> list[Exception | None]:
        """The usual case, fast: the whole batch in one transaction without savepoints, the
        progress of everyone in it loaded in one query and the new rows written as one insert
        per table. Anything else (a refusal, a repeated event, a conflict) raises; the
        caller then applies the batch again message by message (:meth:`_write_apart`), and
        nothing of this attempt is kept or counted."""
        with self.metrics.held() as held:
            async with self.db.writing() as session:
                shared = Batch()
                store = self.core.store(session, shared)
                people: dict[tuple[str, str], set[str]] = {}
                for incoming in batch:
                    people.setdefault((incoming.platform, incoming.workspace), set()).add(
                        incoming.user_id
                    )
                for (platform, workspace), users in people.items():
                    await store.load_progress(platform, workspace, users)
                events: dict[str, dt.date] = {}
                outbox: list[dict[str, Any]] = []
                for incoming in batch:
                    event_key = _event_key(incoming)
                    if event_key is not None:
                        if event_key in events:
                            raise LookupError("the same event twice in one batch")
                        events[event_key] = self.clock.now().date()
                    turn = self.core.turn(session, incoming, shared)
                    await self.core.handle(turn)
                    outbox += outbox_rows(turn.deliveries, turn.lang)
                # New rows go in as one plain INSERT per table: the ORM's unit of work costs
                # about a tenth of a millisecond per new object. A repeated event fails here.
                answers = [row for row in session.new if isinstance(row, AnswerRow)]
                for row in answers:
                    session.expunge(row)
                await session.flush()
                await insert_rows(
                    session, ProcessedEventRow, [{"key": k, "day": d} for k, d in events.items()]
                )
                await insert_rows(session, AnswerRow, [columns(row) for row in answers])
                await insert_rows(session, OutboxRow, outbox)
            held.count()
        return [None] * len(batch)

    async def _write_apart(self, batch: list[Incoming]) -> list[Exception | None]:
        """Each message in its own savepoint, so a refused or failing one is rolled back
        alone; counted once the transaction committed."""
        outcomes: list[Exception | None] = []
        kept: list[Held] = []
        async with self.db.writing() as session:
            shared = Batch()
            for incoming in batch:
                with self.metrics.held() as held:
                    try:
                        await self._apply(session, incoming, shared)
                        outcomes.append(None)
                        kept.append(held)
                    except Exception as error:
                        log.exception("handling a message failed; rolled back alone")
                        outcomes.append(error)
                        session.expunge_all()
                        shared.clear()
        for held in kept:
            held.count()
        return outcomes

    async def _apply(
        self,
        session: AsyncSession,
        incoming: Incoming,
        shared: Batch,
    ) -> None:
        """One message inside a shared transaction: savepoints keep a refusal or a conflict
        from undoing the other messages. The event key is inserted without looking first; a
        conflict on it is the repeated event."""
        event_key = _event_key(incoming)
        if event_key is not None:
            identity = Session.identity_key(ProcessedEventRow, event_key)
            if session.sync_session.identity_map.get(identity) is not None:
                self.metrics.duplicates.inc()
                return
        try:
            async with session.begin_nested():
                await self._apply_turn(session, incoming, event_key, False, shared)
        except _Refused as refused:
            async with session.begin_nested():
                await self._refuse_in(session, incoming, event_key, refused.lang, refused.error)
            session.expunge_all()
            shared.clear()
        except IntegrityError:
            session.expunge_all()
            shared.clear()
            if event_key is not None:
                if await session.get(ProcessedEventRow, event_key) is not None:
                    self.metrics.duplicates.inc()
                    return
            log.info("concurrent change refused; nothing stored", exc_info=True)
            async with session.begin_nested():
                await self._refuse_in(
                    session, incoming, None, self.settings.language, CommandError("error.conflict")
                )
            session.expunge_all()
            shared.clear()

    async def _apply_turn(
        self,
        session: AsyncSession,
        incoming: Incoming,
        event_key: str | None,
        look_first: bool,
        shared: Batch | None = None,
        prepared: Prepared | None = None,
    ) -> bool:
        """Apply ``incoming`` in ``session``; False for a repeated event. A refusal raises
        :class:`_Refused` carrying the turn's language."""
        if event_key is not None:
            if look_first and await session.get(ProcessedEventRow, event_key) is not None:
                self.metrics.duplicates.inc()
                return False
            session.add(ProcessedEventRow(key=event_key, day=self.clock.now().date()))
            await session.flush()
        turn = self.core.turn(session, incoming, shared, prepared)
        try:
            await self.core.handle(turn)
        except CommandError as error:
            raise _Refused(turn.lang, error) from error
        enqueue(session, turn.deliveries, turn.lang)
        await session.flush()
        return True

    async def _handle_alone(self, incoming: Incoming) -> None:
        """A channel command in its own transaction; the roster and summaries it needs are
        fetched before that transaction (:mod:`bot.runtime.preparing`), so a slow platform or
        synthesizer never holds the turn at writing (``Database.writing()``) that people's
        answers wait for."""
        event_key = _event_key(incoming)

        async def attempt(prepared: Prepared) -> None:
            with self.metrics.attempt(Unprepared):
                async with self.db.writing() as session:
                    await self._apply_turn(session, incoming, event_key, True, None, prepared)

        try:
            await self.preparer.run(attempt)
        except _Refused as refused:
            await self._refuse(incoming, event_key, refused.lang, refused.error)
        except IntegrityError:
            # Two deliveries raced (the same event twice, or two starts in one channel).
            log.info("concurrent change refused; nothing stored", exc_info=True)
            await self._refuse(
                incoming, None, self.settings.language, CommandError("error.conflict")
            )

    async def _refuse(
        self, incoming: Incoming, event_key: str | None, lang: str, error: CommandError
    ) -> None:
        async with self.db.writing() as session:
            await self._refuse_in(session, incoming, event_key, lang, error)

    async def _refuse_in(
        self,
        session: AsyncSession,
        incoming: Incoming,
        event_key: str | None,
        lang: str,
        error: CommandError,
    ) -> None:
        if event_key is not None:
            if await session.get(ProcessedEventRow, event_key) is not None:
                return
            session.add(ProcessedEventRow(key=event_key, day=self.clock.now().date()))
        turn = self.core.turn(session, incoming)
        turn.lang = lang
        turn.reply(self.core.refusal(lang, error))
        enqueue(session, turn.deliveries, turn.lang)
        await session.flush()
