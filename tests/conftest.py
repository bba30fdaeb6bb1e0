"""Shared fixtures: a real database (SQLite file, or PostgreSQL when asked), the local
adapter, and a manual clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.runtime.app import App
from bot.support.settings import Settings, load_settings
from bot.testing import LocalDriver, LocalPlatform, ManualClock

POSTGRES_URL = os.environ.get("DIALOOG_TEST_DATABASE_URL")
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A file of the public test data in ``../shared/data``. A checkout that does not sit
    beside ``shared/`` skips the test with the reason; in CI (CI=true) that is a failure."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        message = f"shared data not found at {path} (the checkout must sit beside shared/)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def postgres_url_or_skip() -> str:
    """The PostgreSQL test URL; in CI (CI=true) its absence is a failure, not a skip."""
    if POSTGRES_URL:
        return POSTGRES_URL
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but DIALOOG_TEST_DATABASE_URL is not set")
    pytest.skip("PostgreSQL tests need DIALOOG_TEST_DATABASE_URL (set in CI)")


async def fresh_postgres_database(base_url: str) -> str:
    """A URL to a new, empty database on the test server, so tests do not share rows."""
    name = "dialoog_" + uuid.uuid4().hex[:12]
    engine = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return base_url.rsplit("/", 1)[0] + "/" + name


async def drop_postgres_database(base_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    engine = create_async_engine(base_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test (skipped or failed as above)."""
    base = postgres_url_or_skip()
    url = await fresh_postgres_database(base)
    yield url
    await drop_postgres_database(base, url)


def make_settings(tmp_path: Path, database_url: str | None = None, **extra: object) -> Settings:
    values: dict[str, object] = {
        "DIALOOG_DATABASE_URL": database_url or f"sqlite+aiosqlite:///{tmp_path / 'test.db'}",
        "DIALOOG_SECRET_FILE": tmp_path / "test.secret",
        "DIALOOG_LANGUAGE": "nl",
        "DIALOOG_MIN_RESPONDENTS": 3,
    }
    values.update(extra)
    return load_settings(**values)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def local(
    settings: Settings, clock: ManualClock, tmp_path: Path
) -> AsyncIterator[LocalDriver]:
    app = await App.create(settings, clock=clock)
    platform = LocalPlatform(files=tmp_path / "files")  # exports land in the test's folder
    app.add_platform(platform)
    yield LocalDriver(app, platform)
    await app.stop()
