"""The same rounds on PostgreSQL: migrations, a whole round, anonymity, concurrency.

Outside CI these skip without ``DIALOOG_TEST_DATABASE_URL``; with ``CI=true`` they must run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.messages import Incoming
from bot.runtime.app import App
from bot.testing import LocalDriver, LocalPlatform, ManualClock
from storage.models import AnswerRow, RoundRow
from tests.conftest import (
    make_settings,
)
from tests.core.conversation import (
    CHANNEL,
    HEADLINES,
    HOST,
    PEOPLE,
    answer_all,
    publish,
    setup_channel,
)
from tests.core.test_anonymity import answer_texts, dump, identities

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg_local(pg_url: str, tmp_path: Path) -> AsyncIterator[LocalDriver]:
    app = await App.create(make_settings(tmp_path, pg_url), clock=ManualClock())
    platform = LocalPlatform()
    app.add_platform(platform)
    yield LocalDriver(app, platform)
    await app.stop()


async def test_whole_round_on_postgres_keeps_anonymity(pg_local: LocalDriver) -> None:
    assert pg_local.app.db.engine.dialect.name == "postgresql"
    setup_channel(pg_local)
    await pg_local.command(HOST, CHANNEL, 'start --theme "Samen"')
    for n, user in enumerate(PEOPLE, start=1):
        await answer_all(pg_local, user, n)
    rows = await dump(pg_local)
    await pg_local.command(HOST, CHANNEL, "close")
    rows += await dump(pg_local)  # the draft waiting for the host included
    assert any(row.startswith("drafts: ") for row in rows)
    await publish(pg_local)
    rows += await dump(pg_local)
    for row in rows:
        if any(answer in row for answer in answer_texts()):
            assert not [who for who in identities() if who in row], row[:200]
    summary = pg_local.channel(CHANNEL)[-1].fallback
    assert all(headline in summary for headline in HEADLINES)


async def test_restart_on_postgres_goes_on(pg_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, pg_url)
    first = await App.create(settings, clock=ManualClock())
    platform = LocalPlatform()
    first.add_platform(platform)
    local = LocalDriver(first, platform)
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    await local.say("U02BRAM", "knel: Het buurthuis ging dicht.")
    await first.stop()

    second = await App.create(settings, clock=ManualClock())
    platform2 = LocalPlatform()
    second.add_platform(platform2)
    local2 = LocalDriver(second, platform2)
    setup_channel(local2)
    reply = await local2.say("U02BRAM", "Buurt zonder dak")
    assert "Vraag 3 van 4" in reply.fallback
    await second.stop()


async def test_concurrent_answers_and_starts_on_postgres(pg_local: LocalDriver) -> None:
    """Fifty people answer at once; two hosts start at once: every answer stored once, and
    exactly one round."""
    app = pg_local.app
    people = {f"U{i:03d}": f"Persoon {i}" for i in range(50)}
    setup_channel(pg_local, people)
    await asyncio.gather(
        *(
            app.handle(Incoming("local", "local", host, "start", CHANNEL))
            for host in ("U000", "U001")
        )
    )
    await app.dispatcher.drain()
    async with app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(RoundRow)) == 1
    await asyncio.gather(
        *(
            app.handle(
                Incoming("local", "local", user, f"knel: verhaal van {i}", None, event_id=f"Ev{i}")
            )
            for i, user in enumerate(people)
        )
    )
    await asyncio.gather(
        *(
            app.handle(
                Incoming("local", "local", user, f"knel: verhaal van {i}", None, event_id=f"Ev{i}")
            )
            for i, user in enumerate(people)
        )
    )
    await app.dispatcher.drain()
    async with app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AnswerRow)) == 50
    refused = [m.fallback for u in ("U000", "U001") for m in pg_local.inbox(u)]
    assert sum("loopt al een ronde" in text or "tegelijk" in text for text in refused) == 1
