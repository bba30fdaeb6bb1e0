"""The composition root: settings, database, prompts, keys, core and dispatcher in one place."""

from __future__ import annotations

import gc
import logging

from sqlalchemy import select

from bot.core.messages import Incoming
from bot.core.port import Platform
from bot.core.prompts import Catalog
from bot.core.pseudonyms import Keyring, load_or_create_secret
from bot.core.router import Dialoog
from bot.core.summary import Guarded, Synthesizer
from bot.core.templates import Templates
from bot.runtime.adapters import database
from bot.runtime.dispatch import Dispatcher
from bot.runtime.downloads import Downloads
from bot.runtime.preparing import Preparer
from bot.runtime.scheduler import Scheduler
from bot.runtime.writer import Writer
from bot.support.clock import Clock, SystemClock
from bot.support.logsafety import quiet_chatty_loggers
from bot.support.metrics import Metrics
from bot.support.settings import Settings
from storage.database import Database
from storage.models import RoundKeyRow

log = logging.getLogger(__name__)


def freeze_startup_objects() -> None:
    """Move everything loaded at start-up (modules, SQLAlchemy's mappers, prompts, the SDKs)
    into the collector's permanent generation, so that its full passes during a busy round
    scan only what the round creates. Once per process, by ``serve`` (and the benchmarks that
    stand in for it); not per App, as tests create many."""
    gc.collect()
    gc.freeze()


def default_synthesizer(settings: Settings) -> Synthesizer:
    """Offline synthesis; wrapped by the optional LLM when ``DIALOOG_LLM_URL`` is set."""
    from bot.synthesis import synthesizer

    return synthesizer(settings.llm_url, settings.llm_model, settings.llm_api_key)


async def check_secret_fits(db: Database, keyring: Keyring) -> None:
    """Refuse to start when the secret file cannot open the round keys in this database (a
    lost or swapped file): better one clear line now than failures in every round later."""
    async with db.sessions() as session:
        row = await session.scalar(select(RoundKeyRow).limit(1))
    if row is not None:
        keyring.unwrap(row.round_id, row.wrapped)


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
        self.preparer = Preparer(self.platforms, Guarded(synthesizer))
        self.writer = Writer(settings, db, self.core, self.metrics, clock, self.preparer)
        self.scheduler = Scheduler(
            db, self.core, self.dispatcher, clock, self.platforms, self.writer
        )

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
        keyring = Keyring(load_or_create_secret(settings.secret_file))
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
        if not incoming.is_private:
            self.scheduler.changed()

    async def start(self) -> None:
        """Start delivering and keeping time. On SQLite this process must be the only one
        using the database file (:class:`storage.database.AlreadyRunning` otherwise)."""
        self.db.claim_single_process()
        await self.dispatcher.start()
        await self.scheduler.start()

    async def stop(self) -> None:
        await self.scheduler.stop()
        await self.dispatcher.stop()
        await self.db.dispose()
