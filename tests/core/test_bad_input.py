"""Bad input gets a short, clear, private reply in the round's language and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.testing import LocalDriver
from storage.models import AnswerRow, OutboxRow, ProgressRow, RoundRow
from tests.core.conversation import CHANNEL, HOST, setup_channel, story


async def snapshot(local: LocalDriver) -> tuple[int, ...]:
    async with local.app.db.sessions() as session:
        counts = []
        for model in (RoundRow, ProgressRow, AnswerRow):
            counts.append(await session.scalar(select(func.count()).select_from(model)) or 0)
        steps = await session.scalar(select(func.coalesce(func.sum(ProgressRow.step), 0)))
        counts.append(int(steps or 0))
    return tuple(counts)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("dans", "ken de opdracht `dans` niet"),
        ("start --deadline gisteren", "deadline `gisteren` begrijp ik niet"),
        ("start --deadline 31-02-2026", "datum in `31-02-2026` bestaat niet"),
        ("start --deadline 2020-01-01", "niet in de toekomst"),
        ("start --deadline 0m", "niet in de toekomst"),
        ("start kwartet", "werkvorm `kwartet` bestaat niet"),
        ("start --lang fr", "Taal `fr`"),
        ("start --min nul", "`--min` moet een heel getal"),
        ("start --min 1", "de drempel kan alleen omhoog"),
        ("start --min 2", "minder dan 3 mensen"),
        ("start --theme", "Na `--theme` hoort een waarde"),
        ('start --theme "Samen', "aanhalingsteken"),
        ("start --kleur blauw", "optie `--kleur` ken ik niet"),
        ("status nu meteen", "geen extra woorden"),
        ("Ik vind dat de gemeente meer moet luisteren naar ons", "privégesprek"),
        ("close", "geen ronde"),
    ],
)
async def test_bad_channel_commands_change_nothing(
    local: LocalDriver, words: str, expected: str
) -> None:
    setup_channel(local)
    before = await snapshot(local)
    reply = await local.command("U02BRAM", CHANNEL, words)
    assert expected in reply.fallback
    assert await snapshot(local) == before
    assert local.channel(CHANNEL) == [], "nothing is said in the channel"


async def test_second_round_and_non_host_refused_in_round_language(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start --lang en")
    before = await snapshot(local)
    posts = len(local.channel(CHANNEL))
    reply = await local.command("U02BRAM", CHANNEL, "start")
    assert "already running" in reply.fallback
    for word in ("close", "status", "remind", "summary", "next"):
        reply = await local.command("U02BRAM", CHANNEL, word)
        assert "Only the host" in reply.fallback, word
    reply = await local.command(HOST, CHANNEL, "next")
    assert "self-paced" in reply.fallback
    assert await snapshot(local) == before
    assert len(local.channel(CHANNEL)) == posts


async def test_bad_answers_change_nothing(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    before = await snapshot(local)
    reply = await local.say("U02BRAM", "   ")
    assert "leeg antwoord" in reply.fallback
    reply = await local.say("U02BRAM", "x" * 4001)
    assert "4001 tekens" in reply.fallback and "niets opgeslagen" in reply.fallback
    reply = await local.say("U02BRAM", "status")
    assert "in het kanaal van de ronde" in reply.fallback
    reply = await local.say("U02BRAM", "edit")
    assert "nog geen antwoord" in reply.fallback
    reply = await local.press("U02BRAM", "beelden", "3", None)
    assert "al voorbij" in reply.fallback or "niet mee" in reply.fallback
    assert await snapshot(local) == before
    reply = await local.say("U02BRAM", "x" * 4000)
    assert "opgeslagen" in reply.fallback, "exactly the limit is accepted"


async def test_private_text_without_round(local: LocalDriver) -> None:
    reply = await local.say("U09NOBODY", story(1))
    assert "niet mee aan een open ronde" in reply.fallback
    assert await snapshot(local) == (0, 0, 0, 0)


async def test_redelivered_event_is_handled_once(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    await local.say("U02BRAM", "knel: " + story(1), event_id="Ev001")
    inbox = len(local.inbox("U02BRAM"))
    await local.say("U02BRAM", "knel: " + story(1), event_id="Ev001")
    assert len(local.inbox("U02BRAM")) == inbox, "no second confirmation"
    async with local.app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AnswerRow)) == 1
        assert await session.scalar(select(func.count()).select_from(OutboxRow)) == 0
