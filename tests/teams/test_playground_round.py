"""End to end against the Microsoft 365 Agents Playground (Microsoft's Teams emulator).

Four people of a six-person team each have their own playground instance (their own Teams
client, so to speak), all pointing at one bot. Each greets the bot in their personal chat, so
the bot stores that conversation reference with that instance's service URL. The host then
mentions the bot in the team channel; the roster comes from the playground's team; the
prompts reach each person in their own instance; they answer (by text and by card button);
the host closes the round and the summary arrives in the channel, naming nobody.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

import adapters.teams.mount as teams
from bot.runtime.app import App
from bot.synthesis.offline import OfflineSynthesizer
from tests.conftest import make_settings
from tests.teams.playground import Person, Playground, installed
from tests.teams.teams_round import card_text

PEOPLE = [
    Person("29:anna", "Anna de Vries"),
    Person("29:bram", "Bram Jansen"),
    Person("29:chloe", "Chloé Bakker"),
    Person("29:daan", "Daan Visser"),
    Person("29:eva", "Eva Smit"),
    Person("29:floor", "Floor Mulder"),
]
TAKING_PART = PEOPLE[:4]
HEADLINES = ["Buurt zonder dak", "Het kan dus wel", "Ondernemers in de kou", "Oma leert bellen"]

pytestmark = pytest.mark.skipif(
    not installed() and os.environ.get("CI") != "true",
    reason="run `make playground` (npm ci in tests/teams/playground) first",
)


@pytest.fixture
async def bot_url(tmp_path: Path) -> AsyncIterator[str]:
    # no MICROSOFT_APP_ID: the playground flag opens /api/messages to loopback only
    settings = make_settings(tmp_path, DIALOOG_TEAMS_PLAYGROUND=True)
    app = await App.create(settings, synthesizer=OfflineSynthesizer())
    web_app = web.Application()
    await teams.setup(app, web_app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    await app.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}{teams.ROUTE}"
    await runner.cleanup()
    await app.stop()


@pytest.fixture
async def clients(bot_url: str, tmp_path: Path) -> AsyncIterator[dict[str, Playground]]:
    instances = {
        p.user_id: Playground(p, PEOPLE, tmp_path / f"playground-{n}", bot_url)
        for n, p in enumerate(TAKING_PART)
    }
    try:
        await asyncio.gather(*(instance.start() for instance in instances.values()))
        yield instances
    finally:
        await asyncio.gather(*(instance.stop() for instance in instances.values()))


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [card_text(m) for m in messages]


def count_is(playground: Playground, n: int) -> Any:
    return lambda _messages: len(playground.personal()) >= n


async def answer(playground: Playground, line: str) -> None:
    before = len(playground.personal())
    await playground.say(line)
    await playground.wait_for(count_is(playground, before + 1))


async def test_a_whole_round_in_the_agents_playground(clients: dict[str, Playground]) -> None:
    host = clients[TAKING_PART[0].user_id]
    for playground in clients.values():
        await answer(playground, "help")  # first contact: the bot stores the reference

    await host.mention('start --theme "Samen in de wijk"')
    await host.wait_for(lambda _m: bool(host.channel()))
    assert "6 leden" in card_text(host.channel()[0])
    for playground in clients.values():
        await playground.wait_for(
            lambda _m, p=playground: any("Samen in de wijk" in t for t in texts(p.personal()))
        )

    for n, playground in enumerate(clients.values(), start=1):
        if n % 2:
            await answer(playground, "kiem")
        else:
            prompt = next(m for m in reversed(playground.personal()) if m.get("attachments"))
            before = len(playground.personal())
            await playground.press(prompt, "Kiem")
            await playground.wait_for(count_is(playground, before + 1))
        await answer(playground, f"In het buurthuis kookten we met de hele straat, verhaal {n}.")
        await answer(playground, HEADLINES[n - 1])
        if n % 2:
            await answer(playground, "3")
        else:  # the drop-down of sixteen pictures and its button
            prompt = playground.personal()[-1]
            before = len(playground.personal())
            await playground.press(prompt, "Kies", {"dialoog_value": "3"})
            await playground.wait_for(count_is(playground, before + 1))
        await answer(playground, f"Een buurthuis dat elke avond open is, droom {n}.")
        await playground.say(f"Vrijwilligers uit de wijk openen de deur, idee {n}.")
        await playground.wait_for(
            lambda _m, p=playground: "alle vragen beantwoord" in card_text(p.personal()[-1])
        )

    posts = len(host.channel())
    await host.mention("close")
    await host.wait_for(lambda _m: len(host.channel()) > posts)
    # The summary reaches the host as a draft card first; the host publishes it from there.
    await host.wait_for(lambda _m: any("Concept" in card_text(m) for m in host.personal()))
    draft = next(m for m in reversed(host.personal()) if "Concept" in card_text(m))
    posts = len(host.channel())
    await host.press(draft, "Publiceer")
    await host.wait_for(lambda _m: len(host.channel()) > posts)
    await asyncio.sleep(0.5)  # a summary may take more than one post
    summary = "\n".join(texts(host.channel()[posts:]))
    for headline in HEADLINES:
        assert headline in summary
    for person in PEOPLE:
        assert person.user_id not in summary
        assert all(part not in summary for part in person.name.split() if len(part) > 2)
