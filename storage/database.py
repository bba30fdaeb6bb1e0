"""The database handle, with the one way to write (:meth:`Database.writing`), and
programmatic Alembic upgrades.

The core's migrations live in ``storage/migrations/versions``; each adapter brings its own
folder of revisions and the definition of its tables (:class:`Migrations`), which the runtime
collects from the adapters it discovers. Alembic reads them all as one history
(``version_locations``) and upgrades every branch to its head.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import stat
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy import MetaData, event, make_url, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.inline_sqlite import inline_creator

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
CORE_VERSIONS = MIGRATIONS / "versions"


@dataclass(frozen=True)
class Migrations:
    """Revisions beyond the core's: the folders that hold them and the metadata of the tables
    they create (for the check that the two agree, and for autogenerate)."""

    locations: tuple[Path, ...] = ()
    metadata: tuple[MetaData, ...] = ()


class AlreadyRunning(Exception):
    """Another process already serves this SQLite database file.

    ``str()`` is the one line a person reads: which file, which process, and how to give this
    process a file of its own (a second process is the usual mistake, not a need for PostgreSQL).
    """

    def __init__(self, database: str, pid: int | None) -> None:
        self.database = database
        self.pid = pid
        holder = f"another dialoogbot process (pid {pid})" if pid else "another dialoogbot process"
        super().__init__(
            f"{database} is in use by {holder}; a SQLite file serves one process at a time. "
            "Stop that process, or give this one another file, e.g. "
            "DIALOOG_DATABASE_URL=sqlite+aiosqlite:///other.db"
        )


@dataclass(frozen=True)
class Applied:
    """One migration an upgrade applied: its revision id, the first paragraph of its
    docstring on one line, and the branch labels it belongs to (empty on an unlabelled chain)."""

    revision: str
    message: str
    branches: tuple[str, ...] = ()


def _applied(step: MigrationInfo) -> Applied | None:
    script = step.up_revision
    if not step.is_upgrade or step.is_stamp or script is None:
        return None
    doc = getattr(script, "doc", "") or ""
    return Applied(script.revision, " ".join(doc.split()), tuple(sorted(script.branch_labels)))


def alembic_config(
    url: str, migrations: Migrations | None = None, key_dir: Path | None = None
) -> Config:
    """Alembic's configuration: the core's revisions and those of ``migrations``; ``key_dir``
    is where revision 0003 moves round keys that older versions kept in the database."""
    extra = migrations or Migrations()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    locations = [str(CORE_VERSIONS), *(str(path) for path in extra.locations)]
    config.set_main_option("version_locations", os.pathsep.join(locations))
    config.attributes["metadata"] = extra.metadata
    config.attributes["key_dir"] = key_dir
    return config


def _run_upgrade(
    connection: Connection,
    url: str,
    revision: str,
    migrations: Migrations | None,
    key_dir: Path | None = None,
) -> list[Applied]:
    applied: list[Applied] = []

    def record(*, step: MigrationInfo, **_: Any) -> None:
        found = _applied(step)
        if found is not None:
            applied.append(found)

    if key_dir is None and _round_keys_waiting(connection):
        # Refused before anything runs: on SQLite a failed DDL step is not rolled back, so
        # failing half-way in 0004 would leave the revisions before it half applied.
        raise RuntimeError(
            "round keys must move to a key directory: upgrade with `dialoogbot db upgrade` "
            "(DIALOOG_KEY_DIR, default beside DIALOOG_SECRET_FILE)"
        )
    config = alembic_config(url, migrations, key_dir)
    config.attributes["connection"] = connection
    config.attributes["on_version_apply"] = record
    command.upgrade(config, revision)
    return applied


def _round_keys_waiting(connection: Connection) -> bool:
    """Whether a database from before 0004 still holds round keys in its ``round_keys``
    table (migration 0004 moves them to files, so it needs a key directory)."""
    if "round_keys" not in sa_inspect(connection).get_table_names():
        return False
    return connection.execute(text("SELECT 1 FROM round_keys LIMIT 1")).first() is not None


def _current_revisions(connection: Connection) -> tuple[str, ...]:
    return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))


async def upgrade(
    engine: AsyncEngine,
    migrations: Migrations | None = None,
    revision: str = "heads",
    key_dir: Path | None = None,
) -> list[Applied]:
    """Apply migrations (the core's and ``migrations``) up to ``revision``, every branch's
    head by default; return those applied, in the order they ran."""
    url = engine.url.render_as_string(hide_password=False)
    async with engine.begin() as connection:
        return await connection.run_sync(_run_upgrade, url, revision, migrations, key_dir)


async def current_revisions(engine: AsyncEngine) -> tuple[str, ...]:
    """The revisions the database is at (one per migration branch; empty before the first)."""
    async with engine.connect() as connection:
        return await connection.run_sync(_current_revisions)


def erases(session: AsyncSession) -> None:
    """Mark the transaction of ``session`` as one that erases what must not linger (answers
    erased by *forget me*, replaced answers): once it commits, SQLite's WAL is checkpointed
    and truncated, so the old pages are gone from the WAL too (``secure_delete`` already
    zeroes them in the main file)."""
    session.info[_ERASES] = True


def after_commit(session: AsyncSession, action: Callable[[], object]) -> None:
    """Run ``action`` once the transaction of ``session`` has committed (never if it rolls
    back): for what must not happen unless the change is durable, like destroying a closed
    round's key file."""
    session.info.setdefault(_AFTER_COMMIT, []).append(action)


def after_rollback(session: AsyncSession, action: Callable[[], object]) -> None:
    """Run ``action`` if the transaction of ``session`` rolls back: to undo what was done
    outside the database for it, like writing a new round's key file."""
    session.info.setdefault(_AFTER_ROLLBACK, []).append(action)


_ERASES = "dialoogbot.erases"
_AFTER_COMMIT = "dialoogbot.after_commit"
_AFTER_ROLLBACK = "dialoogbot.after_rollback"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros, not merely unlinked: an answer erased by
    # *forget me* leaves no bytes in the main file (the WAL is truncated after such commits).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL with synchronous=NORMAL survives a process crash (the case we promise); only a power
    # loss may drop the last commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    # The driver's own transaction handling leaves SAVEPOINT unusable (the first one would
    # start, and its release commit, the transaction); SQLAlchemy emits BEGIN instead.
    dbapi_connection.isolation_level = None


def _private_sqlite_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600), or make an existing one so.
    SQLite gives the -wal, -shm and -journal files the database file's permissions."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    except OSError:
        return  # SQLite says what is wrong when it opens the file
    for companion in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm"))):
        if companion.exists() and stat.S_IMODE(companion.stat().st_mode) & 0o077:
            companion.chmod(0o600)


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


class Database:
    """An async engine plus a session factory; SQLite gets WAL and foreign keys.

    Every write in the process, the adapters' included, goes through :meth:`writing`."""

    def __init__(
        self,
        url: str,
        echo: bool = False,
        migrations: Migrations | None = None,
        key_dir: Path | None = None,
    ) -> None:
        self.url = url
        self.migrations = migrations or Migrations()
        self.key_dir = key_dir
        self.is_sqlite = url.startswith("sqlite")
        # hide_parameters: a database error's text (logged with its traceback) would quote
        # the statement's values, answers and pseudonyms among them.
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        database = make_url(url).database if self.is_sqlite else None
        if database and database != ":memory:" and not database.startswith("file:"):
            _private_sqlite_file(Path(database))
            kwargs["async_creator"] = inline_creator(database)
        if not self.is_sqlite:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite allows one writer at a time: this process's writers take turns (writing()).
        self._write_turn = asyncio.Lock() if self.is_sqlite else None
        self._writer: asyncio.Task[Any] | None = None
        self._process_lock: int | None = None
        self._checkpoint_owed = False

    def claim_single_process(self) -> None:
        """SQLite: take an exclusive lock on ``<database>.lock`` for this process's lifetime.

        One process per SQLite file is the supported setup (timers and delivery recovery
        assume it); a second one raises :class:`AlreadyRunning`. The operating system drops
        the lock when the process ends, also on SIGKILL. PostgreSQL needs no such lock.
        """
        if not self.is_sqlite or self._process_lock is not None:
            return
        database = self.engine.url.database
        if not database or database == ":memory:":
            return
        path = Path(database).resolve().with_name(Path(database).name + ".lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            raise AlreadyRunning(database, int(holder) if holder.isdigit() else None) from None
        # The holder's pid, so that a second process can say which one to stop.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._process_lock = fd

    def release_single_process(self) -> None:
        if self._process_lock is not None:
            os.close(self._process_lock)
            self._process_lock = None

    @property
    def where(self) -> str:
        """The database as a person knows it: a SQLite file's path, else the URL without its
        password."""
        url = make_url(self.url)
        if self.is_sqlite and url.database:
            return url.database
        return url.render_as_string(hide_password=True)

    async def upgrade(self) -> list[Applied]:
        applied = await upgrade(self.engine, self.migrations, key_dir=self.key_dir)
        if applied:
            # A revision may have dropped what must not linger (0003: the round keys).
            await self.checkpoint()
        return applied

    async def current_revisions(self) -> tuple[str, ...]:
        return await current_revisions(self.engine)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """The one way to write: a session in a transaction, committed on success and rolled
        back on error.

        On SQLite this process's writers take turns first, so none ever waits on SQLite's own
        lock: SQLite calls run on the event loop's thread (:mod:`storage.inline_sqlite`), and
        such a wait would stall the loop, and with it the writer it waits for. Reads need no
        turn (:attr:`sessions`, :attr:`engine`). Writing is not nested: a task already writing
        that asks again gets a ``RuntimeError`` rather than waiting for itself.
        """
        if self._write_turn is None:
            async with self._transaction() as session:
                yield session
            return
        task = asyncio.current_task()
        if task is not None and self._writer is task:
            raise RuntimeError("Database.writing() inside writing() in the same task")
        async with self._write_turn:
            self._writer = task
            try:
                async with self._transaction() as session:
                    yield session
            finally:
                self._writer = None

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        """One transaction: rolled back on error, then the actions registered for its
        outcome; a commit that erased something checkpoints SQLite's WAL first (a no-op on
        PostgreSQL, see :meth:`checkpoint`)."""
        async with self.sessions() as session:
            try:
                async with session.begin():
                    yield session
            except BaseException:
                self._run(session, _AFTER_ROLLBACK)
                raise
            if session.info.get(_ERASES) or self._checkpoint_owed:
                await self.checkpoint()
            self._run(session, _AFTER_COMMIT)

    @staticmethod
    def _run(session: AsyncSession, which: str) -> None:
        """The actions registered for ``which`` (after commit, after rollback); the others
        are dropped."""
        actions = session.info.pop(which, [])
        session.info.pop(_AFTER_COMMIT, None)
        session.info.pop(_AFTER_ROLLBACK, None)
        for action in actions:
            try:
                action()
            except Exception:
                # The transaction's outcome stands; a key file left over is swept at start.
                log.exception("an action after the transaction failed")

    async def checkpoint(self) -> bool:
        """SQLite: copy the WAL into the main file and truncate it to nothing, so that no
        erased page remains in it. Never waits: while a reader still needs the WAL it reports
        False and the next write tries again. PostgreSQL: nothing to do here (True)."""
        if not self.is_sqlite:
            return True
        async with self.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            await driver.execute("PRAGMA busy_timeout=0")
            try:
                cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                row = await cursor.fetchone()
            finally:
                await driver.execute("PRAGMA busy_timeout=10000")
        done = row is not None and row[0] == 0
        self._checkpoint_owed = not done
        return done

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()
        self.release_single_process()
