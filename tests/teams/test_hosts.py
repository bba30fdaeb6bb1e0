"""DIALOOG_HOSTS=channel-managers on Teams: the team's owners (``userRole`` owner in the team
roster, asked through botbuilder's TeamsInfo against the fake connector) may start rounds; a
plain member gets the refusal in their personal chat and nothing is posted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

import adapters.teams.mount as teams
from bot.runtime.app import App
from bot.synthesis.offline import OfflineSynthesizer
from bot.testing.fake_connector import FakeConnector
from tests.conftest import make_settings
from tests.teams.teams_round import card_text
from tests.teams.test_round_fake_connector import CHANNEL, PEOPLE, Bot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    members = [
        {"id": u, "name": n, "userRole": "owner" if u == "29:chloe" else "user"}
        for u, n in PEOPLE.items()
    ]
    connector = FakeConnector(members=members)
    await connector.start()
    settings = make_settings(
        tmp_path, DIALOOG_TEAMS_PLAYGROUND=True, DIALOOG_HOSTS="channel-managers"
    )
    app = await App.create(settings, synthesizer=OfflineSynthesizer())
    web_app = web.Application()
    await teams.setup(app, web_app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    driver = Bot(app, f"http://{host}:{port}{teams.ROUTE}", connector)
    yield driver
    await driver.session.close()
    await runner.cleanup()
    await app.stop()
    await connector.stop()


async def test_only_team_owners_start_rounds(bot: Bot) -> None:
    assert await bot.in_channel("29:anna", 'start --theme "Samen"') in (200, 201)
    assert "beheerders van het kanaal" in card_text(bot.inbox("29:anna")[-1])
    assert bot.chat(CHANNEL) == []
    assert await bot.in_channel("29:chloe", 'start --theme "Samen"') in (200, 201)
    assert len(bot.chat(CHANNEL)) == 1
