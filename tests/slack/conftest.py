"""Fixtures: a running fake Slack API and a dialoogbot wired to it, on SQLite and (in CI,
or with DIALOOG_TEST_DATABASE_URL) on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.testing.fake_slack import SPEC_PARTS, FakeSlack
from tests.conftest import (
    drop_postgres_database,
    fresh_postgres_database,
    postgres_url_or_skip,
    shared_data,
)
from tests.slack.world import World


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    spec = shared_data(*SPEC_PARTS)  # Slack's OpenAPI file: skipped beside no shared/, fails in CI
    server = FakeSlack(spec, page_size=3)  # small pages so pagination is exercised
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        return
    base = postgres_url_or_skip()
    url = await fresh_postgres_database(base)
    yield url
    await drop_postgres_database(base, url)


@pytest.fixture
async def world(fake: FakeSlack, tmp_path: Path, database_url: str) -> AsyncIterator[World]:
    w = World(fake, tmp_path, database_url)
    yield w
    await w.shutdown()
