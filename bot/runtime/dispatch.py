"""Draining the outbox: each message once, in order per recipient, many recipients at once.

A row is marked ``sending`` before the platform call and deleted after it. The sending process
writes its id and a lease into the row and renews the lease while it lives; a ``sending`` row
whose lease ran out was interrupted by a crash, and any process settles it: the platform is
asked whether it arrived (``was_delivered``) so nobody gets the same prompt twice. With
SQLite only one process serves a database, so at start every ``sending`` row is settled.
Platforms pace themselves and raise :class:`DeliveryDeferred` to be tried later or
:class:`DeliveryRefused` to be dropped.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import TargetKind
from bot.core.port import URGENT, DeliveryDeferred, DeliveryRefused, Platform
from bot.runtime.outbox import decode
from bot.runtime.waiting import fail, settle
from bot.support.metrics import Metrics
from storage.database import Database
from storage.models import OutboxRow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
LEASE = dt.timedelta(seconds=60)  # a claim not renewed for this long belongs to a dead process
RECOVERY_LOOKUPS = 16  # interrupted deliveries looked up at the platform at once after a crash


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_RECIPIENT_COLUMNS = (
    OutboxRow.id,
    OutboxRow.priority,
    OutboxRow.platform,
    OutboxRow.workspace,
    OutboxRow.kind,
    OutboxRow.channel_id,
    OutboxRow.user_id,
)


def _person(row: Any) -> tuple[str, str, str]:
    """Whom a row reaches, whatever its kind: a person's private messages and replies to them
    keep their order between them in the urgent lane."""
    if row.kind == TargetKind.CHANNEL.value:
        return (row.platform, row.workspace, "#" + (row.channel_id or ""))
    return (row.platform, row.workspace, row.user_id or "")


def _recipient(row: Any) -> tuple[str, str, str, str]:
    """Who a row (or a row of its recipient columns) goes to; one message at a time each."""
    who = row.user_id if row.kind != TargetKind.CHANNEL.value else row.channel_id
    return (row.platform, row.workspace, row.kind, who or "")


Recipient = tuple[str, str, str, str]


class Dispatcher:
    """Sends outbox rows through the registered platforms.

    Two lanes: replies to something a person just did (outbox ``priority`` 0) have slots of
    their own and go ahead of bulk fan-out, reminders and digests; a reply waits only for
    that person's earlier messages, which then go in its lane. Bulk slots are shared fairly:
    one workspace's fan-out takes at most half of them.
    """

    def __init__(
        self,
        db: Database,
        platforms: dict[str, Platform],
        metrics: Metrics,
        concurrency: int = 64,
        batch: int = 1000,
        urgent_concurrency: int = 64,
    ) -> None:
        self.db = db
        self.platforms = platforms
        self.metrics = metrics
        self.concurrency = concurrency
        self.batch = batch
        self._wake = asyncio.Event()
        self.urgent_concurrency = urgent_concurrency
        self._busy: set[Recipient] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        # Rows claimed and not yet settled, per workspace (bulk) and in the urgent lane; each
        # workspace has ``concurrency`` sending slots of its own, the urgent lane its own too.
        self._bulk: dict[tuple[str, str], int] = {}
        self._urgent = 0
        self._slots: dict[tuple[str, str], asyncio.Semaphore] = {}
        self._urgent_slots = asyncio.Semaphore(urgent_concurrency)
        self._workspaces: list[tuple[str, str]] = []
        self._workspaces_read = -1e9
        self._loop: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self.owner = uuid.uuid4().hex
        self.lease = LEASE  # renewed every quarter of it while this process lives
        self._last_renewal = 0.0
        self._stopping = False
        self._finished: list[tuple[int, asyncio.Future[None]]] = []
        self._deleter: asyncio.Task[None] | None = None
        self._recovering: asyncio.Task[None] | None = None

    def kick(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        """Take over what a crash left ``sending``, then send at once: whether those rows
        arrived is asked meanwhile (their recipients wait for the answer, nobody else does)."""
        self._stopping = False
        interrupted = await self._take_over(expired_only=not self.db.is_sqlite)
        self._loop = asyncio.create_task(self._run(), name="dispatcher")
        if interrupted:
            self._recovering = asyncio.create_task(
                self._settle_interrupted(interrupted), name="outbox recovery"
            )

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming; give sends in flight ``grace`` seconds, then cancel them (their rows
        stay ``sending`` and are settled by :meth:`recover` at the next start)."""
        if self._recovering is not None:
            self._recovering.cancel()  # the rows stay ``sending``: the next start asks again
            await asyncio.gather(self._recovering, return_exceptions=True)
            self._recovering = None
        if self._loop is not None:
            # The flag as well as the cancel: on Python 3.11 ``wait_for`` can swallow a
            # cancellation that arrives together with a kick.
            self._stopping = True
            self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)
            self._loop = None
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if pending:
                # Whether these arrived is unknown: end their leases, so that the next
                # process to start (any, on PostgreSQL) asks the platform at once.
                try:
                    async with self.db.writing() as session:
                        await session.execute(
                            update(OutboxRow)
                            .where(OutboxRow.owner == self.owner, OutboxRow.status == "sending")
                            .values(lease_until=None)
                        )
                except Exception:
                    log.exception("could not end the outbox leases; they run out in %s", LEASE)

    async def recover(self, expired_only: bool = False) -> None:
        """Settle rows a crash left in ``sending``: delivered ones go, the rest are resent.

        ``expired_only``: only rows whose lease ran out (other processes may be alive and
        sending theirs). Each row is first taken over with a fresh lease, so two processes
        never settle the same row."""
        await self._settle_interrupted(await self._take_over(expired_only))

    async def _take_over(self, expired_only: bool) -> list[OutboxRow]:
        now = _now()
        stale = OutboxRow.status == "sending"
        if expired_only:
            stale = stale & or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until < now)
        async with self.db.sessions() as session:
            candidates = (await session.scalars(select(OutboxRow).where(stale))).all()
        if not candidates:
            return []
        rows = []
        async with self.db.writing() as session:  # one transaction, a statement per row
            for row in candidates:
                taken = await session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id == row.id, stale)
                    .values(owner=self.owner, lease_until=now + self.lease)
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    rows.append(row)
        return rows

    async def _settle_interrupted(self, rows: list[OutboxRow]) -> None:
        """Ask the platforms, RECOVERY_LOOKUPS at a time, whether ``rows`` arrived; then
        delete the delivered ones and make the rest ``pending`` in one transaction."""
        if not rows:
            return
        lookups = asyncio.Semaphore(RECOVERY_LOOKUPS)

        async def arrived(row: OutboxRow) -> bool | None:
            platform = self.platforms.get(row.platform)
            # A reply in a channel (ephemeral) cannot be looked up; one in the private chat can.
            findable = row.kind != TargetKind.REPLY.value or row.channel_id is None
            if platform is None or not findable:
                return None
            async with lookups:
                try:
                    return await platform.was_delivered(
                        row.workspace, row.channel_id, row.user_id, row.key
                    )
                except Exception:
                    log.exception("cannot tell whether outbox row %s arrived", row.id)
                    return None

        found = await asyncio.gather(*(arrived(row) for row in rows))
        delivered = [row.id for row, yes in zip(rows, found, strict=True) if yes]
        again = [row.id for row, yes in zip(rows, found, strict=True) if not yes]
        async with self.db.writing() as session:
            if delivered:
                await session.execute(delete(OutboxRow).where(OutboxRow.id.in_(delivered)))
            if again:
                await session.execute(
                    update(OutboxRow).where(OutboxRow.id.in_(again)).values(status="pending")
                )
        log.info("outbox recovery: %d interrupted deliveries settled", len(rows))
        self.kick()

    async def _renew(self) -> None:
        """Renew the lease on rows this process is sending; settle rows of dead processes."""
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_renewal < self.lease.total_seconds() / 4:
            return
        self._last_renewal = loop.time()
        async with self.db.writing() as session:
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.owner == self.owner, OutboxRow.status == "sending")
                .values(lease_until=_now() + self.lease)
            )
        await self.recover(expired_only=True)

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._renew()
                claimed = await self.pump()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dispatcher pass failed")
                claimed = 0
            if claimed == 0:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=0.5)
                except TimeoutError:
                    pass

    async def pump(self) -> int:
        """Claim what can be sent now and start sending it; returns how many were claimed.

        Replies first (in their own slots), then each workspace's oldest rows up to its share
        of the bulk slots. The queue is read as ids and recipients only; whole rows (with their
        payloads) are loaded just for the ones claimed: under load the queue is read after
        every send."""
        now = _now()
        ready = and_(
            OutboxRow.status.in_(("pending", "deferred")),
            or_(OutboxRow.not_before.is_(None), OutboxRow.not_before <= now),
        )
        async with self.db.writing() as session:
            blocked = set(self._busy)
            blocked.update(await self._deferred_recipients(session))
            urgent = await self._claim_urgent(session, ready, blocked)
            if urgent and not self.db.is_sqlite:  # heads found without a lock: take them now
                locked = await session.scalars(
                    select(OutboxRow.id)
                    .where(OutboxRow.id.in_(urgent), OutboxRow.status.in_(("pending", "deferred")))
                    .with_for_update(skip_locked=True)
                )
                urgent = sorted(set(locked.all()))
            bulk = await self._claim_bulk(session, ready, blocked)
            ids = urgent + bulk
            chosen: list[OutboxRow] = []
            if ids:
                chosen = list(
                    (
                        await session.scalars(
                            select(OutboxRow).where(OutboxRow.id.in_(ids)).order_by(OutboxRow.id)
                        )
                    ).all()
                )
                await session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_(ids))
                    .values(status="sending", owner=self.owner, lease_until=now + self.lease)
                )
        lane = set(urgent)
        for row in chosen:
            self._busy.add(_recipient(row))
            is_urgent = row.id in lane
            if is_urgent:
                self._urgent += 1
            else:
                space = (row.platform, row.workspace)
                self._bulk[space] = self._bulk.get(space, 0) + 1
            task = asyncio.create_task(self._send(row, is_urgent))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(chosen)

    def _select(self, ready: Any) -> Any:
        query = select(*_RECIPIENT_COLUMNS).where(ready).order_by(OutboxRow.id)
        if not self.db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        return query

    async def _claim_urgent(
        self, session: AsyncSession, ready: Any, blocked: set[Recipient]
    ) -> list[int]:
        """Ids to send in the urgent lane: for each person with a reply waiting, their oldest
        waiting message (the reply itself, or what came before it for them)."""
        free = self.urgent_concurrency - self._urgent
        if free <= 0:
            return []
        replies = (
            await session.execute(self._select(ready & (OutboxRow.priority == 0)).limit(self.batch))
        ).all()
        wanted: dict[tuple[str, str, str], int] = {}
        for row in replies:
            if row.platform in self.platforms:
                wanted.setdefault(_person(row), row.id)
        if not wanted:
            return []
        users = {person[2] for person in wanted}
        earlier = (
            await session.execute(
                select(*_RECIPIENT_COLUMNS, OutboxRow.status, OutboxRow.not_before)
                .where(
                    OutboxRow.user_id.in_(users),
                    OutboxRow.kind != TargetKind.CHANNEL.value,
                    OutboxRow.status != "failed",
                    OutboxRow.id <= max(wanted.values()),
                )
                .order_by(OutboxRow.id)
            )
        ).all()
        rows: dict[tuple[str, str, str], list[Any]] = {}
        for row in earlier:
            rows.setdefault(_person(row), []).append(row)
        now = _now()
        ids: list[int] = []
        for person in wanted:
            theirs = rows.get(person, [])
            if not theirs:
                continue
            head = theirs[0]
            # Wait while anything of theirs is under way, deferred or sent elsewhere.
            if any(_recipient(row) in blocked for row in theirs):
                continue
            if head.status not in ("pending", "deferred"):
                continue
            if head.not_before is not None and head.not_before > now:
                continue
            blocked.update(_recipient(row) for row in theirs)
            ids.append(head.id)
            if len(ids) >= free:
                break
        return ids

    async def _claim_bulk(
        self, session: AsyncSession, ready: Any, blocked: set[Recipient]
    ) -> list[int]:
        """Ids for the bulk lane: each workspace's oldest rows, claimed in chunks a little
        ahead of its sending slots (so the queue is not read again after every send)."""
        loop = asyncio.get_running_loop()
        age = loop.time() - self._workspaces_read
        ids: list[int] = []
        full = False
        if age < 1.0:
            ids, full = await self._bulk_ids(session, ready, blocked)
        if age >= 1.0 or (not ids and not full and age >= 0.05):
            # Which workspaces have rows waiting: read at most once a second while busy.
            self._workspaces_read = loop.time()
            found = await session.execute(
                select(OutboxRow.platform, OutboxRow.workspace).where(ready).distinct()
            )
            self._workspaces = [(p, w) for p, w in found.all()]
            ids, _ = await self._bulk_ids(session, ready, blocked)
        return ids

    async def _bulk_ids(
        self, session: AsyncSession, ready: Any, blocked: set[Recipient]
    ) -> tuple[list[int], bool]:
        """Claimable ids, and whether some workspace had too many claimed to take more."""
        ahead = self.concurrency + 16  # a person's claimed message waits at most this long
        ids: list[int] = []
        full = False
        for platform, workspace in self._workspaces:
            claimed = self._bulk.get((platform, workspace), 0)
            if claimed > self.concurrency - 16:
                full = True
                continue
            if platform not in self.platforms:
                continue
            room = ahead - claimed
            candidates = (
                await session.execute(
                    self._select(
                        ready
                        & (OutboxRow.priority != 0)
                        & (OutboxRow.platform == platform)
                        & (OutboxRow.workspace == workspace)
                    ).limit(self.batch)
                )
            ).all()
            taken = 0
            for candidate in candidates:
                recipient = _recipient(candidate)
                if recipient in blocked:
                    continue
                blocked.add(recipient)
                ids.append(candidate.id)
                taken += 1
                if taken >= room:
                    break
        return ids, full

    @staticmethod
    async def _deferred_recipients(session: AsyncSession) -> set[Recipient]:
        """Recipients with an earlier message waiting for a retry, or being sent (by another
        process, with PostgreSQL): keep their order."""
        waiting = (
            await session.execute(
                select(*_RECIPIENT_COLUMNS).where(
                    or_(
                        and_(OutboxRow.status == "deferred", OutboxRow.not_before > _now()),
                        OutboxRow.status == "sending",
                    )
                )
            )
        ).all()
        return {_recipient(row) for row in waiting}

    async def _send(self, row: OutboxRow, urgent: bool = False) -> None:
        recipient = _recipient(row)
        platform = self.platforms[row.platform]
        released = False
        URGENT.set(urgent)  # this task's own context: the platform's pacer reads it
        space = (row.platform, row.workspace)
        if urgent:
            slots = self._urgent_slots
        else:
            slots = self._slots.setdefault(space, asyncio.Semaphore(self.concurrency))
        holding: asyncio.Semaphore | None = None
        try:
            await slots.acquire()
            holding = slots
            message = decode(row.payload)
            if row.kind == TargetKind.PRIVATE.value:
                assert row.user_id is not None
                await platform.send_private(row.workspace, row.user_id, message, key=row.key)
            elif row.kind == TargetKind.CHANNEL.value:
                assert row.channel_id is not None
                await platform.post_channel(row.workspace, row.channel_id, message, key=row.key)
            else:
                assert row.user_id is not None
                await platform.reply(
                    row.workspace, row.channel_id, row.user_id, message, key=row.key
                )
            # The slot bounds requests to the platform; settling the row needs none (its
            # status keeps the recipient's next message waiting until it is settled).
            self._release(row, urgent, holding)
            released = True
        except DeliveryRefused as exc:
            log.warning("delivery refused for good (%s); dropped", exc)
            self.metrics.refused.labels(row.platform).inc()
            await self._settle(lambda: self._finish(row))
        except DeliveryDeferred as exc:
            self.metrics.retried.labels(row.platform).inc()
            later = exc.delay
            await self._settle(lambda: self._defer(row, later))
        except Exception:
            log.exception("delivery failed (attempt %d)", row.attempts + 1)
            self.metrics.retried.labels(row.platform).inc()
            delay = min(300.0, 2.0**row.attempts) * (0.5 + random.random())
            await self._settle(lambda: self._defer(row, delay))
        else:
            self.metrics.delivered.labels(row.platform).inc()
            await self._settle(lambda: self._finish(row))
        finally:
            self._busy.discard(recipient)
            if not released:
                self._release(row, urgent, holding)
            self.kick()

    async def _settle(self, write: Callable[[], Awaitable[None]]) -> None:
        """Record a send's outcome, trying again while the database is away (a restart): left
        ``sending`` under this process's lease, the row would wait for the lease to run out.
        The recipient's next message waits for this anyway. At a stop the row stays
        ``sending`` and the next start asks the platform whether it arrived."""
        pause = 0.2
        while True:
            try:
                await write()
                return
            except Exception as error:
                if self._stopping:
                    raise
                log.warning("outbox row not settled (%s); trying again", type(error).__name__)
                await asyncio.sleep(pause)
                pause = min(5.0, pause * 2)

    def _release(self, row: OutboxRow, urgent: bool, slot: asyncio.Semaphore | None) -> None:
        if slot is not None:
            slot.release()
        if urgent:
            self._urgent -= 1
            return
        space = (row.platform, row.workspace)
        self._bulk[space] -= 1
        if self._bulk[space] <= 0:
            del self._bulk[space]

    async def _finish(self, row: OutboxRow) -> None:
        """Delete a sent row; rows finished meanwhile go in the same statement."""
        done = asyncio.get_running_loop().create_future()
        self._finished.append((row.id, done))
        if self._deleter is None or self._deleter.done():
            self._deleter = asyncio.create_task(self._delete_finished(), name="outbox deletes")
        await done

    async def _delete_finished(self) -> None:
        while self._finished:
            batch = self._finished[: self.batch]
            del self._finished[: self.batch]
            try:
                async with self.db.writing() as session:
                    await session.execute(
                        delete(OutboxRow).where(OutboxRow.id.in_([id_ for id_, _ in batch]))
                    )
            except BaseException as error:
                fail((done for _, done in batch), error)
                if not isinstance(error, Exception):
                    raise
                continue
            settle((done for _, done in batch), [None] * len(batch))

    async def _defer(self, row: OutboxRow, delay: float) -> None:
        attempts = row.attempts + 1
        status = "deferred" if attempts < MAX_ATTEMPTS else "failed"
        if status == "failed":
            log.error("delivery %s gave up after %d attempts", row.id, attempts)
        async with self.db.writing() as session:
            await session.execute(
                update(OutboxRow)
                .where(OutboxRow.id == row.id)
                .values(
                    status=status,
                    attempts=attempts,
                    not_before=_now() + dt.timedelta(seconds=delay),
                )
            )

    async def pending(self) -> int:
        async with self.db.sessions() as session:
            count = await session.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.status != "failed")
            )
        self.metrics.outbox.set(count or 0)
        return count or 0

    async def drain(self, timeout: float = 60.0) -> None:
        """Send until the outbox is empty (for tests, the demo and the console)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            claimed = await self.pump()
            if claimed == 0 and not self._tasks:
                if await self.pending() == 0:
                    return
                if loop.time() > deadline:
                    raise TimeoutError("outbox did not drain")
                await asyncio.sleep(0.05)
            elif self._tasks:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError("outbox did not drain")
                await asyncio.wait(
                    set(self._tasks), timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
