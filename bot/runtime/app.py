"""The composition root: settings, database, prompts, keys, core and dispatcher in one place."""

from __future__ import annotations

import gc
import logging

from sqlalchemy import select

from bot.core.messages import Incoming
from bot.core.port import Platform
from bot.core.prompts import Catalog
from bot.core.pseudonyms import Keyring, SecretError, load_or_create_secret
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
from storage.keys import KeyFiles
from storage.models import RoundRow

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
    """Refuse to start when an open round's key file is missing (a key directory not shared
    by every process, or lost) or the secret file cannot open it (a lost or swapped secret):
    better one clear line now than failures in every round later. Then destroy the key files
    of this database's closed rounds: left by a crash between a close's commit and the file's
    destruction. A file of a round this database does not know is left alone: it may belong
    to another database whose bot shares the directory (``chat`` beside ``serve``)."""
    async with db.sessions() as session:
        open_ids = set(await session.scalars(select(RoundRow.id).where(RoundRow.status == "open")))
    files = keyring.key_files
    for round_id in sorted(open_ids):
        if files.read(round_id) is None:
            raise SecretError(
                f"DIALOOG_KEY_DIR: no key for open round {round_id} in {files.directory} "
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
