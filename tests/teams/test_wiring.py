"""/api/messages: Bot Framework authentication is enforced when an app id is configured."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

import adapters.teams.mount as teams
from bot.runtime.app import App
from bot.support.settings import SettingsError
from bot.synthesis.offline import OfflineSynthesizer
from tests.conftest import make_settings
from tests.teams.conftest import recorded


async def serve(app: App) -> tuple[web.AppRunner, str, bool]:
    web_app = web.Application()
    configured = await teams.setup(app, web_app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}{teams.ROUTE}", configured


@pytest.fixture
async def secured(tmp_path: Path) -> AsyncIterator[tuple[App, str, bool]]:
    settings = make_settings(
        tmp_path,
        MICROSOFT_APP_ID="3f1c2b7a-1111-4222-8333-944455556666",
        MICROSOFT_APP_PASSWORD="not-a-real-secret",
    )
    app = await App.create(settings, synthesizer=OfflineSynthesizer())
    runner, url, configured = await serve(app)
    yield app, url, configured
    await runner.cleanup()
    await app.stop()


async def test_with_an_app_id_an_unsigned_activity_is_refused(
    secured: tuple[App, str, bool],
) -> None:
    app, url, configured = secured
    assert configured
    assert "teams" in app.platforms
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=recorded("channel_mention")) as response:
            assert response.status == 401


async def test_without_an_app_id_teams_is_closed_and_not_a_platform(tmp_path: Path) -> None:
    app = await App.create(make_settings(tmp_path), synthesizer=OfflineSynthesizer())
    runner, url, configured = await serve(app)
    try:
        assert not configured
        assert "teams" not in app.platforms  # nothing is ever sent to Teams
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=recorded("channel_mention")) as response:
                assert response.status == 401
    finally:
        await runner.cleanup()
        await app.stop()


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({}, "MICROSOFT_APP_PASSWORD: needed with MICROSOFT_APP_ID"),
        (
            {"MICROSOFT_APP_PASSWORD": "x", "MICROSOFT_APP_TYPE": "SingleTenant"},
            "MICROSOFT_APP_TENANT_ID: needed for a SingleTenant bot",
        ),
        ({"MICROSOFT_APP_PASSWORD": "x", "MICROSOFT_APP_TYPE": "Other"}, "MICROSOFT_APP_TYPE"),
    ],
)
def test_incomplete_credentials_are_one_clear_line(
    tmp_path: Path, extra: dict[str, str], problem: str
) -> None:
    settings = make_settings(tmp_path, MICROSOFT_APP_ID="3f1c2b7a", **extra)
    with pytest.raises(SettingsError) as caught:
        teams.check_credentials(settings)
    assert str(caught.value).startswith(problem)
