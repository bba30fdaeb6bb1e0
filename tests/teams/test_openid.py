"""Bot Framework authentication against a local OpenID endpoint: botbuilder's real token checks,
with the signing keys served on 127.0.0.1 (bot/testing/openid.py), so no test reaches the
Bot Framework's servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.runtime.app import App
from bot.synthesis.offline import OfflineSynthesizer
from bot.testing.openid import FakeOpenId, new_key
from storage.models import OutboxRow
from tests.conftest import make_settings
from tests.teams.conftest import recorded
from tests.teams.test_wiring import serve

APP_ID = "3f1c2b7a-1111-4222-8333-944455556666"


@pytest.fixture
def openid() -> Iterator[FakeOpenId]:
    with FakeOpenId() as fake:
        yield fake


@pytest.fixture
async def secured(tmp_path: Path, openid: FakeOpenId) -> AsyncIterator[tuple[App, str]]:
    settings = make_settings(
        tmp_path, MICROSOFT_APP_ID=APP_ID, MICROSOFT_APP_PASSWORD="not-a-real-secret", **openid.env
    )
    app = await App.create(settings, synthesizer=OfflineSynthesizer())
    runner, url, configured = await serve(app)
    assert configured
    yield app, url
    await runner.cleanup()
    await app.stop()


async def _queued(app: App) -> int:
    async with app.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxRow)) or 0)


async def _post(url: str, activity: dict[str, object], token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=activity, headers=headers) as response:
            return response.status


async def test_a_token_signed_with_the_published_key_is_accepted(
    secured: tuple[App, str], openid: FakeOpenId
) -> None:
    app, url = secured
    activity = recorded("personal_answer_with_mention")
    token = openid.token(APP_ID, str(activity["serviceUrl"]))
    assert await _post(url, activity, token) in (200, 201)
    assert any(path.endswith("/keys") for path in openid.requests)  # the keys came from here
    # Durable before acknowledged: the turn (its reply queued in the outbox) was committed
    # before botbuilder answered Teams. Nothing is sent here (no dispatcher).
    assert await _queued(app) == 1


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param({"key": "other"}, id="another key under the published kid"),
        pytest.param({"aud": "someone-else"}, id="for another app"),
        pytest.param({"serviceurl": "https://elsewhere.example/"}, id="another service url"),
        pytest.param({"exp": 1_000_000_000}, id="expired"),
        pytest.param({"iss": "https://attacker.example"}, id="another issuer"),
    ],
)
async def test_a_token_that_does_not_check_out_changes_nothing(
    secured: tuple[App, str], openid: FakeOpenId, forge: dict[str, object]
) -> None:
    app, url = secured
    activity = recorded("personal_answer_with_mention")
    claims = {**forge, "key": new_key()} if "key" in forge else forge
    token = openid.token(APP_ID, str(activity["serviceUrl"]), **claims)  # type: ignore[arg-type]
    assert await _post(url, activity, token) not in (200, 201)
    assert await _queued(app) == 0
