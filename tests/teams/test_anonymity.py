"""Issue 13 on Teams, through botbuilder and the fake Bot Framework connector: the channel
keeps Dutch words that are also members' names and loses the names (a non-member's too), the
author hears privately which markers quotes will show, and after ``vergeet mij`` nobody
contacts that person again nor does the host's status show that someone left."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.teams.teams_round import card_text, submit_data
from tests.teams.test_round_fake_connector import CHANNEL, Bot, running_bot

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


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path, MEMBERS) as driver:
        yield driver


async def test_the_channel_keeps_ben_wil_and_boer_and_loses_the_names(bot: Bot) -> None:
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


async def test_forget_me_is_never_contacted_again_and_no_count_drops(bot: Bot) -> None:
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
