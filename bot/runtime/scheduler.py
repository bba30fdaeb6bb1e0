"""Timers: deadlines, paced phase changes, reminders and weekly digests, each fired once.

The database is the source of truth (:mod:`bot.runtime.schedules` derives the jobs from it);
APScheduler only provides the wake-ups. A due job runs like a person's command, as a turn in
one transaction that also records the job in ``fired_jobs`` and queues its messages in the
outbox. So:

- a crash before the commit leaves nothing: the job is still owed and runs after the restart
  (late, once); a crash after it leaves the fired row, so it never runs again, and the
  outbox delivers its messages once;
- with several processes on PostgreSQL, ``pg_try_advisory_xact_lock`` lets one process at a
  time into a job and the ``fired_jobs`` primary key refuses a second run;
- every "is it due" decision asks the injected :class:`~bot.support.clock.Clock`, so tests move a
  manual clock and call :meth:`Scheduler.run_due` instead of sleeping.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import Mapping

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.router import Dialoog
from bot.runtime.dispatch import Dispatcher
from bot.runtime.schedules import Job, coalesce, planned_jobs, round_jobs
from bot.runtime.writer import Writer
from bot.support.clock import Clock
from storage.database import Database
from storage.models import FiredJobRow, RoundRow

log = logging.getLogger(__name__)
POLL_SECONDS = 30.0
MAX_BACKOFF = dt.timedelta(hours=1)


def lock_key(job_key: str) -> int:
    """A signed 64-bit advisory-lock number for ``job_key``."""
    return int.from_bytes(hashlib.sha256(job_key.encode()).digest()[:8], "big", signed=True)


class Scheduler:
    """Runs due jobs; keeps one APScheduler wake-up per upcoming job plus a slow poll (which
    also notices jobs another process created)."""

    def __init__(
        self,
        db: Database,
        core: Dialoog,
        dispatcher: Dispatcher,
        clock: Clock,
        platforms: Mapping[str, object],
        writer: Writer,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.writer = writer
        self.db = db
        self.platforms = platforms
        self.core = core
        self.dispatcher = dispatcher
        self.clock = clock
        self.poll_seconds = poll_seconds
        self._aps: AsyncIOScheduler | None = None
        self._armed: dict[str, dt.datetime] = {}
        self._tick_lock = asyncio.Lock()
        self._runner: asyncio.Task[None] | None = None
        self._again = False
        self._stopped = False
        # Jobs that failed (a platform down): not retried before this moment. Only pacing;
        # whether a job is owed is always read from the database.
        self._failures: dict[str, tuple[int, dt.datetime]] = {}

    def _phase_counts(self) -> dict[str, int]:
        templates = self.core.templates
        return {name: len(t.phases) for name in templates.names() if (t := templates.get(name))}

    async def planned(self) -> list[Job]:
        async with self.db.sessions() as session:
            return await planned_jobs(session, self.clock.now(), self._phase_counts())

    async def run_due(self) -> list[str]:
        """Fire every job that is due by the clock and not fired yet; returns their keys."""
        now = self.clock.now()
        fired = []
        for job in coalesce(await self.planned(), now):
            if job.platform not in self.platforms:
                continue  # not connected here: another process (or a later start) fires it
            failed = self._failures.get(job.key)
            if failed is not None and failed[1] > now:
                continue
            if await self._run(job, now):
                fired.append(job.key)
        if fired:
            self.dispatcher.kick()
        return fired

    async def _run(self, job: Job, now: dt.datetime) -> bool:
        """Fire ``job`` through the writer, as the core's turn for the job's ``Incoming``."""
        try:
            fired = await self.writer.apply_timer(
                job.incoming(), lambda session: self._claim(session, job, now)
            )
        except IntegrityError:
            log.info("job %s was fired by another process", job.key)
            return False
        except Exception:
            # Rolled back: the job is still owed; try again later, backing off.
            count = self._failures.get(job.key, (0, now))[0] + 1
            delay = min(dt.timedelta(seconds=self.poll_seconds * 2 ** (count - 1)), MAX_BACKOFF)
            self._failures[job.key] = (count, now + delay)
            log.exception("job %s failed (%d times); next try after %s", job.key, count, delay)
            return False
        if not fired:
            return False
        self._failures.pop(job.key, None)
        log.info("job %s fired (due %s)", job.key, job.due.isoformat())
        return True

    async def _claim(self, session: AsyncSession, job: Job, now: dt.datetime) -> bool:
        """In the job's transaction: take it (False when another process has it or had it)
        and record it as fired, with the earlier reminder slots it settles."""
        if not self.db.is_sqlite:
            locked = await session.scalar(select(func.pg_try_advisory_xact_lock(lock_key(job.key))))
            if not locked:
                return False  # another process is running it right now
        if await session.get(FiredJobRow, job.key) is not None:
            return False
        session.add(FiredJobRow(key=job.key, day=now.date()))
        if job.kind == "remind":
            # Earlier slots missed during downtime are settled by this one.
            row = await session.get(RoundRow, job.ref)
            if row is not None:
                for earlier in round_jobs(row, self._phase_counts().get(row.template, 1)):
                    if earlier.kind == "remind" and earlier.due < job.due:
                        if await session.get(FiredJobRow, earlier.key) is None:
                            session.add(FiredJobRow(key=earlier.key, day=now.date()))
        await session.flush()
        return True

    # --- wake-ups -------------------------------------------------------------------------

    async def start(self) -> None:
        """Fire what is owed (also what fell due while the bot was down), then keep time."""
        self._stopped = False
        self._aps = AsyncIOScheduler(
            timezone=dt.UTC,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        self._aps.add_job(
            self._wake, IntervalTrigger(seconds=self.poll_seconds), id="poll", name="poll"
        )
        self._aps.start()
        # The first tick in the background: a slow platform in an overdue job must not hold up
        # the start of the server.
        self.changed()

    async def stop(self) -> None:
        """Stop waking up; a tick under way finishes first (its jobs commit or roll back)."""
        self._stopped = True
        if self._aps is not None:
            # APScheduler's shutdown cancels wake-ups it handed out that have not run yet and
            # logs each as a failed job with a traceback. Stop new ones, let those run (each
            # only nudges our runner, which now sees _stopped), then shut down.
            self._aps.pause()
            await asyncio.sleep(0)
            self._aps.shutdown(wait=False)
            self._aps = None
        if self._runner is not None:
            await asyncio.gather(self._runner, return_exceptions=True)
        async with self._tick_lock:
            self._armed.clear()

    async def _wake(self) -> None:
        """What APScheduler calls. The tick runs in our own task: APScheduler's shutdown
        cancels the coroutines it runs, and a tick should finish (or not start)."""
        self.changed()

    async def tick(self) -> None:
        """Run what is due, then arm a wake-up for each upcoming job."""
        async with self._tick_lock:
            if self._stopped:
                return
            try:
                await self.run_due()
                await self.rebuild()
            except Exception:
                log.exception("scheduler tick failed")

    def changed(self) -> None:
        """Something that may have a timer changed (a command), or a wake-up: tick soon.
        Calls during a tick make one more tick after it, never a pile of them."""
        if self._aps is None or self._stopped:
            return
        self._again = True
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._ticks(), name="scheduler")

    async def _ticks(self) -> None:
        while self._again and not self._stopped:
            self._again = False
            await self.tick()

    async def rebuild(self) -> None:
        """Arm one date trigger per upcoming job, from the database; drop stale ones."""
        if self._aps is None:
            return
        now = self.clock.now()
        wanted = {job.key: job.due for job in await self.planned() if job.due > now}
        for key in list(self._armed):
            if key not in wanted:
                del self._armed[key]
                if self._aps.get_job(key) is not None:
                    self._aps.remove_job(key)
        for key, due in wanted.items():
            if self._armed.get(key) == due:
                continue
            self._armed[key] = due
            self._aps.add_job(
                self._wake, DateTrigger(run_date=due), id=key, name=key, replace_existing=True
            )
