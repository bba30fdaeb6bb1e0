"""Applying turns: each ``Incoming`` (a person's or a timer's) and what the core's
:class:`~bot.core.turn.TurnResult` asks to store and deliver, in one transaction.

Private messages that arrive together are written together (group commit); a batch holding
anything unusual is applied again message by message. Channel commands and timers fetch what
they need from the platform and the synthesizer before their transaction
(:mod:`bot.runtime.preparing`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.core.commands import CommandError
from bot.core.messages import Incoming
from bot.core.prepared import Prepared, Unprepared
from bot.core.rounds import Batch
from bot.core.router import Dialoog
from bot.core.themes import PREPARED_ACTIONS
from bot.core.turn import TurnResult
from bot.runtime.outbox import Actor, enqueue, outbox_rows
from bot.runtime.preparing import Preparer
from bot.runtime.waiting import fail, settle
from bot.support.clock import Clock
from bot.support.metrics import Held, Metrics
from bot.support.settings import Settings
from storage.database import Database
from storage.models import AnswerRow, OutboxRow, ProcessedEventRow, columns, insert_rows

log = logging.getLogger(__name__)
GROUP_COMMIT = 64  # private messages at most applied in one transaction


def actor(incoming: Incoming) -> Actor | None:
    """The person behind ``incoming`` (None for a timer): messages to them are replies."""
    if incoming.timer is not None or not incoming.user_id:
        return None
    return (incoming.platform, incoming.workspace, incoming.user_id)


def _event_key(incoming: Incoming) -> str | None:
    """The key a platform's delivery is remembered by, so a redelivery changes nothing."""
    return f"{incoming.platform}:{incoming.event_id}" if incoming.event_id else None


class _Refused(Exception):
    """Input that changes nothing but its refusal: rolls the turn back."""

    def __init__(self, result: TurnResult) -> None:
        super().__init__(result.refused.key if result.refused else "refused")
        self.result = result


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
        if not incoming.is_private or incoming.action in PREPARED_ACTIONS:
            # A channel command, or a button that starts a round (it needs a roster first).
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
            try:
                batch = await self._drop_repeated(batch)
            except BaseException as error:
                fail((done for _, done in batch), error)
                if not isinstance(error, Exception):
                    raise
                continue
            if not batch:
                continue
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

    async def _drop_repeated(
        self, batch: list[tuple[Incoming, asyncio.Future[None]]]
    ) -> list[tuple[Incoming, asyncio.Future[None]]]:
        """Settle the deliveries already applied (Slack's retries after a crash or a slow
        answer come in bursts) with one query, so that they do not send the whole batch down
        the slow path of one savepoint per message. A repeat that slips past this check is
        still caught there."""
        keys = {key for incoming, _ in batch if (key := _event_key(incoming)) is not None}
        if not keys:
            return batch
        async with self.db.sessions() as session:
            seen = set(
                (
                    await session.scalars(
                        select(ProcessedEventRow.key).where(ProcessedEventRow.key.in_(keys))
                    )
                ).all()
            )
        if not seen:
            return batch
        rest = []
        for incoming, done in batch:
            if _event_key(incoming) in seen:
                self.metrics.duplicates.inc()
                settle([done], [None])
            else:
                rest.append((incoming, done))
        return rest

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
                answers: list[dict[str, Any]] = []
                answered: set[tuple[str, str, str]] = set()
                for incoming in batch:
                    event_key = _event_key(incoming)
                    if event_key is not None:
                        if event_key in events:
                            raise LookupError("the same event twice in one batch")
                        events[event_key] = self.clock.now().date()
                    sender = (incoming.platform, incoming.workspace, incoming.user_id)
                    if sender in answered:
                        # This person's earlier answers must be there for this turn to see
                        # (edit, forget me): write what the batch holds so far.
                        await insert_rows(session, AnswerRow, answers)
                        answers.clear()
                        answered.clear()
                    result = await self.core.handle(self.core.turn(session, incoming, shared))
                    if result.refused is not None:
                        raise _Refused(result)
                    outbox += outbox_rows(result.deliveries, actor(incoming))
                    if result.answers:
                        answers += [columns(row) for row in result.answers]
                        answered.add(sender)
                # New rows go in as one plain INSERT per table: the ORM's unit of work costs
                # about a tenth of a millisecond per new object. A repeated event fails here.
                await session.flush()
                await insert_rows(
                    session, ProcessedEventRow, [{"key": k, "day": d} for k, d in events.items()]
                )
                await insert_rows(session, AnswerRow, answers)
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
                await self._refuse_in(session, event_key, refused.result, actor(incoming))
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
                await self._refuse_in(session, None, self._conflict(incoming), actor(incoming))
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
        """Apply ``incoming`` in ``session``: the one path of people's messages and timers.
        False for a repeated event; a refusal raises :class:`_Refused` with its result."""
        if event_key is not None:
            if look_first and await session.get(ProcessedEventRow, event_key) is not None:
                self.metrics.duplicates.inc()
                return False
            session.add(ProcessedEventRow(key=event_key, day=self.clock.now().date()))
            await session.flush()
        result = await self.core.handle(self.core.turn(session, incoming, shared, prepared))
        if result.refused is not None:
            raise _Refused(result)
        await insert_rows(session, AnswerRow, [columns(row) for row in result.answers])
        enqueue(session, result.deliveries, actor(incoming))
        await session.flush()
        return True

    async def apply_timer(
        self, incoming: Incoming, claim: Callable[[AsyncSession], Awaitable[bool]]
    ) -> bool:
        """A due timer, on the same path as people's messages: ``claim`` runs first in the
        transaction (the scheduler's fire-once book-keeping) and returns False when the job is
        not to run. Rosters and summaries are fetched before the transaction."""

        async def attempt(prepared: Prepared) -> bool:
            with self.metrics.attempt(Unprepared):
                async with self.db.writing() as session:
                    if not await claim(session):
                        return False
                    return await self._apply_turn(session, incoming, None, False, None, prepared)

        return await self.preparer.run(attempt)

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
            await self._refuse(event_key, refused.result, actor(incoming))
        except IntegrityError:
            # Two deliveries raced (the same event twice, or two starts in one channel).
            log.info("concurrent change refused; nothing stored", exc_info=True)
            await self._refuse(None, self._conflict(incoming), actor(incoming))

    def _conflict(self, incoming: Incoming) -> TurnResult:
        return self.core.refused(incoming, self.settings.voice, CommandError("error.conflict"))

    async def _refuse(
        self, event_key: str | None, result: TurnResult, by: Actor | None = None
    ) -> None:
        async with self.db.writing() as session:
            await self._refuse_in(session, event_key, result, by)

    async def _refuse_in(
        self,
        session: AsyncSession,
        event_key: str | None,
        result: TurnResult,
        by: Actor | None = None,
    ) -> None:
        """Keep only the refusal (and the event key, so a redelivery is not refused twice)."""
        if event_key is not None:
            if await session.get(ProcessedEventRow, event_key) is not None:
                return
            session.add(ProcessedEventRow(key=event_key, day=self.clock.now().date()))
        enqueue(session, result.deliveries, by)
        await session.flush()
