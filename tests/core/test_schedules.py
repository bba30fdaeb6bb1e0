"""Timers on the local adapter with a manual clock: deadlines, paced phases, reminders and
weekly digests fire once, at their moment or late after downtime, and never name anyone."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import pytest
from sqlalchemy import func, select

from bot.core.messages import Quote
from bot.core.port import Member
from bot.runtime.scheduler import Scheduler
from bot.testing import LocalDriver, ManualClock
from storage.models import DigestRow, FiredJobRow, ReminderSentRow, RoundRow
from tests.core.conversation import (
    CHANNEL,
    HEADLINES,
    HOST,
    PEOPLE,
    answer_all,
    publish,
    setup_channel,
    story,
)
from tests.core.test_anonymity import dump, identities

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # ManualClock's default, a Monday


async def tick(local: LocalDriver) -> list[str]:
    """What the scheduler's wake-up does, without APScheduler: run due jobs, deliver."""
    fired = await local.app.scheduler.run_due()
    await local.app.dispatcher.drain()
    return fired


async def round_row(local: LocalDriver) -> RoundRow:
    async with local.app.db.sessions() as session:
        row = await session.scalar(select(RoundRow).order_by(RoundRow.seq.desc()))
    assert row is not None
    return row


def reminders_in(local: LocalDriver, user: str) -> int:
    return sum("vriendelijke herinnering" in m.fallback for m in local.inbox(user))


async def test_round_closes_itself_at_the_deadline_and_posts_the_summary(
    local: LocalDriver, clock: ManualClock
) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, 'start --deadline 3d --remind off --theme "Samen"')
    for n, user in enumerate(PEOPLE, start=1):
        await answer_all(local, user, n)
    clock.advance(days=2, hours=23, minutes=59)
    assert await tick(local) == []
    posts = len(local.channel(CHANNEL))
    clock.advance(minutes=1)
    row = await round_row(local)
    assert await tick(local) == [f"close:{row.id}"]
    final = local.channel(CHANNEL)[posts:]
    assert len(final) == 1 and "kijkt de samenvatting na" in final[0].fallback
    assert "Concept: De ronde is gesloten" in local.inbox(HOST)[-1].fallback
    await publish(local)  # the host reviews the draft the deadline made, then publishes it
    final = local.channel(CHANNEL)[posts:]
    assert len(final) == 2
    assert "De ronde is gesloten: de oogst" in final[1].fallback
    assert all(headline in final[1].fallback for headline in HEADLINES)
    assert (await round_row(local)).status == "closed"
    clock.advance(days=1)
    # a deadline fires once; the invitees' thank-you (issue 18) follows the published harvest
    assert await tick(local) == [f"thanks:{row.id}"], "a deadline fires once"
    assert await tick(local) == []
    assert len(local.channel(CHANNEL)) == posts + 2


async def test_deadline_missed_while_down_fires_late_once(
    local: LocalDriver, clock: ManualClock
) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start --deadline 2h")
    clock.advance(days=4)  # the bot was down over the deadline and both reminder moments
    fired = await tick(local)
    row = await round_row(local)
    assert fired == [f"close:{row.id}"], "late, once; no reminders after the deadline"
    assert "te weinig deelnemers" in local.channel(CHANNEL)[-1].fallback
    assert await tick(local) == []


async def test_manual_close_before_the_deadline_leaves_nothing_to_fire(
    local: LocalDriver, clock: ManualClock
) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start --deadline 1d")
    await local.command(HOST, CHANNEL, "close")
    posts = len(local.channel(CHANNEL))
    clock.advance(days=2)
    assert await tick(local) == []
    assert len(local.channel(CHANNEL)) == posts


async def test_reminders_go_privately_to_those_not_finished_once_per_slot(
    local: LocalDriver, clock: ManualClock
) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start --deadline 3d")  # default slots: 24h and 2h
    await answer_all(local, "U02BRAM", 1)
    await local.say("U03CHLOE", f"kiem: {story(2)}")  # started, not finished
    posts = len(local.channel(CHANNEL))
    row = await round_row(local)
    assert row.reminders == "24h,2h"
    status = await local.command(HOST, CHANNEL, "status")
    assert (
        "Privéherinneringen aan wie nog niet klaar is: 1 dag en 2 uur vóór de deadline"
        in status.fallback
    )

    clock.advance(days=1, hours=23, minutes=59)
    assert await tick(local) == []
    clock.advance(minutes=1)
    assert await tick(local) == [f"remind:{row.id}:24h"]
    assert [reminders_in(local, u) for u in PEOPLE] == [1, 0, 1, 1]
    assert "Vraag 2 van 4: Krantenkop" in local.inbox("U03CHLOE")[-1].fallback
    assert "sluit op donderdag 5 maart om 10:00" in local.inbox("U04DAAN")[-1].fallback
    assert await tick(local) == [], "one reminder per slot"

    await answer_all(local, "U04DAAN", 4)
    clock.advance(hours=22)
    assert await tick(local) == [f"remind:{row.id}:2h"]
    assert [reminders_in(local, u) for u in PEOPLE] == [2, 0, 2, 1]
    assert len(local.channel(CHANNEL)) == posts, "nothing in the channel, nobody named"
    async with local.app.db.sessions() as session:
        sent = await session.scalar(select(func.count()).select_from(ReminderSentRow))
    assert sent == 5  # 24h: Anna, Chloé, Daan; 2h: Anna, Chloé

    reply = await local.command(HOST, CHANNEL, "remind")
    assert "2 herinneringen" in reply.fallback, "`remind` sends one now, whatever the slots"


async def test_reminder_slots_missed_while_down_send_one_reminder(
    local: LocalDriver, clock: ManualClock
) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start --deadline 3d --remind 48h,24h,2h")
    clock.advance(days=2, hours=23)  # down over the 48h, 24h and 2h moments
    row = await round_row(local)
    assert await tick(local) == [f"remind:{row.id}:2h"]
    assert [reminders_in(local, u) for u in PEOPLE] == [1, 1, 1, 1]
    async with local.app.db.sessions() as session:
        keys = set(await session.scalars(select(FiredJobRow.key)))
    assert {f"remind:{row.id}:{slot}" for slot in ("48h", "24h", "2h")} <= keys
    assert await tick(local) == []


async def test_reminder_slot_already_past_at_start_is_dropped(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start --deadline 3h")
    assert (await round_row(local)).reminders == "2h"
    assert await tick(local) == []


async def test_paced_phases_open_on_schedule_and_next_still_works(
    local: LocalDriver, clock: ManualClock
) -> None:
    setup_channel(local)
    reply = await local.command(HOST, CHANNEL, "start --paced --phase-length 1d --remind off")
    assert "gespreksleider" in reply.fallback
    assert "Elke fase staat 1 dag open" in local.channel(CHANNEL)[0].fallback
    for n, user in enumerate(["U02BRAM", "U03CHLOE", "U04DAAN"], start=1):
        await local.say(user, f"knel: {story(n)}")
    row = await round_row(local)
    status = await local.command(HOST, CHANNEL, "status")
    assert "De volgende fase gaat vanzelf open op dinsdag 3 maart om 10:00" in status.fallback
    clock.advance(hours=23)
    assert await tick(local) == []
    clock.advance(hours=1)
    assert await tick(local) == [f"phase:{row.id}:0"]
    assert "Fase gesloten: Knel of kiem" in local.channel(CHANNEL)[-1].fallback
    assert "Vraag 2 van 4: Krantenkop" in local.inbox("U02BRAM")[-1].fallback
    assert (await round_row(local)).open_phase == 1

    clock.advance(hours=12)
    await local.command(HOST, CHANNEL, "next")  # the host opens phase 3 early
    assert (await round_row(local)).open_phase == 2
    clock.advance(hours=12)
    assert await tick(local) == [], "the schedule restarts from the host's `next`"
    clock.advance(hours=12)
    assert await tick(local) == [f"phase:{row.id}:2"]
    assert (await round_row(local)).open_phase == 3
    clock.advance(days=5)
    assert await tick(local) == [], "the last phase stays open until close (no deadline)"


async def test_paced_round_with_deadline_shares_the_time_equally(
    local: LocalDriver, clock: ManualClock
) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start --paced --deadline 4d --remind off")
    row = await round_row(local)
    assert row.phase_seconds == 86400
    fired = []
    for _ in range(4):
        clock.advance(days=1)
        fired += await tick(local)
    assert fired == [f"phase:{row.id}:{k}" for k in range(3)] + [f"close:{row.id}"]


async def set_digest(local: LocalDriver, words: str, user: str = HOST) -> str:
    return (await local.command(user, CHANNEL, words)).fallback


async def test_weekly_digest_keeps_local_time_across_daylight_saving(
    local: LocalDriver, clock: ManualClock
) -> None:
    """Sunday 09:00 in Amsterdam is 07:00 UTC in summer time and 08:00 UTC after the clocks
    go back on 25 October 2026."""
    setup_channel(local)
    clock.set(dt.datetime(2026, 10, 12, 10, 0, tzinfo=dt.UTC))
    reply = await set_digest(local, "digest weekly zondag 09:00")
    assert "Elke zondag om 09:00 (Europe/Amsterdam)" in reply
    await local.command(HOST, CHANNEL, 'start --theme "Samen"')
    for n, user in enumerate(PEOPLE, start=1):
        await answer_all(local, user, n)
    async with local.app.db.sessions() as session:
        digest = await session.scalar(select(DigestRow))
    assert digest is not None

    clock.set(dt.datetime(2026, 10, 18, 6, 59, tzinfo=dt.UTC))
    assert await tick(local) == []
    clock.set(dt.datetime(2026, 10, 18, 7, 0, tzinfo=dt.UTC))
    assert await tick(local) == [f"digest:{digest.id}:2026-10-18"]
    first = [m.fallback for m in local.channel(CHANNEL)[-2:]]
    assert "Weekoverzicht: 11–17 oktober" in first[0]
    assert "Nieuwe antwoorden: 16 · deelnemers: 4 (nog open)" in first[0]
    assert all(headline in first[1] for headline in HEADLINES)

    posts = len(local.channel(CHANNEL))
    clock.set(dt.datetime(2026, 10, 25, 7, 30, tzinfo=dt.UTC))  # 08:30 local, winter time
    assert await tick(local) == []
    clock.set(dt.datetime(2026, 10, 25, 8, 0, tzinfo=dt.UTC))
    assert await tick(local) == [f"digest:{digest.id}:2026-10-25"]
    assert "Deze week geen nieuwe antwoorden" in local.channel(CHANNEL)[-1].fallback
    assert len(local.channel(CHANNEL)) == posts + 1
    assert await tick(local) == []


async def test_digest_below_the_threshold_shows_only_counts(
    local: LocalDriver, clock: ManualClock
) -> None:
    setup_channel(local)
    await set_digest(local, "digest weekly monday 10:00")  # 10:00 CET = 09:00 UTC
    await local.command(HOST, CHANNEL, "start --lang en")
    await local.say("U02BRAM", "stuck: The library closed and nobody told us.")
    await local.say("U03CHLOE", "sprouting: A neighbour started a vegetable garden.")
    posts = len(local.channel(CHANNEL))
    clock.advance(days=7)
    assert len(await tick(local)) == 1
    digest = local.channel(CHANNEL)[posts:]
    assert len(digest) == 1
    text = digest[0].fallback
    assert "Nieuwe antwoorden: 2 · deelnemers: minder dan 3" in text
    assert "te weinig deelnemers" in text
    assert "library" not in text and "garden" not in text
    assert not any(isinstance(block, Quote) for block in digest[0].blocks)


async def test_digest_missed_while_down_posts_once_and_digest_off_stops_it(
    local: LocalDriver, clock: ManualClock
) -> None:
    setup_channel(local)
    await set_digest(local, "digest weekly ma 10:00")
    assert "Alleen wie" in await set_digest(local, "digest off", user="U02BRAM")
    clock.advance(days=22)  # down for three Mondays
    assert len(await tick(local)) == 1, "only the latest digest is owed"
    assert await tick(local) == []
    assert "gestopt" in await set_digest(local, "digest off")
    clock.advance(days=7)
    assert await tick(local) == []


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("digest weekly blauwdag 09:00", "De dag `blauwdag` ken ik niet"),
        ("digest weekly maandag 25:00", "De tijd `25:00` begrijp ik niet"),
        ("digest weekly maandag 9", "De tijd `9` begrijp ik niet"),
        ("digest weekly maandag 09:00 Mars/Olympus", "tijdzone `Mars/Olympus`"),
        ("digest daily 09:00", "De dag `daily` ken ik niet"),
        ("digest", "Schrijf `weekoverzicht <dag> <UU:MM>`"),
        ("weekoverzicht maandag", "Schrijf `weekoverzicht <dag> <UU:MM>`"),
        ("weekoverzicht elke 09:00", "De dag `elke` ken ik niet"),
        ("digest off", "geen weekoverzicht"),
        ("start --deadline 2020-01-01T10:00", "niet in de toekomst"),
        ("start --remind 24h", "Voeg `--deadline` toe"),
        ("start --herinner 24u", "Voeg `--deadline` toe"),
        ("start --deadline 3d --remind morgen", "herinnering `morgen` begrijp ik niet"),
        ("start --phase-length 1d", "hoort bij een ronde met `--per-fase`"),
        ("start --faseduur 1d", "hoort bij een ronde met `--per-fase`"),
        ("start --paced --phase-length soms", "faseduur `soms`"),
    ],
)
async def test_bad_schedule_input_is_refused_privately_and_schedules_nothing(
    local: LocalDriver, clock: ManualClock, words: str, expected: str
) -> None:
    setup_channel(local)
    reply = await local.command(HOST, CHANNEL, words)
    assert expected in reply.fallback
    assert local.channel(CHANNEL) == []
    assert await local.app.scheduler.planned() == []
    clock.advance(days=30)
    assert await tick(local) == []


async def test_digest_typed_in_the_private_chat_is_refused(local: LocalDriver) -> None:
    setup_channel(local)
    reply = await local.say("U02BRAM", "digest weekly maandag 09:00")
    assert "hoort bij een kanaal" in reply.fallback
    assert await local.app.scheduler.planned() == []


async def test_digest_at_a_time_the_spring_clock_change_skips_fires_once_that_day(
    local: LocalDriver, clock: ManualClock
) -> None:
    """02:30 does not exist in Amsterdam on 29 March 2026 (02:00 becomes 03:00): the digest
    comes at 03:30 local time (01:30 UTC) that Sunday, once, and at 02:30 again after."""
    setup_channel(local)
    clock.set(dt.datetime(2026, 3, 23, 12, 0, tzinfo=dt.UTC))
    await set_digest(local, "digest weekly sunday 02:30")
    clock.set(dt.datetime(2026, 3, 29, 1, 29, tzinfo=dt.UTC))
    assert await tick(local) == []
    clock.set(dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC))
    assert len(await tick(local)) == 1
    clock.set(dt.datetime(2026, 3, 29, 23, 0, tzinfo=dt.UTC))
    assert await tick(local) == []
    clock.set(dt.datetime(2026, 4, 5, 0, 30, tzinfo=dt.UTC))  # 02:30 summer time
    assert len(await tick(local)) == 1


async def test_schedule_tables_hold_no_identities(local: LocalDriver, clock: ManualClock) -> None:
    """Reminders sent are kept per pseudonym and slot, fired jobs per key and day, digests
    with a keyed hash of who set them: no user id, no name, no time of an answer."""
    setup_channel(local)
    await set_digest(local, "digest weekly maandag 10:00")
    await local.command(HOST, CHANNEL, "start --deadline 2d")
    await local.say("U02BRAM", f"knel: {story(1)}")
    clock.advance(days=1, hours=1)
    assert len(await tick(local)) == 1  # the 24h reminder
    rows = [
        row
        for row in await dump(local)
        if row.split(":")[0] in ("reminders_sent", "fired_jobs", "digests")
    ]
    assert len([r for r in rows if r.startswith("reminders_sent")]) == 4
    for row in rows:
        assert not [who for who in identities() if who in row], row


async def test_digest_covers_only_the_weeks_new_answers(
    local: LocalDriver, clock: ManualClock
) -> None:
    setup_channel(local)
    await set_digest(local, "digest weekly maandag 08:00")
    await local.command(HOST, CHANNEL, "start")
    for n, user in enumerate(PEOPLE, start=1):
        await answer_all(local, user, n)
    await local.command(HOST, CHANNEL, "close")
    clock.advance(days=1)
    await local.command(HOST, CHANNEL, 'start --theme "Tweede ronde"')
    await local.say("U02BRAM", "kiem: Een buurman begon een moestuin tussen de flats.")
    clock.advance(days=6)  # Monday 2026-03-09, 09:00 UTC = 10:00 local: digest due at 07:00 UTC
    posts = len(local.channel(CHANNEL))
    assert len(await tick(local)) == 1
    week = [m.fallback for m in local.channel(CHANNEL)[posts:]]
    assert "Weekoverzicht: 2–8 maart" in week[0]
    assert "Nieuwe antwoorden: 16 · deelnemers: 4 (gesloten)" in week[0]
    assert "Ronde: Tweede ronde" in week[0]
    assert "Nieuwe antwoorden: 1 · deelnemers: minder dan 3 (nog open)" in week[0]
    assert len(week) == 2 and all(headline in week[1] for headline in HEADLINES)
    assert "moestuin" not in "".join(week), "one person's answer is never shown"

    clock.advance(days=1)
    await local.say("U03CHLOE", "knel: De bus rijdt niet meer.")
    clock.advance(days=6)
    posts = len(local.channel(CHANNEL))
    assert len(await tick(local)) == 1
    week = [m.fallback for m in local.channel(CHANNEL)[posts:]]
    assert len(week) == 1 and HEADLINES[0] not in week[0], "last week's answers are not repeated"
    assert "Nieuwe antwoorden: 1 · deelnemers: minder dan 3" in week[0]


async def test_a_job_whose_platform_fails_is_retried_with_backoff_and_fires_once(
    local: LocalDriver, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start --deadline 1d --remind off")
    members = local.platform.list_members

    async def down(workspace: str, channel_id: str) -> list[Member]:
        raise ConnectionError("platform down")

    monkeypatch.setattr(local.platform, "list_members", down)
    clock.advance(days=1)
    assert await tick(local) == []
    assert (await round_row(local)).status == "open", "rolled back, still owed"
    clock.advance(seconds=10)
    assert await tick(local) == [], "backing off (first retry after the poll interval)"
    monkeypatch.setattr(local.platform, "list_members", members)
    clock.advance(seconds=30)
    row = await round_row(local)
    assert await tick(local) == [f"close:{row.id}"]
    assert await tick(local) == []


async def test_stopping_while_wake_ups_are_handed_out_logs_no_failed_job(
    local: LocalDriver, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """APScheduler cancels a wake-up that has not run yet at shutdown and logs it as a
    failed job; a stop must let those run first (a traceback in the log looks like a bug)."""
    caplog.set_level(logging.INFO)
    app = local.app
    for _ in range(30):
        scheduler = Scheduler(
            app.db, app.core, app.dispatcher, clock, app.platforms, app.writer, 0.001
        )
        await scheduler.start()
        await asyncio.sleep(0.003)  # a wake-up is due about every loop turn
        await scheduler.stop()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]


async def test_an_answer_late_on_sunday_night_counts_in_the_local_week(
    local: LocalDriver, clock: ManualClock
) -> None:
    """23:30 UTC on Sunday 8 March is 00:30 on Monday in Amsterdam: the answer belongs to
    the week the digest of 16 March covers, not to the one of 9 March."""
    setup_channel(local)
    await set_digest(local, "digest weekly maandag 08:00")
    await local.command(HOST, CHANNEL, "start")
    clock.advance(days=6, hours=14, minutes=30)  # Sunday 2026-03-08 23:30 UTC
    await local.say("U02BRAM", "kiem: Een buurman begon een moestuin tussen de flats.")
    clock.advance(hours=9, minutes=30)  # Monday 09:00 UTC, past the 07:00 UTC digest
    posts = len(local.channel(CHANNEL))
    assert len(await tick(local)) == 1
    first = " ".join(m.fallback for m in local.channel(CHANNEL)[posts:])
    assert "Weekoverzicht: 2–8 maart" in first
    assert "Nieuwe antwoorden: 1" not in first
    clock.advance(days=7)
    posts = len(local.channel(CHANNEL))
    assert len(await tick(local)) == 1
    second = " ".join(m.fallback for m in local.channel(CHANNEL)[posts:])
    assert "Weekoverzicht: 9–15 maart" in second
    assert "Nieuwe antwoorden: 1" in second
