"""On SQLite the OAuth stores take their turn at writing like the core does.

SQLite calls run on the event loop's thread (``storage.inline_sqlite``), so a store that wrote
while a core transaction held SQLite's lock would wait *on* the loop, and the transaction it
waits for could never finish: a frozen bot for ``busy_timeout`` seconds and a failed install.
Writing through ``Database.writing()`` makes the store wait its turn instead.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from pathlib import Path

from adapters.slack.installations import state_store
from bot.runtime.adapters import migrations
from storage.database import Database
from storage.models import ProcessedEventRow


async def test_an_oauth_state_written_during_a_core_transaction_waits_its_turn(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'turns.db'}", migrations=migrations())
    await db.upgrade()
    store = state_store(db)
    loop = asyncio.get_running_loop()
    ticks: list[float] = []
    holding = asyncio.Event()

    async def core_transaction() -> None:
        async with db.writing() as session:
            session.add(ProcessedEventRow(key="slack:Ev1", day=dt.date(2026, 11, 22)))
            await session.flush()  # SQLite's write lock is now held
            holding.set()
            await asyncio.sleep(0.3)  # e.g. a platform call inside the transaction

    async def ticker() -> None:
        while True:
            ticks.append(loop.time())
            await asyncio.sleep(0.01)

    clock = asyncio.create_task(ticker())
    try:
        core = asyncio.create_task(core_transaction())
        await holding.wait()
        state = await asyncio.wait_for(store.async_issue(), timeout=5)
        await core
        assert await store.async_consume(state)
    finally:
        clock.cancel()
        await db.dispose()
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert max(gaps) < 0.2, f"the event loop stood still for {max(gaps):.2f} s"
