"""The composition root: settings, database, prompts, keys, core and dispatcher in one place."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from bot.core.messages import Incoming
from bot.core.port import Platform
from bot.core.prompts import Catalog
from bot.core.pseudonyms import Keyring, SecretError, load_or_create_secret
from bot.core.router import Dialoog
from bot.core.summary import Guarded, Summary, SynthesisRequest, Synthesizer
from bot.core.templates import Templates
from bot.core.themes import PREPARED_ACTIONS
from bot.runtime.adapters import database
from bot.runtime.dispatch import Dispatcher
from bot.runtime.downloads import Downloads
from bot.runtime.inbox import Inbox
from bot.runtime.preparing import Preparer
from bot.runtime.scheduler import Scheduler
from bot.runtime.writer import Writer
from bot.support.clock import Clock, SystemClock
from bot.support.logsafety import quiet_chatty_loggers
from bot.support.metrics import Metrics
from bot.support.settings import Settings
from storage.database import Database
from storage.keys import KeyFiles
from storage.models import RoundRow, StageRow

log = logging.getLogger(__name__)
# With several processes on one PostgreSQL database, an inbox row this old belongs to a process
# that died; with SQLite (one process) every row at start does.
INBOX_STALE = dt.timedelta(seconds=60)


def freeze_startup_objects() -> None:
    """Move everything loaded at start-up (modules, SQLAlchemy's mappers, prompts, the SDKs)
    into the collector's permanent generation, so that its full passes during a busy round
    scan only what the round creates. Once per process, by ``serve`` (and the benchmarks that
    stand in for it); not per App, as tests create many."""
    gc.collect()
    gc.freeze()


class OnFirstUse:
    """A synthesizer made when the first summary is asked for, in a worker thread: importing
    scikit-learn and SciPy takes seconds, which a process restarted after a crash should
    spend sending what waits in the outbox, not before it."""

    def __init__(self, make: Callable[[], Synthesizer]) -> None:
        self._make = make
        self._made: Synthesizer | None = None
        self._making = asyncio.Lock()

    async def synthesize(self, request: SynthesisRequest) -> Summary:
        if self._made is None:
            async with self._making:
                if self._made is None:
                    self._made = await asyncio.to_thread(self._make)
        return await self._made.synthesize(request)


def default_synthesizer(settings: Settings) -> Synthesizer:
    """Offline synthesis; wrapped by the optional LLM when ``DIALOOG_LLM_URL`` is set. Both
    are loaded on first use (:class:`OnFirstUse`)."""

    def make() -> Synthesizer:
        from bot.synthesis import synthesizer

        return synthesizer(settings.llm_url, settings.llm_model, settings.llm_api_key)

    return OnFirstUse(make)


async def check_secret_fits(db: Database, keyring: Keyring) -> None:
    """Refuse to start when an open round's key file is missing (a key directory not shared
    by every process, or lost) or the secret file cannot open it (a lost or swapped secret):
    better one clear line now than failures in every round later. Then destroy the key files
    of this database's closed rounds: left by a crash between a close's commit and the file's
    destruction. A file of a round this database does not know is left alone: it may belong
    to another database whose bot shares the directory (``chat`` beside ``serve``)."""
    async with db.sessions() as session:
        rounds = set(await session.scalars(select(RoundRow.id).where(RoundRow.status == "open")))
        # A vote's or feedback stage's key file lives beside the rounds' (bot/core/ballots.py).
        stages = set(await session.scalars(select(StageRow.id).where(StageRow.status == "open")))
    files = keyring.key_files
    open_ids = rounds | stages
    for round_id in sorted(open_ids):
        if files.read(round_id) is None:
            what = "round" if round_id in rounds else "vote or feedback stage"
            raise SecretError(
                f"DIALOOG_KEY_DIR: no key for open {what} {round_id} in {files.directory} "
                "(every process must use the same key directory)"
            )
        keyring.round_key(round_id)
    others = [round_id for round_id in files.round_ids() if round_id not in open_ids]
    if others:
        async with db.sessions() as session:
            closed = set(
                await session.scalars(
                    select(RoundRow.id).where(RoundRow.id.in_(others), RoundRow.status != "open")
                )
            )
            closed |= set(
                await session.scalars(
                    select(StageRow.id).where(StageRow.id.in_(others), StageRow.status != "open")
                )
            )
        for round_id in sorted(closed):
            files.destroy(round_id)
            log.info("key file of closed round %s destroyed", round_id)


LOCAL_URL = "http://127.0.0.1:3978/"  # the server's default address, without DIALOOG_PUBLIC_URL


class App:
    """Everything a running bot needs. Adapters call :meth:`handle` with an ``Incoming``."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        catalog: Catalog,
        templates: Templates,
        keyring: Keyring,
        synthesizer: Synthesizer,
        clock: Clock,
    ) -> None:
        quiet_chatty_loggers()
        self.settings = settings
        self.db = db
        self.catalog = catalog
        self.templates = templates
        self.keyring = keyring
        self.clock = clock
        self.metrics = Metrics()
        self.platforms: dict[str, Platform] = {}
        self.dispatcher = Dispatcher(db, self.platforms, self.metrics)
        # Single-use links to files (a Teams host's export), served under /files/.
        self.downloads = Downloads(
            db,
            keyring.derived_key("downloads"),
            clock,
            settings.public_url or LOCAL_URL,
        )
        self.core = Dialoog(settings, catalog, templates, keyring, clock, self.metrics)
        # Rosters and summaries are fetched before a turn's transaction (bot/core/prepared.py).
        # Guarded: a failing synthesizer still lets a close post the counts and the answers.
        self.preparer = Preparer(self.platforms, Guarded(synthesizer), catalog)
        self.writer = Writer(settings, db, self.core, self.metrics, clock, self.preparer)
        self.scheduler = Scheduler(
            db, self.core, self.dispatcher, clock, self.platforms, self.writer
        )
        self.inbox = Inbox(db)
        self._replayer: asyncio.Task[None] | None = None

    @classmethod
    async def create(
        cls,
        settings: Settings,
        clock: Clock | None = None,
        synthesizer: Synthesizer | None = None,
        migrate: bool = True,
    ) -> App:
        """Load prompts (failing on a broken file), open the database, apply migrations and
        check the secret file opens its round keys. With ``migrate=False`` the caller does
        both later (:meth:`upgrade`)."""
        catalog = Catalog.load(settings.prompts_dir)
        templates = Templates.load(settings.prompts_dir)
        keyring = Keyring(
            load_or_create_secret(settings.secret_file), KeyFiles(settings.round_key_dir)
        )
        db = database(settings)
        try:
            if migrate:
                await db.upgrade()
                await check_secret_fits(db, keyring)
        except BaseException:
            await db.dispose()
            raise
        return cls(
            settings,
            db,
            catalog,
            templates,
            keyring,
            synthesizer or default_synthesizer(settings),
            clock or SystemClock(),
        )

    async def upgrade(self) -> None:
        """Apply migrations and check the secret file fits this database."""
        await self.db.upgrade()
        await check_secret_fits(self.db, self.keyring)

    def add_platform(self, platform: Platform) -> None:
        self.platforms[platform.name] = platform

    async def handle(self, incoming: Incoming) -> None:
        """Apply ``incoming`` and queue its messages in one transaction (:mod:`bot.runtime.writer`),
        then wake the dispatcher (and the timers, for a channel command)."""
        await self.writer.apply(incoming)
        self.dispatcher.kick()
        if not incoming.is_private or incoming.action in PREPARED_ACTIONS:
            self.scheduler.changed()

    async def accept(self, incoming: Incoming) -> Awaitable[None] | None:
        """Make ``incoming`` durable; the adapter acknowledges it only after this returns.

        A private message is applied and committed here (the group commit keeps that fast).
        So is a button press, wherever it is (it may be a vote).
        A channel command, which may first fetch a roster or a synthesis, is recorded in the
        inbox (:mod:`bot.runtime.inbox`) and the work that applies it is returned, for the
        adapter to run after the acknowledgement; a crash in between is replayed at start."""
        if incoming.is_private or incoming.action is not None or not incoming.event_id:
            await self.handle(incoming)  # answers and button presses (votes) never wait
            return None
        await self.inbox.record(incoming)
        return self._apply_recorded(incoming)

    async def _apply_recorded(self, incoming: Incoming) -> None:
        await self.handle(incoming)
        await self.inbox.forget(incoming)

    async def replay(self, older_than: dt.timedelta = dt.timedelta(0)) -> int:
        """Apply the channel commands a crash left in the inbox; how many there were."""
        waiting = await self.inbox.claim(older_than)
        for incoming in waiting:
            try:
                await self._apply_recorded(incoming)
            except Exception:
                log.exception("replaying an acknowledged command failed; tried again at start")
        if waiting:
            log.info("inbox: %d acknowledged commands applied after a restart", len(waiting))
        return len(waiting)

    async def _replay_stale(self) -> None:
        """PostgreSQL: commands left by another process that died, now and then."""
        while True:
            await asyncio.sleep(INBOX_STALE.total_seconds() / 2)
            try:
                await self.replay(INBOX_STALE)
            except Exception:
                log.exception("inbox replay failed")

    async def start(self) -> None:
        """Start delivering and keeping time, after applying what a crash left in the inbox.
        On SQLite this process must be the only one using the database file
        (:class:`storage.database.AlreadyRunning` otherwise)."""
        self.db.claim_single_process()
        await self.dispatcher.start()
        await self.scheduler.start()
        if self.db.is_sqlite:
            await self.replay()
        else:
            await self.replay(INBOX_STALE)
            self._replayer = asyncio.create_task(self._replay_stale(), name="inbox replay")

    async def halt(self) -> None:
        """Stop the timers and the outbox (sends in flight get their grace); called at a
        graceful stop before the adapters close their connections to the platforms."""
        if self._replayer is not None:
            self._replayer.cancel()
            await asyncio.gather(self._replayer, return_exceptions=True)
            self._replayer = None
        await self.scheduler.stop()
        await self.dispatcher.stop()

    async def stop(self) -> None:
        await self.halt()
        await self.db.dispose()
