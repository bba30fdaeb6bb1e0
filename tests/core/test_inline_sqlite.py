"""SQLite calls run on the event loop's thread (``storage.inline_sqlite``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError

from storage.database import Database
from storage.models import ProcessedEventRow


async def test_sqlite_calls_run_on_the_event_loops_thread(tmp_path: Path) -> None:
    """No hand-off to a worker thread per call (see ``storage.inline_sqlite``); this
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


async def test_a_database_error_does_not_quote_the_values_it_failed_on(tmp_path: Path) -> None:
    """Errors are logged with their traceback; their text must not carry answers (§4)."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'quiet.db'}")
    await db.upgrade()
    try:
        for _ in range(2):
            async with db.writing() as session:
                session.add(ProcessedEventRow(key="slack:Ev-Anna-de-Vries", day=dt.date.today()))
    except IntegrityError as error:
        assert "Ev-Anna-de-Vries" not in str(error)
        assert "UNIQUE" in str(error)
    else:
        raise AssertionError("the second insert should have failed")
    finally:
        await db.dispose()


async def test_writers_take_turns_and_a_writer_cannot_wait_for_itself(tmp_path: Path) -> None:
    """On SQLite ``Database.writing()`` lets one writer in at a time; asking again from inside
    is an error at once, not a wait that never ends."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}")
    await db.upgrade()
    order: list[str] = []

    async def write(name: str) -> None:
        async with db.writing() as session:
            order.append(f"{name} in")
            session.add(ProcessedEventRow(key=f"slack:{name}", day=dt.date.today()))
            await asyncio.sleep(0.01)
            order.append(f"{name} out")

    try:
        await asyncio.gather(write("a"), write("b"))
        async with db.writing():
            with pytest.raises(RuntimeError):
                async with db.writing():
                    pass
    finally:
        await db.dispose()
    assert order == ["a in", "a out", "b in", "b out"]
