"""Actions agreed, *wie, wat, wanneer* (issue 18, item 5), on the local adapter: the host
records one, its named owner takes it on with a button, gets a reminder a day before it is
due (manual clock), and when it is done everyone the round invited hears what happened with
their input. Bad input changes nothing."""

from __future__ import annotations

import io

import docx
import openpyxl
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.core.actions import find_owner
from bot.core.commands import CommandError, parse
from bot.core.messages import Choices, Outgoing
from bot.core.port import Member
from bot.testing import LocalDriver, ManualClock
from storage.models import ActionRow
from tests.core.conversation import (
    CHANNEL,
    HOST,
    PEOPLE,
    answer_all,
    publish,
    setup_channel,
)
from tests.core.test_export import csv_rows, exported_file
from tests.core.test_schedules import round_row, tick

OWNER = "U02BRAM"
ACTION = 'actie "Het buurthuis gaat na vieren open" --eigenaar @bram --wanneer 9-3-2026'


async def actions(local: LocalDriver) -> list[ActionRow]:
    async with local.app.db.sessions() as session:
        return list(await session.scalars(select(ActionRow).order_by(ActionRow.number)))


def accept_button(message: Outgoing) -> Choices:
    (found,) = [b for b in message.blocks if isinstance(b, Choices) and b.key == "action_accept"]
    return found


async def closed_round(local: LocalDriver, clock: ManualClock) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, 'start --theme "Samen in de wijk"')
    for n, user in enumerate(PEOPLE, start=1):
        await answer_all(local, user, n)
    await local.command(HOST, CHANNEL, "close")
    await publish(local)
    assert await tick(local) == [], "the thank-you follows the harvest's post a little later"
    clock.advance(minutes=2)
    assert await tick(local) == [f"thanks:{(await round_row(local)).id}"]


async def test_host_records_owner_accepts_reminder_and_the_news_when_done(
    local: LocalDriver, clock: ManualClock
) -> None:
    await closed_round(local, clock)
    for user in PEOPLE:  # item 6: the thank-you after the harvest was published
        assert sum("Dank je wel voor je inbreng" in m.fallback for m in local.inbox(user)) == 1
    reply = await local.command(HOST, CHANNEL, ACTION)
    assert "Actie 1 staat genoteerd" in reply.fallback
    post = local.channel(CHANNEL)[-1].fallback
    assert "Nieuwe actie 1" in post and "Bram Jansen" in post and "maandag 9 maart" in post
    offer = local.inbox(OWNER)[-1]
    button = accept_button(offer)
    # someone else's press is refused and changes nothing
    refused = await local.press("U03CHLOE", "action_accept", button.options[0].value, None)
    assert "niet aan jou toegewezen" in refused.fallback
    assert not (await actions(local))[0].accepted
    accepted = await local.press(OWNER, "action_accept", button.options[0].value, None)
    assert "staat op jouw naam" in accepted.fallback
    assert "Bram Jansen heeft actie 1 op zich genomen" in local.inbox(HOST)[-1].fallback
    again = await local.press(OWNER, "action_accept", button.options[0].value, None)
    assert "al op jouw naam" in again.fallback
    listed = await local.command("U04DAAN", CHANNEL, "acties")
    assert "1 afgesproken actie" in listed.fallback
    assert (
        "Het buurthuis gaat na vieren open — Bram Jansen, uiterlijk maandag 9 maart om 17:00 (open)"
        in (listed.fallback)
    )
    # the owner's reminder, a day before it is due (17:00 in Amsterdam is 16:00 UTC)
    before = len(local.inbox(OWNER))
    clock.set(clock.now().replace(day=8, hour=15, minute=59))
    assert await tick(local) == []
    clock.advance(minutes=2)
    fired = await tick(local)
    assert len(fired) == 1 and fired[0].startswith("action:")
    assert "Herinnering" in local.inbox(OWNER)[-1].fallback
    assert len(local.inbox(OWNER)) == before + 1
    assert await tick(local) == [], "one reminder"
    # only the owner or the host sets the status
    refused = await local.command("U03CHLOE", CHANNEL, "actie 1 klaar")
    assert "Alleen de eigenaar" in refused.fallback
    assert (await actions(local))[0].status == "open"
    await local.command(OWNER, CHANNEL, "actie 1 bezig")
    assert "bezig" in local.channel(CHANNEL)[-1].fallback
    counts = {user: len(local.inbox(user)) for user in PEOPLE}
    done = await local.command(OWNER, CHANNEL, "actie 1 klaar")
    assert "klaar" in done.fallback
    for user in PEOPLE:
        news = [m.fallback for m in local.inbox(user)[counts[user] :]]
        told = [text for text in news if "Wat er met je inbreng gebeurde" in text]
        assert len(told) == 1, (user, news)
        assert "Samen in de wijk" in told[0] and "Het buurthuis gaat na vieren open" in told[0]
    assert (await actions(local))[0].status == "done"


async def test_bad_input_gets_a_clear_reply_and_records_nothing(
    local: LocalDriver, clock: ManualClock
) -> None:
    await closed_round(local, clock)
    cases = {
        'actie "Iets" --eigenaar @zoe --wanneer 9-3-2026': "vind `@zoe` niet",
        'actie "Iets" --eigenaar @bram --wanneer 31-02-2026': "bestaat niet",
        'actie "Iets" --eigenaar @bram --wanneer gisteren': "begrijp",
        'actie "Iets" --eigenaar @bram': "Gebruik `actie",
        "actie --eigenaar @bram --wanneer 9-3-2026": "Gebruik `actie",
        'actie "Iets" --eigenaar @bram --wanneer 9-3-2026 --ronde 7': "geen ronde 7",
        "actie --idee 99 --eigenaar @bram --wanneer 9-3-2026": "Idee 99 bestaat niet",
        "actie 1 misschien": "geen stand",
        "actie 4 klaar": "geen actie 4",
    }
    for words, expected in cases.items():
        reply = await local.command(HOST, CHANNEL, words)
        assert expected in reply.fallback, (words, reply.fallback)
    not_host = await local.command("U03CHLOE", CHANNEL, ACTION)
    assert "Alleen de gespreksleider" in not_host.fallback
    # a round of another channel
    local.platform.add_channel("C-ANDER", [local.member(u, n) for u, n in PEOPLE.items()])
    await local.command(HOST, "C-ANDER", 'start --theme "Ander kanaal"')
    other = await local.command(HOST, CHANNEL, ACTION + " --ronde 2")
    assert "hoort bij een ander kanaal" in other.fallback
    assert await actions(local) == []
    async with local.app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ActionRow)) == 0


async def test_an_idea_of_the_harvest_becomes_an_action(
    local: LocalDriver, clock: ManualClock
) -> None:
    await closed_round(local, clock)
    reply = await local.command(HOST, CHANNEL, "actie --idee 1 --eigenaar Daan --wanneer 3d")
    assert "Actie 1 staat genoteerd" in reply.fallback
    (row,) = await actions(local)
    assert "idee" in row.text and row.owner_id == "U04DAAN"
    assert "Er is een actie aan je toegewezen" in local.inbox("U04DAAN")[-1].fallback


async def test_english_words_and_texts(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, 'start --lang en --theme "Together"')
    reply = await local.command(
        HOST, CHANNEL, 'action "Open the library" --owner "Bram Jansen" --due 2026-03-09'
    )
    assert "Action 1 is recorded" in reply.fallback, reply.fallback
    listed = await local.command(HOST, CHANNEL, "actions")
    assert "1 action agreed" in listed.fallback and "Monday 9 March" in listed.fallback
    done = await local.command(HOST, CHANNEL, "action 1 done")
    assert "Action 1: done" in done.fallback


async def test_exports_and_the_weekly_digest_list_the_actions(
    local: LocalDriver, clock: ManualClock
) -> None:
    await closed_round(local, clock)
    await local.command(HOST, CHANNEL, ACTION)
    line = "Het buurthuis gaat na vieren open — Bram Jansen (nog niet bevestigd), uiterlijk"
    for format_ in ("md", "html", "csv", "docx", "xlsx"):
        await local.command(HOST, CHANNEL, f"export {format_}")
        found = exported_file(local, HOST)
        assert found is not None, format_
        data = found[1].data
        if format_ == "docx":
            document = docx.Document(io.BytesIO(data))
            text = "\n".join(p.text for p in document.paragraphs)
            assert "Afgesproken acties" in text and line in text, format_
        elif format_ == "xlsx":
            book = openpyxl.load_workbook(io.BytesIO(data))
            sheet = book["Afgesproken acties"]
            rows = [[c.value for c in row] for row in sheet.iter_rows()]
            assert rows[0] == ["Nummer", "Wat", "Wie", "Wanneer", "Stand"]
            assert rows[1][:3] == [1, "Het buurthuis gaat na vieren open", "Bram Jansen"]
            assert rows[1][4] == "open"
        elif format_ == "csv":
            rows = csv_rows(data.decode("utf-8-sig"))
            (action,) = [r for r in rows if r["phase"] == "action"]
            assert action["text"] == "Het buurthuis gaat na vieren open"
            assert action["choice"] == "open" and "Bram Jansen" in action["prompt"]
        else:
            assert "Afgesproken acties" in data.decode() and "Bram Jansen" in data.decode()
    # the weekly digest, Monday 11:00 in Amsterdam (10:00 UTC; the clock starts at 9:00 UTC)
    await local.command(HOST, CHANNEL, "digest weekly maandag 11:00")
    clock.advance(hours=1, minutes=1)
    assert any(job.startswith("digest:") for job in await tick(local))
    digest = local.channel(CHANNEL)[-1].fallback
    assert "Afgesproken actie* (1)" in digest and line in digest, digest


@given(st.text(max_size=120))
def test_any_action_words_parse_or_get_a_reason(rest: str) -> None:
    try:
        command = parse("actie " + rest)
    except CommandError as error:
        assert error.key.startswith("error.")
        return
    assert command.name == "action"
    assert command.owner is None or command.due is not None
    if command.owner is None:
        assert command.args[1] in ("open", "doing", "done")


@given(st.text(max_size=60))
def test_an_owner_is_a_member_or_nobody(raw: str) -> None:
    members = [Member("U02BRAM", "Bram Jansen"), Member("U03CHLOE", "Chloé Bakker")]
    found = find_owner(raw, members)
    assert found is None or found in members


async def test_publishing_from_the_private_chat_also_thanks_the_invitees(
    local: LocalDriver, clock: ManualClock
) -> None:
    """The host's *Publiceer* button in their private chat: that turn cannot fetch the
    channel's members, so the thank-you goes by timer, once."""
    setup_channel(local)
    await local.command(HOST, CHANNEL, 'start --theme "Samen in de wijk"')
    for n, user in enumerate(PEOPLE, start=1):
        await answer_all(local, user, n)
    await local.command(HOST, CHANNEL, "close")
    await local.say("U04DAAN", "vergeet mij")  # after the close: no more messages either
    row = await round_row(local)
    published = await local.press(HOST, "draft", "publish", row.id)
    assert "in het kanaal" in published.fallback
    clock.advance(minutes=2)
    assert await tick(local) == [f"thanks:{row.id}"]
    assert await tick(local) == []
    for user in PEOPLE:
        thanked = [m.fallback for m in local.inbox(user) if "Dank je wel" in m.fallback]
        if user == "U04DAAN":
            assert thanked == []
            continue
        assert len(thanked) == 1 and "Wat eruit kwam" in thanked[0], (user, thanked)
