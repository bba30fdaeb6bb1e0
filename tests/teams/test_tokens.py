"""Forged and broken tokens are refused with 401 and one log line, never a 500 or a traceback,
and an authenticated activity reaches only the service URL its token names, on a Bot Framework
host. The real botbuilder stack checks the tokens against a local OpenID endpoint."""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import pytest
from sqlalchemy import func, select, text

from bot.runtime.app import App
from bot.synthesis.offline import OfflineSynthesizer
from bot.testing.openid import FakeOpenId, new_key
from storage.models import OutboxRow
from tests.conftest import make_settings
from tests.teams.conftest import recorded
from tests.teams.test_closed import Recorder, no_traceback
from tests.teams.test_wiring import serve

APP_ID = "3f1c2b7a-1111-4222-8333-944455556666"
PASSWORD = "not-a-real-secret"


@pytest.fixture
def openid() -> Iterator[FakeOpenId]:
    with FakeOpenId() as fake:
        yield fake


@pytest.fixture
async def admin() -> AsyncIterator[Recorder]:
    recorder = Recorder()
    await recorder.start()
    yield recorder
    await recorder.stop()


async def secured_app(tmp_path: Path, openid: FakeOpenId, **env: object) -> tuple[App, Any, str]:
    settings = make_settings(
        tmp_path, MICROSOFT_APP_ID=APP_ID, MICROSOFT_APP_PASSWORD=PASSWORD, **openid.env, **env
    )
    app = await App.create(settings, synthesizer=OfflineSynthesizer())
    runner, url, configured = await serve(app)
    assert configured  # not started: nothing is delivered (it would go to the internet)
    return app, runner, url


@pytest.fixture
async def secured(tmp_path: Path, openid: FakeOpenId) -> AsyncIterator[tuple[App, str]]:
    app, runner, url = await secured_app(tmp_path, openid)
    yield app, url
    await runner.cleanup()
    await app.stop()


async def post(url: str, activity: dict[str, Any], authorization: str | None) -> int:
    headers = {"Authorization": authorization} if authorization else {}
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=activity, headers=headers) as response:
            return response.status


async def changed(app: App) -> int:
    """Rows the activity could have left: queued messages and conversation references."""
    async with app.db.sessions() as session:
        queued = await session.scalar(select(func.count()).select_from(OutboxRow))
        refs = await session.scalar(text("SELECT count(*) FROM teams_conversation_references"))
    return int(queued or 0) + int(refs or 0)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forged(openid: FakeOpenId, service_url: str, how: str) -> str:
    now = int(time.time())
    claims = {
        "iss": "https://api.botframework.com",
        "aud": APP_ID,
        "serviceurl": service_url,
        "nbf": now - 60,
        "exp": now + 3600,
    }
    if how == "garbage":
        return "Bearer garbage"
    if how == "not bearer":
        return "Basic " + base64.b64encode(b"a:b").decode()
    if how == "alg none":
        return f"Bearer {_b64({'alg': 'none', 'typ': 'JWT', 'kid': openid.kid})}.{_b64(claims)}."
    if how == "hs256 with the app password":
        return "Bearer " + jwt.encode(
            claims, PASSWORD, algorithm="HS256", headers={"kid": openid.kid}
        )
    if how == "unknown key":
        return "Bearer " + openid.token(APP_ID, service_url, key=new_key())
    if how == "unknown kid":
        return "Bearer " + openid.token(APP_ID, service_url, kid="someone-elses-key")
    if how == "expired":
        return "Bearer " + openid.token(APP_ID, service_url, exp=now - 3600, nbf=now - 7200)
    if how == "not yet valid":
        return "Bearer " + openid.token(APP_ID, service_url, nbf=now + 3600, exp=now + 7200)
    if how == "two dots only":
        return "Bearer .."
    raise AssertionError(how)


BAD = [
    "garbage",
    "not bearer",
    "alg none",
    "hs256 with the app password",
    "unknown key",
    "unknown kid",
    "expired",
    "not yet valid",
    "two dots only",
]


@pytest.mark.parametrize("how", BAD)
async def test_a_bad_token_is_401_with_one_log_line(
    secured: tuple[App, str], openid: FakeOpenId, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    caplog.set_level(logging.INFO)
    app, url = secured
    activity = recorded("personal_answer_with_mention")
    assert await post(url, activity, forged(openid, str(activity["serviceUrl"]), how)) == 401
    await app.dispatcher.drain()
    assert await changed(app) == 0
    lines = [r for r in caplog.records if "refused an activity" in r.getMessage()]
    assert len(lines) == 1
    no_traceback(caplog)


async def test_no_token_is_401(secured: tuple[App, str], caplog: pytest.LogCaptureFixture) -> None:
    app, url = secured
    assert await post(url, recorded("channel_mention"), None) == 401
    assert await changed(app) == 0
    no_traceback(caplog)


def aimed_at(url: str) -> dict[str, Any]:
    activity = recorded("personal_answer_with_mention")
    activity["serviceUrl"] = url
    return activity


async def test_a_valid_token_cannot_send_the_bot_elsewhere(
    secured: tuple[App, str],
    openid: FakeOpenId,
    admin: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A real token for the public cloud, with the activity's serviceUrl pointed at an internal
    address; and a token whose own claim names that address (a loopback, not a Bot Framework
    host). Neither is taken, and the internal address hears nothing."""
    caplog.set_level(logging.INFO)
    app, url = secured
    genuine = "Bearer " + openid.token(APP_ID, "https://smba.trafficmanager.net/emea/")
    assert await post(url, aimed_at(admin.url), genuine) == 401
    claimed = "Bearer " + openid.token(APP_ID, admin.url)
    assert await post(url, aimed_at(admin.url), claimed) == 401
    assert "not a known Bot Framework host" in caplog.text
    await app.dispatcher.drain()
    assert await changed(app) == 0
    assert admin.requests == []
    no_traceback(caplog)


async def test_a_sovereign_cloud_lists_its_own_hosts(
    tmp_path: Path, openid: FakeOpenId, caplog: pytest.LogCaptureFixture
) -> None:
    gov = "https://smba.infra.gov.teams.microsoft.us/amer/"
    app, runner, url = await secured_app(
        tmp_path, openid, MICROSOFT_SERVICE_URL_HOSTS="smba.infra.gov.teams.microsoft.us"
    )
    try:
        token = "Bearer " + openid.token(APP_ID, gov)
        assert await post(url, aimed_at(gov), token) == 201
        public = "https://smba.trafficmanager.net/emea/"
        token = "Bearer " + openid.token(APP_ID, public)
        assert await post(url, aimed_at(public), token) == 401  # not this cloud's host
        no_traceback(caplog)
    finally:
        await runner.cleanup()
        await app.stop()
