"""Teams test fixtures: recorded activities, a fake Bot Framework connector on 127.0.0.1, a
reference store on a real (SQLite) database, and a platform whose waits are recorded instead
of slept."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.mount import build_adapter
from adapters.teams.pacing import Backoff, Pacer
from adapters.teams.platform import TeamsPlatform
from adapters.teams.references import USER, ReferenceStore
from bot.core.prompts import Catalog
from bot.runtime.adapters import migrations
from bot.testing.fake_connector import FakeConnector
from storage.database import Database
from tests.clocks import ManualMonotonic

ACTIVITIES = Path(__file__).parent / "activities"
TENANT = "tenant-gemeente"
BOT = {"id": "28:bot-app-id", "name": "dialoogbot"}


def recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ACTIVITIES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def personal_reference(service_url: str, user_id: str) -> dict[str, Any]:
    return {
        "bot": BOT,
        "user": {"id": user_id},
        "conversation": {
            "id": f"a:personal-{user_id}",
            "conversationType": "personal",
            "tenantId": TENANT,
        },
        "channelId": "msteams",
        "serviceUrl": service_url,
    }


class Sleeps:
    """Stands in for ``asyncio.sleep`` in retry paths: records the waits, returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def catalog() -> Catalog:
    return Catalog.load()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[ReferenceStore]:
    # The tables as production gets them: through the migrations, not from the metadata.
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'teams.db'}", migrations=migrations())
    await db.upgrade()
    yield ReferenceStore(db)
    await db.dispose()


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def pacer_time() -> ManualMonotonic:
    return ManualMonotonic()


@pytest.fixture
def platform(
    store: ReferenceStore, catalog: Catalog, sleeps: Sleeps, pacer_time: ManualMonotonic
) -> TeamsPlatform:
    return TeamsPlatform(
        build_adapter(None),
        store,
        catalog,
        lang="nl",
        pacer=Pacer(clock=pacer_time.clock, sleep=pacer_time.sleep),
        backoff=Backoff(attempts=4),
        sleep=sleeps,
    )


async def add_people(store: ReferenceStore, service_url: str, *user_ids: str) -> None:
    await store.save_many([(TENANT, USER, u, personal_reference(service_url, u)) for u in user_ids])
