"""Conversation references and delivered keys survive a restart, on SQLite and PostgreSQL,
through the real migrations."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.teams.references import CHANNEL, USER, ReferenceStore
from bot.runtime.adapters import migrations
from storage.database import Database
from tests.conftest import (
    drop_postgres_database,
    fresh_postgres_database,
    postgres_url_or_skip,
)
from tests.teams.conftest import TENANT, personal_reference


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    base = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'refs.db'}"
    else:  # a database of our own, dropped afterwards
        base = postgres_url_or_skip()
        url = await fresh_postgres_database(base)
    db = Database(url, migrations=migrations())
    await db.upgrade()
    yield db
    await db.dispose()
    if base is not None:
        await drop_postgres_database(base, url)


async def test_a_reference_is_stored_replaced_and_read_after_a_restart(database: Database) -> None:
    store = ReferenceStore(database)
    first = personal_reference("http://127.0.0.1:1/", "29:bram")
    await store.save(TENANT, USER, "29:bram", first)
    moved = {**first, "serviceUrl": "https://smba.trafficmanager.net/emea/"}
    await store.save(TENANT, USER, "29:bram", moved)
    await store.save(TENANT, CHANNEL, "19:c", {**first, "conversation": {"id": "19:c"}})

    restarted = ReferenceStore(database)  # empty cache
    assert await restarted.get(TENANT, USER, "29:bram") == moved
    assert await restarted.get(TENANT, USER, "29:nobody") is None
    found = await restarted.by_conversation(TENANT, "a:personal-29:bram")
    assert found is not None and found["serviceUrl"] == moved["serviceUrl"]


async def test_delivered_keys_are_kept_a_few_days(database: Database) -> None:
    store = ReferenceStore(database)
    today = dt.date(2026, 3, 2)
    await store.record_delivery("k1", today)
    await store.record_delivery("k1", today)  # a resend after a crash: no error
    assert await store.was_delivered("k1")
    await store.forget_deliveries(today + dt.timedelta(days=2))
    assert await store.was_delivered("k1")
    await store.forget_deliveries(today + dt.timedelta(days=4))
    assert not await store.was_delivered("k1")
