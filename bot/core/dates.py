"""Dates, times and lists as people read them, from CLDR through Babel.

"maandag 30 november" / "Monday 30 November": weekday and month names and their order come
from CLDR, not from our own tables. English rounds read British English (day before month,
24-hour clock), as in the rest of Europe. The patterns here only choose which fields show;
the words around them ("om", "at") live in the catalog (``format.*``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

from babel.dates import format_date, format_interval, format_time, get_month_names
from babel.lists import format_list

from bot.core.prompts import language_of

# The CLDR locale each round language is written in.
LOCALES = {"nl": "nl_NL", "en": "en_GB"}
DAY = "EEEE d MMMM"  # maandag 30 november
DAY_WITH_YEAR = "EEEE d MMMM y"  # maandag 4 januari 2027
CLOCK = "HH:mm"  # 09:00, 17:30


def _locale(lang: str) -> str:
    """The CLDR locale of a language or a voice (``nl-u`` is Dutch)."""
    return LOCALES.get(language_of(lang), LOCALES["nl"])


def day_text(lang: str, day: dt.date, *, year: bool = False) -> str:
    """``day`` with its weekday and month name; ``year`` adds the year."""
    return format_date(day, DAY_WITH_YEAR if year else DAY, locale=_locale(lang))


def clock_text(lang: str, moment: dt.datetime) -> str:
    """The wall-clock time of ``moment`` (already in the zone meant), 24-hour."""
    return format_time(moment, CLOCK, locale=_locale(lang))


def period_text(lang: str, first: dt.date, last: dt.date) -> str:
    """The days ``first`` to ``last``: "23–29 november", "28 december – 3 januari"."""
    return format_interval(first, last, "MMMMd", locale=_locale(lang))


def list_text(lang: str, items: Sequence[str]) -> str:
    """``items`` joined as a sentence does: "24 uur en 2 uur", "24 hours and 2 hours"."""
    return format_list(list(items), locale=_locale(lang))


@functools.cache
def _months() -> dict[str, int]:
    """Every month name people type, from CLDR: wide and abbreviated, Dutch and English
    (British and American abbreviations: "Sept" and "Sep"), case and a final dot ignored."""
    names: dict[str, int] = {}
    for locale in (*LOCALES.values(), "en"):
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    names.setdefault(name.casefold().rstrip("."), number)
    return names


def month_number(word: str) -> int | None:
    """The month ``word`` names (``december``, ``dec``, ``dec.``, ``December``, ``mrt``), 1 to
    12; None when it names none."""
    return _months().get(word.casefold().rstrip(".,"))
