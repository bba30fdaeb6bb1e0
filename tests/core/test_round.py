"""Whole appreciative-inquiry rounds on the local adapter, read like conversations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.core.messages import Quote
from bot.testing import LocalDriver, ManualClock
from storage.models import AnswerRow, RoundRow
from tests.core.conversation import (
    CHANNEL,
    HEADLINES,
    HOST,
    PEOPLE,
    answer_all,
    choices,
    setup_channel,
    stored_answers,
    story,
)


async def count(local: LocalDriver, model: type) -> int:
    async with local.app.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_host_starts_four_answer_summary_has_headlines_and_no_names(
    local: LocalDriver,
) -> None:
    setup_channel(local)
    reply = await local.command(HOST, CHANNEL, 'start --theme "Samen in de wijk"')
    assert "Jij bent de gespreksleider" in reply.fallback
    for user in PEOPLE:
        first = local.inbox(user)[0]
        assert "Samen in de wijk" in first.fallback
        assert [c.key for c in choices(first)] == ["knel_kiem", "skip"]
    assert "4 leden" in local.channel(CHANNEL)[0].fallback
    for n, user in enumerate(PEOPLE, start=1):
        await answer_all(local, user, n)
        assert "alle vragen beantwoord" in local.inbox(user)[-1].fallback
    status = await local.command(HOST, CHANNEL, "status")
    assert "klaar: 4" in status.fallback
    closed = await local.command(HOST, CHANNEL, "close")
    assert "gesloten" in closed.fallback
    assert "concept" in closed.fallback  # the summary waits for its host's review
    published = await local.command(HOST, CHANNEL, "publiceer")
    assert "in het kanaal" in published.fallback
    summary = local.channel(CHANNEL)[-1]
    text = summary.fallback
    for headline in HEADLINES:
        assert headline in text
    for user, name in PEOPLE.items():
        assert user not in text
        for part in name.split():
            if len(part) > 2:
                assert part not in text
    assert any(isinstance(b, Quote) for b in summary.blocks)
    assert await count(local, AnswerRow) == 16
    assert local.app.keyring.key_files.round_ids() == [], "the pseudonym key is destroyed"


async def test_english_round_speaks_english(local: LocalDriver) -> None:
    setup_channel(local)
    reply = await local.command(HOST, CHANNEL, "start --lang en")
    assert "You are its host" in reply.fallback or "you are its host" in reply.fallback
    assert "Question 1 of 4" in local.inbox("U02BRAM")[0].fallback
    answer = await local.say("U02BRAM", "stuck: The library closed and nobody told us.")
    assert "saved" in answer.fallback
    assert "Question 2 of 4: Headline" in answer.fallback


async def test_buttons_choose_knel_and_picture(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    invitation = local.inbox("U02BRAM")[0]
    knel_kiem = choices(invitation)[0]
    reply = await local.press("U02BRAM", knel_kiem.key, "kiem", knel_kiem.round_id)
    # The confirmation waits in the outbox next to the person's id: it names the question,
    # never the choice (issue 13, item 4); the pressed button shows it in their own chat.
    assert "ontvangen" in reply.fallback and "vraag 1" in reply.fallback
    assert "kiem" not in reply.fallback.casefold()
    reply = await local.say("U02BRAM", story(1))
    assert "Krantenkop" in reply.fallback
    reply = await local.say("U02BRAM", "Het kan dus wel")
    pictures = choices(reply)[0]
    assert pictures.key == "beelden" and len(pictures.options) == 16
    reply = await local.press("U02BRAM", "beelden", "12", pictures.round_id)
    assert "vraag 3" in reply.fallback and "ontvangen" in reply.fallback
    assert "moestuin" not in reply.fallback.casefold()
    await local.say("U02BRAM", "Groene buurten waar iedereen elkaar kent.")
    async with local.app.db.sessions() as session:
        rows = (await session.execute(select(AnswerRow.phase, AnswerRow.choice))).all()
    assert ("knel_kiem", "kiem") in rows and ("droom", "12") in rows


async def test_story_without_choice_is_kept_and_choice_asked(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    reply = await local.say("U02BRAM", story(2))
    assert "knel of een kiem" in reply.fallback
    assert [c.key for c in choices(reply)] == ["knel_kiem"]
    reply = await local.say("U02BRAM", "Dit is nog een verhaal zonder keuze erbij, toch?")
    assert "Kies eerst" in reply.fallback
    reply = await local.say("U02BRAM", "knel")
    assert "Krantenkop" in reply.fallback
    assert await stored_answers(local) == [(story(2), "knel")]


async def test_skip_edit_and_forget_me(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    await local.say("U02BRAM", "kiem: Een buurman begon een moestuin tussen de flats.")
    await local.say("U02BRAM", "Groenten tegen de eenzaamheid")
    reply = await local.say("U02BRAM", "edit")
    assert "Krantenkop" in reply.fallback
    reply = await local.say("U02BRAM", "Moestuin verbindt de flat")
    assert "vervangen" in reply.fallback
    texts = {text for text, _ in await stored_answers(local)}
    assert "Moestuin verbindt de flat" in texts and "Groenten tegen de eenzaamheid" not in texts
    reply = await local.say("U02BRAM", "skip")
    assert "Overgeslagen" in reply.fallback and "Ideeën" in reply.fallback
    reply = await local.say("U02BRAM", "vergeet mij")
    assert "Gewist: 2 antwoorden in 1 open ronde." in reply.fallback
    assert await count(local, AnswerRow) == 0
    reply = await local.say("U02BRAM", "Nog een antwoord")
    assert "niet mee aan een open ronde" in reply.fallback


async def test_paced_round_opens_phases_on_next_and_posts_phase_summary(
    local: LocalDriver,
) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start --paced --min 3")
    for n, user in enumerate(["U02BRAM", "U03CHLOE", "U04DAAN"], start=1):
        reply = await local.say(user, f"knel: {story(n)}")
        assert "volgende fase gaat open" in reply.fallback
        reply = await local.say(user, "Een kop te vroeg")
        assert "nog niet open" in reply.fallback
    posts_before = len(local.channel(CHANNEL))
    reply = await local.command(HOST, CHANNEL, "next")
    assert "Krantenkop" in reply.fallback
    phase_post = local.channel(CHANNEL)[posts_before].fallback
    assert "Fase gesloten: Knel of kiem" in phase_post
    assert "3 deelnemers" in phase_post
    assert "Vraag 2 van 4: Krantenkop" in local.inbox("U02BRAM")[-1].fallback
    assert "Vraag 2 van 4: Krantenkop" in local.inbox(HOST)[-2].fallback, "laggards move on"


async def test_nothing_published_below_threshold(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    await answer_all(local, "U02BRAM", 1)
    await answer_all(local, "U03CHLOE", 2)
    reply = await local.command(HOST, CHANNEL, "summary")
    assert "te weinig" in reply.fallback
    posts = len(local.channel(CHANNEL))
    await local.command(HOST, CHANNEL, "close")
    final = local.channel(CHANNEL)[posts:]
    assert len(final) == 1
    text = final[0].fallback
    assert "te weinig deelnemers" in text
    assert HEADLINES[0] not in text and "verhaal" not in text


async def test_remind_goes_privately_to_those_not_finished(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    await answer_all(local, "U02BRAM", 1)
    posts = len(local.channel(CHANNEL))
    finished_inbox = len(local.inbox("U02BRAM"))
    reply = await local.command(HOST, CHANNEL, "remind")
    assert "3 herinneringen" in reply.fallback
    assert len(local.channel(CHANNEL)) == posts, "nothing said in the channel"
    assert len(local.inbox("U02BRAM")) == finished_inbox
    assert "herinnering" in local.inbox("U03CHLOE")[-1].fallback


async def test_deadline_shown_in_round_time_zone(local: LocalDriver, clock: ManualClock) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start --deadline 2026-03-05T17:00")
    assert "donderdag 5 maart om 17:00" in local.inbox("U02BRAM")[0].fallback
    async with local.app.db.sessions() as session:
        row = await session.scalar(select(RoundRow))
    assert row is not None and row.deadline is not None
    assert row.deadline == dt.datetime(2026, 3, 5, 16, 0, tzinfo=dt.UTC), "17:00 CET is 16:00 UTC"


async def test_messages_carry_the_round_language_through_the_outbox(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start --lang en")
    assert local.inbox("U02BRAM")[0].lang == "en"
    reply = await local.command("U02BRAM", CHANNEL, "close")
    assert reply.lang == "en" and "Only the host" in reply.fallback
