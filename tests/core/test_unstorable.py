"""Text a database cannot store (NUL bytes, lone surrogates) gets a clear private reply, "dit
teken kan ik niet opslaan", and changes nothing, on SQLite and PostgreSQL alike; durations and
deadlines beyond their bound get a clear reply before they reach the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.storable import storable
from bot.runtime.app import App
from bot.testing import LocalDriver, LocalPlatform, ManualClock
from tests.conftest import (
    drop_postgres_database,
    fresh_postgres_database,
    make_settings,
    postgres_url_or_skip,
)
from tests.core.conversation import CHANNEL, HOST, setup_channel, story
from tests.core.test_bad_input import snapshot

UNSTORABLE = ["nul\x00byte", "\x00", "los \ud800 stuk", "\udfff", "emoji \ud83d zonder helft"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def driver(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[LocalDriver]:
    url = None
    base = None
    if request.param == "postgres":
        base = postgres_url_or_skip()
        url = await fresh_postgres_database(base)
    app = await App.create(make_settings(tmp_path, url), clock=ManualClock())
    platform = LocalPlatform()
    app.add_platform(platform)
    yield LocalDriver(app, platform)
    await app.stop()
    if base is not None and url is not None:
        await drop_postgres_database(base, url)


@pytest.mark.parametrize("text", UNSTORABLE)
async def test_an_answer_no_database_stores_gets_a_clear_reply(
    driver: LocalDriver, text: str
) -> None:
    setup_channel(driver)
    await driver.command(HOST, CHANNEL, 'start --theme "Samen"')
    await driver.say("U02BRAM", "knel")
    before = await snapshot(driver)
    reply = await driver.say("U02BRAM", text)
    assert "Dit teken kan ik niet opslaan" in reply.fallback
    assert await snapshot(driver) == before
    # and the person goes on as before
    await driver.say("U02BRAM", story(1))
    assert await snapshot(driver) != before


@pytest.mark.parametrize("text", UNSTORABLE)
async def test_a_command_no_database_stores_gets_a_clear_reply(
    driver: LocalDriver, text: str
) -> None:
    setup_channel(driver)
    before = await snapshot(driver)
    reply = await driver.command(HOST, CHANNEL, f'start --theme "{text}"')
    assert "Dit teken kan ik niet opslaan" in reply.fallback
    assert await snapshot(driver) == before
    assert driver.channel(CHANNEL) == []


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("start --paced --phase-length 9999w", "hoogstens 366 dagen"),
        ("start --paced --phase-length 367d", "hoogstens 366 dagen"),
        ("start --paced --phase-length 9999h", "hoogstens 366 dagen"),
        ("start --deadline 9999w", "te ver weg"),
        ("start --paced --deadline 9999w", "te ver weg"),
        ("start --deadline 9999-12-31", "te ver weg"),
        ("start --deadline 30d --remind 9999w", "hoogstens 366 dagen"),
    ],
)
async def test_durations_beyond_their_bound_get_a_clear_reply(
    driver: LocalDriver, words: str, expected: str
) -> None:
    setup_channel(driver)
    before = await snapshot(driver)
    reply = await driver.command(HOST, CHANNEL, words)
    assert expected in reply.fallback
    assert await snapshot(driver) == before


async def test_the_longest_phase_allowed_is_stored(driver: LocalDriver) -> None:
    setup_channel(driver)
    await driver.command(HOST, CHANNEL, "start --paced --phase-length 52w")
    assert len(driver.channel(CHANNEL)) == 1


@given(st.text())
def test_storable_is_exactly_what_postgresql_and_utf8_take(text: str) -> None:
    try:
        text.encode("utf-8")
        encodable = True
    except UnicodeEncodeError:
        encodable = False
    assert storable(text) == (encodable and "\x00" not in text)
