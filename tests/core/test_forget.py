"""Forgotten means forgotten (PRODUCT.md §4.9, issue 13 item 3): after *vergeet mij* the round
never contacts that person again — not a host's ``remind``, not a scheduled reminder, not the
next phase of a paced round — and no count tells the host that someone left."""

from __future__ import annotations

from bot.testing import LocalDriver, ManualClock
from tests.core.test_schedules import tick

CHANNEL = "C-WIJK"
MEMBERS = {
    "U01BEN": "Ben de Groot",
    "U02WIL": "Wil Janssen",
    "U03PIET": "Piet de Boer",
    "U04SANNE": "Sanne de Jong",
}
HOST = "U01BEN"
LEAVER = "U02WIL"
STORIES = {
    "U01BEN": "Ik ben buurtsportcoach en ik zie dat kinderen weer buiten spelen.",
    "U02WIL": "We zijn buren geworden in deze wijk, dankzij het wijkfeest.",
    "U03PIET": "Als jonge boer ben ik bang dat de dijk het niet houdt.",
    "U04SANNE": "Het buurthuis ging dicht en niemand wist waarheen.",
}


def setup(local: LocalDriver) -> None:
    local.platform.add_channel(CHANNEL, [local.member(u, n) for u, n in MEMBERS.items()])


def invited_line(status: str) -> str:
    return next(line for line in status.splitlines() if "Uitgenodigd" in line)


async def test_reminders_never_reach_someone_who_said_forget_me(
    local: LocalDriver, clock: ManualClock
) -> None:
    setup(local)
    await local.command(HOST, CHANNEL, 'start --deadline 3d --theme "Samen in de wijk"')
    for user in ("U01BEN", "U02WIL", "U03PIET"):
        await local.say(user, "knel")
        await local.say(user, STORIES[user])
    before = invited_line((await local.command(HOST, CHANNEL, "status")).fallback)
    assert "Uitgenodigd: 4" in before

    reply = await local.say(LEAVER, "vergeet mij")
    assert "Gewist: 1 antwoord in 1 open ronde." in reply.fallback
    heard = len(local.inbox(LEAVER))

    # The host's status does not change its invited, started or finished counts.
    status = (await local.command(HOST, CHANNEL, "status")).fallback
    assert invited_line(status) == before, "invited stays invited"

    # The host's `remind`: everyone else who has not finished, never the one who left.
    reply = await local.command(HOST, CHANNEL, "remind")
    assert "3 herinneringen" in reply.fallback
    assert len(local.inbox(LEAVER)) == heard
    assert all("herinnering" in local.inbox(u)[-1].fallback for u in MEMBERS if u != LEAVER)

    # The scheduled reminders (24h and 2h before the deadline), and the deadline itself.
    clock.advance(days=2, hours=1)
    assert len(await tick(local)) == 1
    clock.advance(hours=22)
    assert len(await tick(local)) == 1
    assert len(local.inbox(LEAVER)) == heard, "no scheduled reminder either"
    assert sum("herinnering" in m.fallback for m in local.inbox("U04SANNE")) == 3

    # Texting the bot again does not put them back in the round.
    reply = await local.say(LEAVER, "Toch nog een verhaal")
    assert "niet mee aan een open ronde" in reply.fallback
    reply = await local.say(LEAVER, "vergeet mij")
    assert "Gewist: 0 antwoorden in 0 open rondes" in reply.fallback


async def test_the_next_phase_of_a_paced_round_skips_someone_who_left(
    local: LocalDriver,
) -> None:
    setup(local)
    await local.command(HOST, CHANNEL, "start --paced")
    for user in MEMBERS:
        await local.say(user, "knel")
        await local.say(user, STORIES[user])
    await local.say(LEAVER, "vergeet mij")
    heard = len(local.inbox(LEAVER))
    await local.command(HOST, CHANNEL, "next")
    assert len(local.inbox(LEAVER)) == heard, "the next prompt does not reach them"
    for user in ("U03PIET", "U04SANNE"):
        assert "Vraag 2 van 4" in local.inbox(user)[-1].fallback
    status = (await local.command(HOST, CHANNEL, "status")).fallback
    assert "Uitgenodigd: 4" in status
    # Answer counts change, shown only above the threshold: 3 left, the threshold is 3.
    assert "Knel of kiem: 3 deelnemers" in status


async def test_a_threshold_hides_that_an_answer_count_dropped(local: LocalDriver) -> None:
    """Only answer counts change, and only above the threshold: with three answers and one
    erased the count reads 'fewer than 3', as it would for two who never answered."""
    setup(local)
    await local.command(HOST, CHANNEL, "start")
    for user in ("U01BEN", "U02WIL", "U03PIET"):
        await local.say(user, "knel")
        await local.say(user, STORIES[user])
    await local.say(LEAVER, "vergeet mij")
    status = (await local.command(HOST, CHANNEL, "status")).fallback
    assert "Uitgenodigd: 4" in status
    assert "Knel of kiem: minder dan 3 deelnemers" in status
