"""SQLite calls on the event loop's own thread: an optimisation behind :meth:`Database.writing`.

aiosqlite hands every call to a worker thread and back; SQLAlchemy makes about three such
calls per statement. A call to SQLite itself takes microseconds (WAL, page cache, no fsync per
commit), but under load each hand-off back waits for a whole turn of a busy event loop, and a
transaction of a dozen statements took half a second. Run inline, a transaction of statements
never yields to the loop at all.

What could make a call wait long is another writer holding SQLite's lock. That cannot happen
here because every write in the process goes through :meth:`storage.database.Database.writing`,
which lets one writer at a time in, and only one process serves a SQLite file
(:meth:`~storage.database.Database.claim_single_process`).

This is the one module that touches aiosqlite's private parts (``_execute``, ``_thread``);
``tests/core/test_inline_sqlite.py`` fails if an upgrade of aiosqlite stops routing calls
through ``_execute``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite


class InlineSqlite(aiosqlite.Connection):
    """aiosqlite, with each call run at once on the event loop's own thread.

    The worker thread remains for opening and closing the connection; ``_execute`` is the one
    method aiosqlite routes every other call through.
    """

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def inline_creator(path: str) -> Callable[[], Awaitable[InlineSqlite]]:
    """An ``async_creator`` for SQLAlchemy: connections to the SQLite file at ``path``."""

    def connect() -> sqlite3.Connection:
        # The connection is opened on aiosqlite's thread and then used on the loop's.
        return sqlite3.connect(path, check_same_thread=False)

    async def create() -> InlineSqlite:
        connection = InlineSqlite(connect, iter_chunk_size=64)
        connection._thread.daemon = True
        await connection
        return connection

    return create
