"""Deadlines in the forms people type, Dutch and English, in the round's time zone.

* a length from now: ``30m``, ``2u`` / ``2h``, ``3d``, ``1w`` (also ``2 uur``, ``3 dagen``);
* a day: ``vandaag`` / ``today``, ``morgen`` / ``tomorrow``, ``overmorgen``, a weekday
  (``vrijdag``, ``vr``, ``friday``, ``fri``; optionally ``volgende`` / ``next`` before it),
  a date as ``31-12-2026`` (day-month-year) or ``2026-12-31``, or with the month's name
  (CLDR's, through Babel, Dutch and English, wide or abbreviated): ``31 december``,
  ``31 dec``, ``31 December``, ``December 31``, ``31 december 2026``;
* a day and a time: ``vrijdag 17:00``, ``morgen om 9:00``, ``tomorrow at 9am``,
  ``31-12-2026 17:00``, ``2026-12-31T17:00``; a time alone (``16:30``) means today.

A weekday is the next such day, never today: on a Friday, ``vrijdag`` is a week later (for
today, say ``vandaag 17:00``). In the same way a month name without a year is the next such
date: on 30 November, ``15 januari`` is next January and ``1 november`` next November; a
date of today whose time has passed is refused. A day without a time means 17:00 that day,
the end of a working day, so the deadline and the reminders before it fall in working hours.
A moment not in the future, or more than a year away, is refused; so is anything else, with
the forms above.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from bot.core.commands import MAX_DAYS, MAX_DURATION, WEEKDAYS, CommandError, relative_length
from bot.core.dates import month_number

DAY_END = dt.time(17, 0)  # a day without a time
DAY_WORDS = {
    "vandaag": 0,
    "today": 0,
    "morgen": 1,
    "tomorrow": 1,
    "overmorgen": 2,
}
# Words that may stand before a weekday and change nothing: it is the next such day anyway.
NEXT_WORDS = frozenset({"volgende", "komende", "aanstaande", "next"})
# Words between the day and the time: "morgen om 9:00", "friday at 17:00".
AT_WORDS = frozenset({"om", "at", "@"})
_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DUTCH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")
_ISO_MOMENT = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})t(\S+)$")
_YEAR = re.compile(r"^\d{4}$")
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(am|pm|u)?$")


def parse_deadline(raw: str, now: dt.datetime, timezone: str) -> dt.datetime:
    """``raw`` as an aware UTC moment after ``now``; :class:`CommandError` names the refusal.

    Local forms are read in ``timezone`` (the round's)."""
    text = " ".join(raw.casefold().split())
    shown = raw.strip()[:40]
    length = relative_length(text)
    if length is not None:
        if length <= dt.timedelta(0):
            raise CommandError("error.deadline_past", deadline=shown)
        moment = now + min(length, 2 * MAX_DURATION)
    else:
        zone = ZoneInfo(timezone)
        today = now.astimezone(zone).date()
        day, clock = _day_and_time(text, today, shown)
        # Far-off years (0001, 9999) are refused before any arithmetic could overflow.
        if day < today:
            raise CommandError("error.deadline_past", deadline=shown)
        if (day - today).days > MAX_DAYS + 1:
            raise CommandError("error.deadline_too_far", deadline=shown, count=MAX_DAYS)
        wall = _local(day, clock, zone)
        moment = wall.astimezone(dt.UTC)
        if moment <= now:  # when the clocks go back, the second 02:30 may still be ahead
            moment = wall.replace(fold=1).astimezone(dt.UTC)
    if moment <= now:
        raise CommandError("error.deadline_past", deadline=shown)
    if moment - now > MAX_DURATION:
        raise CommandError("error.deadline_too_far", deadline=shown, count=MAX_DAYS)
    return moment


def _local(day: dt.date, clock: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The wall-clock ``day`` at ``clock`` in ``zone`` (a time skipped by the clocks going
    forward lands an hour later, as the clock on the wall shows it)."""
    return dt.datetime.combine(day, clock, tzinfo=zone)


def _day_and_time(text: str, today: dt.date, shown: str) -> tuple[dt.date, dt.time]:
    iso = _ISO_MOMENT.match(text)
    words = [iso.group(1), iso.group(2)] if iso else text.split(" ")
    clock: dt.time | None = None
    # "December 31": the day of a month, not a time.
    day_of_month = len(words) >= 2 and words[-1].isdigit() and month_number(words[-2])
    if words and _TIME.match(words[-1]) and not day_of_month:
        clock = _time(words.pop(), shown)
        if words and words[-1] in AT_WORDS:
            words.pop()
    if not words:
        if clock is None:
            raise CommandError("error.deadline_format", deadline=shown)
        return today, clock
    return _day(words, today, shown), clock or DAY_END


def _day(words: list[str], today: dt.date, shown: str) -> dt.date:
    named = _named_month_day(words, today, shown)
    if named is not None:
        return named
    if len(words) == 2 and words[0] in NEXT_WORDS:
        words = words[1:]
    if len(words) != 1:
        raise CommandError("error.deadline_format", deadline=shown)
    word = words[0]
    if word in DAY_WORDS:
        return today + dt.timedelta(days=DAY_WORDS[word])
    weekday = WEEKDAYS.get(word.rstrip("."))
    if weekday is not None:
        ahead = (weekday - today.weekday()) % 7 or 7  # the next such day, never today
        return today + dt.timedelta(days=ahead)
    iso = _ISO_DAY.match(word)
    dutch = _DUTCH_DAY.match(word)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif dutch:
        day, month, year = (int(part) for part in dutch.groups())
    else:
        raise CommandError("error.deadline_format", deadline=shown)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CommandError("error.deadline_no_date", deadline=shown) from None


def _named_month_day(words: list[str], today: dt.date, shown: str) -> dt.date | None:
    """``31 december``, ``december 31``, ``31 dec 2026``, ``December 31, 2026`` as a date;
    without a year the next such date (today included). None when ``words`` name no month."""
    words = [word.strip(",") for word in words]
    if len(words) not in (2, 3):
        return None
    month = month_number(words[1])
    number = words[0]
    if month is None:
        month, number = month_number(words[0]), words[1]
    if month is None:
        return None
    if not number.isdigit() or len(number) > 2:
        raise CommandError("error.deadline_format", deadline=shown)
    if len(words) == 3:
        if not _YEAR.match(words[2]):
            raise CommandError("error.deadline_format", deadline=shown)
        years = [int(words[2])]
    else:
        # The next such date: this year, next year, or (29 February) the next leap year.
        years = [today.year + ahead for ahead in range(5)]
    for year in years:
        try:
            day = dt.date(year, month, int(number))
        except ValueError:
            continue
        if day >= today or len(years) == 1:
            return day
    raise CommandError("error.deadline_no_date", deadline=shown)


def _time(word: str, shown: str) -> dt.time:
    """``17:00``, ``9:00``, ``17.00``, ``17u``, ``9am``, ``5:30pm`` as a time of day."""
    match = _TIME.match(word)
    assert match is not None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = match.group(3)
    if match.group(2) is None and suffix is None:
        # A bare number is no time ("vrijdag 5" could be anything).
        raise CommandError("error.deadline_format", deadline=shown)
    if suffix in ("am", "pm"):
        if not 1 <= hour <= 12:
            raise CommandError("error.deadline_time", deadline=shown)
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        raise CommandError("error.deadline_time", deadline=shown)
    return dt.time(hour, minute)
