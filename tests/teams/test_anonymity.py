"""Issue 13 on Teams, through botbuilder and the fake Bot Framework connector: the channel
keeps Dutch words that are also members' names and loses the names (a non-member's too), the
author hears privately which markers quotes will show, and after ``vergeet mij`` nobody
contacts that person again nor does the host's status show that someone left."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

import adapters.teams.mount as teams
from bot.runtime.app import App
from bot.synthesis.offline import OfflineSynthesizer
from bot.testing.fake_connector import FakeConnector
from tests.conftest import make_settings
from tests.teams.teams_round import activity, card_text, submit_data

TENANT = "tenant-waterschap"
CHANNEL = "19:dialoog@thread.tacv2"
TEAM = "19:team@thread.tacv2"
MEMBERS = {  # the members of issue 13, "What is wrong today"
    "29:ben": "Ben de Groot",
    "29:wil": "Wil Janssen",
    "29:piet": "Piet de Boer",
    "29:sanne": "Sanne de Jong",
}
HOST = "29:ben"
STORIES = {
    "29:ben": "Ik ben buurtsportcoach en ik wil dat kinderen buiten spelen",
    "29:wil": "Petra Smit van de woningcorporatie heeft ons echt geholpen",
    "29:piet": "Als jonge boer ben ik bang dat het water stijgt",
    "29:sanne": "We zijn groot geworden in deze wijk",
}


class Teams:
    def __init__(self, app: App, url: str, connector: FakeConnector) -> None:
        self.app, self.url, self.connector = app, url, connector
        self.session = aiohttp.ClientSession()

    async def post(self, body: dict[str, Any]) -> None:
        async with self.session.post(self.url, json=body) as response:
            assert response.status in (200, 201), response.status
        await self.app.dispatcher.drain()

    async def in_channel(self, user: str, text: str) -> None:
        await self.post(
            activity(
                service_url=self.connector.url,
                tenant=TENANT,
                user=(user, MEMBERS[user]),
                conversation={
                    "id": f"{CHANNEL};messageid=1",
                    "conversationType": "channel",
                    "isGroup": True,
                },
                text=text,
                mention_bot=True,
                channel_data={"channel": {"id": CHANNEL}, "team": {"id": TEAM}},
            )
        )

    async def personal(
        self, user: str, text: str | None = None, value: dict[str, Any] | None = None
    ) -> None:
        await self.post(
            activity(
                service_url=self.connector.url,
                tenant=TENANT,
                user=(user, MEMBERS[user]),
                conversation={"id": f"a:personal-{user}", "conversationType": "personal"},
                text=text,
                value=value,
            )
        )

    def chat(self, conversation_id: str) -> list[dict[str, Any]]:
        return [r.activity for r in self.connector.received if r.conversation_id == conversation_id]

    def inbox(self, user: str) -> list[dict[str, Any]]:
        return self.chat(f"a:personal-{user}")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Teams]:
    connector = FakeConnector(members=[{"id": u, "name": n} for u, n in MEMBERS.items()])
    await connector.start()
    settings = make_settings(tmp_path, DIALOOG_TEAMS_PLAYGROUND=True)
    app = await App.create(settings, synthesizer=OfflineSynthesizer())
    web_app = web.Application()
    await teams.setup(app, web_app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    driver = Teams(app, f"http://{host}:{port}{teams.ROUTE}", connector)
    yield driver
    await driver.session.close()
    await runner.cleanup()
    await app.stop()
    await connector.stop()


async def test_the_channel_keeps_ben_wil_and_boer_and_loses_the_names(bot: Teams) -> None:
    await bot.in_channel(HOST, 'start --theme "Samen in de wijk"')
    for user, story in STORIES.items():
        await bot.personal(user, "knel")
        await bot.personal(user, story)
    told = card_text(bot.inbox("29:wil")[-1])
    assert "wordt in citaten: [naam]." in told
    assert "Petra" not in told and "woningcorporatie" not in told, "never their own words"
    assert "citaten" not in card_text(bot.inbox("29:piet")[-1]), "nothing to tell Piet"

    await bot.in_channel(HOST, "close")
    draft = next(a for a in reversed(bot.inbox(HOST)) if submit_data(a, "Publiceer"))
    await bot.personal(HOST, value=submit_data(draft, "Publiceer"))
    posted = "\n".join(card_text(a) for a in bot.chat(CHANNEL))
    assert "Ik ben buurtsportcoach en ik wil dat kinderen buiten spelen" in posted
    assert "Als jonge boer ben ik bang dat het water stijgt" in posted
    assert "[naam] van de woningcorporatie" in posted
    assert "Petra" not in posted and "Smit" not in posted


async def test_forget_me_is_never_contacted_again_and_no_count_drops(bot: Teams) -> None:
    await bot.in_channel(HOST, 'start --theme "Samen in de wijk"')
    for user in ("29:wil", "29:piet", "29:sanne"):
        await bot.personal(user, "knel")
    await bot.personal("29:sanne", "Ik twijfel nog")
    await bot.in_channel(HOST, "status")
    before = next(
        line for line in card_text(bot.inbox(HOST)[-1]).splitlines() if "Uitgenodigd" in line
    )
    assert "Uitgenodigd: 4" in before

    await bot.personal("29:sanne", "vergeet mij")
    heard = len(bot.inbox("29:sanne"))
    await bot.in_channel(HOST, "remind")
    await bot.in_channel(HOST, "status")
    status = card_text(bot.inbox(HOST)[-1])
    assert before in status.splitlines(), "invited stays invited"
    assert len(bot.inbox("29:sanne")) == heard, "no reminder after forget me"
    assert len(bot.inbox("29:wil")) > 2, "the others were reminded"
