"""Issue 16, item 2: deadlines in the forms people type (``2u``, ``vrijdag 17:00``,
``morgen 9:00``, ``31-12-2026``, and with the month's name: ``31 december``, ``Dec 31 17:00``),
read in the round's time zone; anything else gets a clear reply and starts nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.core.commands import MAX_DURATION, WEEKDAYS, CommandError, parse
from bot.core.deadlines import parse_deadline
from bot.core.prompts import Catalog
from bot.testing import LocalDriver, ManualClock
from storage.models import RoundRow
from tests.core.conversation import CHANNEL, HOST, setup_channel

ZONE = "Europe/Amsterdam"
AMSTERDAM = ZoneInfo(ZONE)
# The test clock's start: Monday 2 March 2026, 09:00 UTC, 10:00 in Amsterdam.
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
ZONES = ("Europe/Amsterdam", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "UTC")
NAMES = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
}


def wall_clock(raw: str, now: dt.datetime = NOW, zone: str = ZONE) -> dt.datetime:
    return parse_deadline(raw, now, zone).astimezone(ZoneInfo(zone)).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2u", dt.datetime(2026, 3, 2, 12, 0)),
        ("2h", dt.datetime(2026, 3, 2, 12, 0)),
        ("2 uur", dt.datetime(2026, 3, 2, 12, 0)),
        ("30m", dt.datetime(2026, 3, 2, 10, 30)),
        ("3d", dt.datetime(2026, 3, 5, 10, 0)),
        ("3 dagen", dt.datetime(2026, 3, 5, 10, 0)),
        ("1w", dt.datetime(2026, 3, 9, 10, 0)),
        ("31-12-2026", dt.datetime(2026, 12, 31, 17, 0)),
        ("31-12-2026 17:00", dt.datetime(2026, 12, 31, 17, 0)),
        ("1-4-2026 9:30", dt.datetime(2026, 4, 1, 9, 30)),
        ("2026-12-31", dt.datetime(2026, 12, 31, 17, 0)),
        ("2026-12-31T08:15", dt.datetime(2026, 12, 31, 8, 15)),
        ("vrijdag", dt.datetime(2026, 3, 6, 17, 0)),
        ("vrijdag 17:00", dt.datetime(2026, 3, 6, 17, 0)),
        ("Vrijdag om 16.30", dt.datetime(2026, 3, 6, 16, 30)),
        ("vr 12:00", dt.datetime(2026, 3, 6, 12, 0)),
        ("volgende vrijdag", dt.datetime(2026, 3, 6, 17, 0)),
        ("maandag", dt.datetime(2026, 3, 9, 17, 0)),  # never today: a week later
        ("morgen", dt.datetime(2026, 3, 3, 17, 0)),
        ("morgen 9:00", dt.datetime(2026, 3, 3, 9, 0)),
        ("overmorgen 9:00", dt.datetime(2026, 3, 4, 9, 0)),
        ("vandaag 16:00", dt.datetime(2026, 3, 2, 16, 0)),
        ("16:00", dt.datetime(2026, 3, 2, 16, 0)),
        ("friday", dt.datetime(2026, 3, 6, 17, 0)),
        ("Friday 17:00", dt.datetime(2026, 3, 6, 17, 0)),
        ("friday at 5pm", dt.datetime(2026, 3, 6, 17, 0)),
        ("tomorrow 9:00", dt.datetime(2026, 3, 3, 9, 0)),
        ("tomorrow at 9am", dt.datetime(2026, 3, 3, 9, 0)),
        ("today 12pm", dt.datetime(2026, 3, 2, 12, 0)),
        # Month names (CLDR's, through Babel); without a year the next such date.
        ("31 december", dt.datetime(2026, 12, 31, 17, 0)),
        ("31 december 17:00", dt.datetime(2026, 12, 31, 17, 0)),
        ("31 dec", dt.datetime(2026, 12, 31, 17, 0)),
        ("31 dec. om 9:00", dt.datetime(2026, 12, 31, 9, 0)),
        ("31 December", dt.datetime(2026, 12, 31, 17, 0)),
        ("December 31", dt.datetime(2026, 12, 31, 17, 0)),
        ("Dec 31 17:00", dt.datetime(2026, 12, 31, 17, 0)),
        ("December 31, 2026 9:00", dt.datetime(2026, 12, 31, 9, 0)),
        ("31 december 2026", dt.datetime(2026, 12, 31, 17, 0)),
        ("15 mrt", dt.datetime(2026, 3, 15, 17, 0)),
        ("1 mei 12:00", dt.datetime(2026, 5, 1, 12, 0)),
        ("Sept 1", dt.datetime(2026, 9, 1, 17, 0)),
        ("sep 1", dt.datetime(2026, 9, 1, 17, 0)),
        ("2 maart 18:00", dt.datetime(2026, 3, 2, 18, 0)),  # today, later on
        ("1 maart", dt.datetime(2027, 3, 1, 17, 0)),  # passed this year: next year
        ("15 januari", dt.datetime(2027, 1, 15, 17, 0)),
    ],
)
def test_the_forms_people_type(raw: str, expected: dt.datetime) -> None:
    assert wall_clock(raw) == expected


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("gisteren", "error.deadline_format"),
        ("vrijdag 5", "error.deadline_format"),
        ("over twee weken", "error.deadline_format"),
        ("", "error.deadline_format"),
        ("31-02-2026", "error.deadline_no_date"),
        ("12-31-2026", "error.deadline_no_date"),  # month-day-year: month 31 does not exist
        ("vrijdag 25:00", "error.deadline_time"),
        ("morgen 13pm", "error.deadline_time"),
        ("vandaag 9:00", "error.deadline_past"),  # 10:00 now
        ("1-1-2026", "error.deadline_past"),
        ("0u", "error.deadline_past"),
        ("1-1-2028", "error.deadline_too_far"),
        ("1-1-0001 00:00", "error.deadline_past"),
        ("31-12-9999 23:59", "error.deadline_too_far"),
        ("31 februari", "error.deadline_no_date"),
        ("32 december", "error.deadline_no_date"),
        ("29 februari 2027", "error.deadline_no_date"),
        ("29 februari", "error.deadline_too_far"),  # the next one is in 2028
        ("2 maart 9:00", "error.deadline_past"),  # today, but 10:00 already
        ("31 december 2025", "error.deadline_past"),
        ("31 december 2027", "error.deadline_too_far"),
        ("december", "error.deadline_format"),
        ("31 dec 26", "error.deadline_format"),
        ("december vrijdag", "error.deadline_format"),
        ("31 decembers", "error.deadline_format"),
    ],
)
def test_anything_else_is_refused_with_a_reason(raw: str, key: str) -> None:
    with pytest.raises(CommandError) as refused:
        parse_deadline(raw, NOW, ZONE)
    assert refused.value.key == key


def test_the_refusal_names_the_forms_that_work() -> None:
    catalog = Catalog.load()
    with pytest.raises(CommandError) as refused:
        parse_deadline("volgende week", NOW, ZONE)
    nl = catalog.text("nl", refused.value.key, **refused.value.values)
    en = catalog.text("en", refused.value.key, **refused.value.values)
    for form in ("`2u`", "`vrijdag 17:00`", "`morgen 9:00`", "`31-12-2026`", "17:00"):
        assert form in nl
    assert "`31 december`" in nl and "`31 december 17:00`" in nl
    for form in ("`2h`", "`friday 17:00`", "`tomorrow 9:00`", "`31-12-2026`", "`31 December`"):
        assert form in en


def test_the_round_time_zone_decides() -> None:
    """``morgen 9:00`` is 9:00 on the wall clock of the round's zone."""
    amsterdam = parse_deadline("morgen 9:00", NOW, "Europe/Amsterdam")
    kolkata = parse_deadline("morgen 9:00", NOW, "Asia/Kolkata")
    assert amsterdam == dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC)
    assert kolkata == dt.datetime(2026, 3, 3, 3, 30, tzinfo=dt.UTC)
    # "Tomorrow" is tomorrow where the round is: 23:30 UTC is already Tuesday in Amsterdam.
    late = dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)
    assert wall_clock("morgen 9:00", late) == dt.datetime(2026, 3, 4, 9, 0)


# -- properties ---------------------------------------------------------------------------

VOCABULARY = [
    *WEEKDAYS,
    *("vandaag", "today", "morgen", "tomorrow", "overmorgen", "volgende", "next"),
    *("om", "at", "17:00", "9:00", "9.30", "5pm", "12am", "24:00", "23:59", "0:00", "17u"),
    *("2u", "3d", "1w", "30m", "0h", "9999w", "2", "uur", "dagen", "weken", "hours"),
    *("31-12-2026", "29-02-2028", "2026-12-31", "2026-12-31t17:00", "00-00-0000", "1-1-1"),
    *("-", ":", "T", "\u0663d", "\x00", "\u200b", "ß", "İ"),
    *("december", "Dec.", "sept", "mei", "mrt", "31", "29", "0", "2026", "31,", "99"),
]
moments = st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=st.just(dt.UTC)
)
typed = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(VOCABULARY), max_size=4).map(" ".join),
    st.lists(st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=4)), max_size=4).map(" ".join),
)


@settings(max_examples=400, deadline=None)
@given(raw=typed, now=moments, zone=st.sampled_from(ZONES))
@example(raw="1-1-1 0:00", now=dt.datetime(1990, 1, 1, tzinfo=dt.UTC), zone="Pacific/Chatham")
@example(raw="31-12-9999 23:59", now=NOW, zone="UTC")
def test_the_parser_never_crashes(raw: str, now: dt.datetime, zone: str) -> None:
    """Whatever is typed: a moment in the coming year, or a refusal the catalog can word."""
    catalog = Catalog.load()
    try:
        moment = parse_deadline(raw, now, zone)
    except CommandError as refused:
        assert catalog.text("nl", refused.key, **refused.values)
        assert catalog.text("en", refused.key, **refused.values)
    else:
        assert moment.tzinfo is not None
        assert now < moment <= now + MAX_DURATION


def _forms(lang: str, wall: dt.datetime, today: dt.date) -> list[str]:
    """Every way ``wall`` (local, in the coming year) can be typed in ``lang``."""
    clock = f"{wall.hour}:{wall.minute:02d}"
    forms = [
        f"{wall.day}-{wall.month}-{wall.year} {clock}",
        f"{wall.day:02d}-{wall.month:02d}-{wall.year} {'om' if lang == 'nl' else 'at'} {clock}",
        f"{wall.date().isoformat()}T{wall.hour:02d}:{wall.minute:02d}",
        f"{wall.date().isoformat()} {wall.hour:02d}.{wall.minute:02d}",
    ]
    ahead = (wall.date() - today).days
    if 1 <= ahead <= 7:
        forms.append(f"{NAMES[lang][wall.weekday()]} {clock}")
    if ahead == 1:
        forms.append(f"{'morgen' if lang == 'nl' else 'tomorrow'} {clock}")
    if ahead == 0:
        forms.append(f"{'vandaag' if lang == 'nl' else 'today'} {clock}")
        forms.append(clock)
    # The month's name, as Babel writes it: "31 december 2026", "31 dec. 9:00", "December 31".
    locale = {"nl": "nl_NL", "en": "en_GB"}[lang]
    wide, short = (format_date(wall.date(), f, locale=locale) for f in ("d MMMM", "d MMM"))
    forms += [f"{wide} {wall.year} {clock}", f"{short} {wall.year} {clock}"]
    if lang == "en":
        forms.append(f"{format_date(wall.date(), 'MMMM d', locale=locale)}, {wall.year} {clock}")
    try:
        this_year = wall.date().replace(year=today.year)
    except ValueError:  # 29 February
        this_year = None
    if this_year is not None and (this_year >= today or this_year.replace(year=today.year + 1)):
        upcoming = this_year if this_year >= today else this_year.replace(year=today.year + 1)
        if upcoming == wall.date():  # without a year the next such date: only then it is this
            forms += [f"{wide} {clock}", f"{short} {'om' if lang == 'nl' else 'at'} {clock}"]
    return forms


@settings(max_examples=300, deadline=None)
@given(
    now=moments,
    minutes=st.integers(min_value=1, max_value=365 * 24 * 60),
    zone=st.sampled_from(ZONES),
    lang=st.sampled_from(("nl", "en")),
    pick=st.integers(min_value=0),
)
def test_a_typed_moment_comes_back_as_typed(
    now: dt.datetime, minutes: int, zone: str, lang: str, pick: int
) -> None:
    """A moment in the coming year, typed in any form that can name it, is read back to the
    same wall-clock minute in the round's zone."""
    now = now.replace(second=0, microsecond=0)
    tz = ZoneInfo(zone)
    wall = (now + dt.timedelta(minutes=minutes)).astimezone(tz)
    forms = _forms(lang, wall, now.astimezone(tz).date())
    raw = forms[pick % len(forms)]
    back = parse_deadline(raw, now, zone).astimezone(tz)
    assert back.replace(tzinfo=None) == wall.replace(tzinfo=None), raw


@settings(max_examples=200, deadline=None)
@given(
    now=moments,
    amount=st.integers(min_value=1, max_value=52),
    unit=st.sampled_from(["m", "u", "h", "d", "w", " uur", " dagen", " weeks", " minuten"]),
)
def test_a_length_is_counted_from_now(now: dt.datetime, amount: int, unit: str) -> None:
    length = {"m": "minutes", "u": "hours", "h": "hours", "d": "days", "w": "weeks"}
    key = {" uur": "u", " dagen": "d", " weeks": "w", " minuten": "m"}.get(unit, unit)
    moment = parse_deadline(f"{amount}{unit}", now, ZONE)
    assert moment == now + dt.timedelta(**{length[key]: amount})


@settings(max_examples=200, deadline=None)
@given(
    day=st.sampled_from(
        [
            "vrijdag",
            "morgen",
            "tomorrow",
            "volgende maandag",
            "31-12-2026",
            "31 december",
            "December 31",
            "31 dec 2026",
            "Dec 31, 2026",
        ]
    ),
    time=st.sampled_from(["", " 17:00", " om 9:00", " at 9am", " 16.30"]),
    after=st.sampled_from(["", " waarderend", " --paced", ' --theme "Samen"']),
)
def test_a_deadline_needs_no_quotes(day: str, time: str, after: str) -> None:
    """``start --deadline vrijdag 17:00 waarderend``: the time belongs to the deadline, the
    next word is the template again."""
    command = parse(f"start --deadline {day}{time}{after}")
    assert command.deadline == f"{day}{time}"
    assert command.template == ("waarderend" if after == " waarderend" else None)


# -- conversations ------------------------------------------------------------------------


async def rounds(local_driver: LocalDriver) -> int:
    async with local_driver.app.db.sessions() as session:
        return await session.scalar(select(func.count()).select_from(RoundRow)) or 0


async def test_host_sets_friday_at_five_and_everyone_reads_it_in_dutch(
    local: LocalDriver,
) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start --deadline vrijdag 17:00")
    channel = local.channel(CHANNEL)[0].fallback
    assert "De ronde sluit op vrijdag 6 maart om 17:00." in channel
    assert "Je kunt antwoorden tot vrijdag 6 maart om 17:00." in local.inbox("U02BRAM")[0].fallback
    async with local.app.db.sessions() as session:
        row = await session.scalar(select(RoundRow))
    assert row is not None
    assert row.deadline == dt.datetime(2026, 3, 6, 16, 0, tzinfo=dt.UTC), "17:00 CET"
    status = await local.command(HOST, CHANNEL, "status")
    assert "De ronde sluit op vrijdag 6 maart om 17:00." in status.fallback
    assert "1 dag en 2 uur vóór de deadline" in status.fallback


async def test_an_english_round_reads_tomorrow_in_english(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start --lang en --deadline tomorrow 9:00 --remind 2h")
    assert "Deadline: Tuesday 3 March at 09:00." in local.channel(CHANNEL)[0].fallback
    invitation = local.inbox("U02BRAM")[0].fallback
    assert "You can answer until Tuesday 3 March at 09:00." in invitation
    status = await local.command(HOST, CHANNEL, "status")
    assert "2 hours before the deadline" in status.fallback


async def test_a_deadline_in_the_next_year_shows_its_year(
    local: LocalDriver, clock: ManualClock
) -> None:
    clock.set(dt.datetime(2026, 12, 21, 9, 0, tzinfo=dt.UTC))
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start --deadline 5-1-2027")
    assert (
        "De ronde sluit op dinsdag 5 januari 2027 om 17:00." in local.channel(CHANNEL)[0].fallback
    )


@pytest.mark.parametrize(
    ("typed", "reply"),
    [
        ("gisteren", "Schrijf bijvoorbeeld `2u`, `3d`, `1w`, `vrijdag`, `vrijdag 17:00`"),
        ("31-02-2026", "De datum in `31-02-2026` bestaat niet"),
        ("vrijdag 25:00", "De tijd in `vrijdag 25:00` bestaat niet"),
        ("1-3-2026", "ligt niet in de toekomst"),
    ],
)
async def test_a_bad_deadline_gets_a_clear_reply_and_starts_nothing(
    local: LocalDriver, typed: str, reply: str
) -> None:
    setup_channel(local)
    answer = await local.command(HOST, CHANNEL, f"start --deadline {typed}")
    assert reply in answer.fallback
    assert await rounds(local) == 0
    assert local.channel(CHANNEL) == [] and local.inbox("U02BRAM") == []
