"""A whole round through the real app, botbuilder's CloudAdapter on /api/messages and a fake
Bot Framework connector: the host starts it in a channel, members answer in personal chats
(by text and by card button), the summary comes back to the channel, nobody is named."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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

TENANT = "tenant-gemeente"
CHANNEL = "19:dialoog@thread.tacv2"
TEAM = "19:team@thread.tacv2"
PEOPLE = {
    "29:anna": "Anna de Vries",
    "29:bram": "Bram Jansen",
    "29:chloe": "Chloé Bakker",
    "29:daan": "Daan Visser",
}
HOST = "29:anna"
HEADLINES = ["Buurt zonder dak", "Het kan dus wel", "Ondernemers in de kou", "Oma leert bellen"]


class Bot:
    def __init__(
        self, app: App, url: str, connector: FakeConnector, people: dict[str, str] = PEOPLE
    ) -> None:
        self.app, self.url, self.connector, self.people = app, url, connector, people
        self.session = aiohttp.ClientSession()

    async def post(self, body: dict[str, Any]) -> int:
        async with self.session.post(self.url, json=body) as response:
            status = response.status
        await self.app.dispatcher.drain()
        return status

    async def in_channel(self, user: str, text: str) -> int:
        return await self.post(
            activity(
                service_url=self.connector.url,
                tenant=TENANT,
                user=(user, self.people[user]),
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
    ) -> int:
        return await self.post(
            activity(
                service_url=self.connector.url,
                tenant=TENANT,
                user=(user, self.people[user]),
                conversation={"id": f"a:personal-{user}", "conversationType": "personal"},
                text=text,
                value=value,
            )
        )

    def chat(self, conversation_id: str) -> list[dict[str, Any]]:
        return [r.activity for r in self.connector.received if r.conversation_id == conversation_id]

    def inbox(self, user: str) -> list[dict[str, Any]]:
        return self.chat(f"a:personal-{user}")


@asynccontextmanager
async def running_bot(
    tmp_path: Path,
    people: dict[str, str] = PEOPLE,
    members: list[dict[str, str]] | None = None,
    **settings: object,
) -> AsyncIterator[Bot]:
    """The real app behind botbuilder on /api/messages, with a fake connector whose roster is
    ``members`` (by default ``people`` as plain members)."""
    roster = members or [{"id": u, "name": n} for u, n in people.items()]
    connector = FakeConnector(members=roster)
    await connector.start()
    # no MICROSOFT_APP_ID: the playground flag opens /api/messages to loopback only
    app = await App.create(
        make_settings(tmp_path, DIALOOG_TEAMS_PLAYGROUND=True, **settings),
        synthesizer=OfflineSynthesizer(),
    )
    web_app = web.Application()
    assert await teams.setup(app, web_app) is False  # not authenticated
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    driver = Bot(app, f"http://{host}:{port}{teams.ROUTE}", connector, people)
    try:
        yield driver
    finally:
        await driver.session.close()
        await runner.cleanup()
        await app.stop()
        await connector.stop()


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path) as driver:
        yield driver


async def test_a_whole_round_in_teams(bot: Bot) -> None:
    assert await bot.in_channel(HOST, 'start --theme "Samen in de wijk"') in (200, 201)
    for user in PEOPLE:
        first = bot.inbox(user)[0]
        assert "Samen in de wijk" in card_text(first)
    announcement = card_text(bot.chat(CHANNEL)[0])
    assert "4 leden" in announcement

    for n, user in enumerate(PEOPLE, start=1):
        prompt = bot.inbox(user)[-1]
        if n % 2:
            await bot.personal(user, "knel")
        else:  # the card button, as Teams posts it back
            data = submit_data(prompt, "Knel")
            assert data is not None
            await bot.personal(user, value=data)
        await bot.personal(
            user,
            f"Ons wijkhuis ging dicht en niemand wist waarheen, verhaal {n}. "
            "<at>Anna de Vries</at> en **iedereen** [klik hier](https://x.example) &lt;at&gt;",
        )
        await bot.personal(user, HEADLINES[n - 1])
        await bot.personal(user, "5")
        await bot.personal(user, f"Een buurthuis dat elke dag open is voor iedereen, droom {n}.")
        await bot.personal(user, f"De gemeente opent de school na vieren, idee {n}.")
        assert "alle vragen beantwoord" in card_text(bot.inbox(user)[-1])

    await bot.in_channel(HOST, "close")
    # The summary reaches the host as a draft card first; the host publishes it.
    draft = next(a for a in reversed(bot.inbox(HOST)) if submit_data(a, "Publiceer"))
    assert "Concept" in card_text(draft)
    await bot.personal(HOST, value=submit_data(draft, "Publiceer"))
    summary = card_text(bot.chat(CHANNEL)[-1])
    for headline in HEADLINES:
        assert headline in summary
    posted = str(bot.chat(CHANNEL)[-1])
    for markup in ("<at>", "&lt;at", "https://x.example", "Anna"):
        assert markup not in posted
    assert "[vermelding]" in summary and "[link]" in summary  # the scrubber's markers
    for user, name in PEOPLE.items():
        assert user not in summary
        assert all(part not in summary for part in name.split() if len(part) > 2)


async def test_a_repeated_delivery_of_the_same_activity_changes_nothing(bot: Bot) -> None:
    body = activity(
        service_url=bot.connector.url,
        tenant=TENANT,
        user=(HOST, PEOPLE[HOST]),
        conversation={"id": f"{CHANNEL};messageid=1", "conversationType": "channel"},
        text="start",
        mention_bot=True,
        channel_data={"channel": {"id": CHANNEL}, "team": {"id": TEAM}},
    )
    await bot.post(body)
    sent = len(bot.connector.received)
    await bot.post(body)  # Teams retried the same activity id
    assert len(bot.connector.received) == sent


async def test_slips_short_story_skip_and_my_answers_in_teams(bot: Bot) -> None:
    """Issue 16, item 4 through botbuilder: a question gets help and is not stored; a short
    first story gets the confirm card (pressed as Teams posts it back); a skipped question is
    answered later; the participant sees and changes their answers."""
    assert await bot.in_channel(HOST, "start") in (200, 201)
    user = "29:bram"
    await bot.personal(user, "wat moet ik hier eigenlijk doen?")
    assert "niet opgeslagen" in card_text(bot.inbox(user)[-1])
    await bot.personal(user, "stop")
    assert "niet opgeslagen" in card_text(bot.inbox(user)[-1])

    await bot.personal(user, "kiem")
    await bot.personal(user, "Moestuin")
    ask = bot.inbox(user)[-1]
    assert "Klopt dit, of wil je meer vertellen?" in card_text(ask)
    data = submit_data(ask, "Klopt zo")
    assert data is not None and submit_data(ask, "Ik vertel meer") is not None
    await bot.personal(user, value=data)
    assert "Krantenkop" in card_text(bot.inbox(user)[-1])

    await bot.personal(user, "sla over")
    await bot.personal(user, "5")
    await bot.personal(user, "Een buurthuis dat elke dag open is voor iedereen.")
    await bot.personal(user, "De gemeente opent de school na vieren.")
    assert "Nog open: 2." in card_text(bot.inbox(user)[-1])
    await bot.personal(user, "beantwoord 2")
    await bot.personal(user, "Moestuin verbindt de flat")
    await bot.personal(user, "mijn antwoorden")
    mine = card_text(bot.inbox(user)[-1])
    assert "beantwoord (1×)" in mine and "(overgeslagen)" not in mine
    assert "Moestuin verbindt de flat" not in mine, "states, never the words"
    await bot.personal(user, "wijzig 1")
    await bot.personal(user, "Een buurman begon een moestuin tussen de flats, nu eten we samen.")
    await bot.personal(user, "mijn antwoorden")
    mine = card_text(bot.inbox(user)[-1])
    assert "1. **Knel of kiem**: beantwoord (1×)" in mine
    assert "buurman" not in mine and "Moestuin" not in mine
