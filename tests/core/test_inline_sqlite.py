"""SQLite calls run on the event loop's thread (``storage.database.InlineSqlite``)."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import event, text

from storage.database import Database


async def test_sqlite_calls_run_on_the_event_loops_thread(tmp_path: Path) -> None:
    """No hand-off to a worker thread per call (see ``storage.database.InlineSqlite``); this
    fails if an aiosqlite upgrade stops routing calls through the method we override."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")
    threads: list[int] = []

    def on_connect(connection: object, _record: object) -> None:
        connection.create_function("where_am_i", 0, lambda: threads.append(threading.get_ident()))  # type: ignore[attr-defined]

    event.listen(db.engine.sync_engine, "connect", on_connect)
    try:
        async with db.engine.connect() as connection:
            await connection.execute(text("SELECT where_am_i()"))
    finally:
        await db.dispose()
    assert threads == [threading.get_ident()]
