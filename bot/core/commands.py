"""Parsing the command words of PRODUCT.md §3 (the same for Slack, Teams and the console).

Parsing never touches state: a malformed command raises :class:`CommandError` carrying a
message key from the catalog, and the caller replies with it privately.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.dates import month_number
from bot.core.export import DEFAULT_FORMAT, EXPORT_FORMATS
from bot.core.series_files import DEFAULT_SERIES_FORMAT, SERIES_FORMATS

# Every word a person may type, Dutch synonyms included, mapped to the command it means.
CHANNEL_WORDS = {
    "start": "start",
    "begin": "start",
    "status": "status",
    "next": "next",
    "volgende": "next",
    "remind": "remind",
    "herinner": "remind",
    "summary": "summary",
    "samenvatting": "summary",
    "close": "close",
    "sluit": "close",
    "digest": "digest",
    "weekoverzicht": "digest",
    "export": "export",
    "exporteer": "export",
    "help": "help",
    "hulp": "help",
    # A series of rounds in the channel (bot/core/series.py).
    "traject": "series",
    "series": "series",
    # The host's review of a draft summary (bot/core/review.py).
    "publish": "publish",
    "publiceer": "publish",
    "rename": "rename",
    "hernoem": "rename",
    "remove": "remove",
    "verwijder": "remove",
    "discard": "discard",
    "annuleer": "discard",
    # Actions agreed (bot/core/actions.py) and who took part (bot/core/segments.py).
    "actie": "action",
    "action": "action",
    "acties": "actions",
    "actions": "actions",
    "groepen": "segments",
    "segments": "segments",
    # Ballot stages on a closed round (bot/core/stages.py).
    "stem": "vote",
    "vote": "vote",
    "feedback": "feedback",
}
# `stem over ideeen|thema's`: where a vote's options come from, in either language.
VOTE_SOURCES = {
    **dict.fromkeys(("ideeen", "ideeën", "ideas", "idee", "idea"), "ideas"),
    **dict.fromkeys(("thema's", "themas", "thema", "themes", "theme"), "themes"),
}
MAX_DOTS = 20
# Commands about a draft: they work in the channel and in the host's private chat.
DRAFT_COMMANDS = frozenset({"publish", "rename", "remove", "discard"})
QUOTE_WORDS = ("citaat", "quote")
# `traject <word>`: start a series, show its harvest, close it.
SERIES_WORDS = {
    "start": "start",
    "begin": "start",
    "sluit": "close",
    "close": "close",
    "stop": "close",
}
# `export traject`: the series' harvest instead of the newest round's.
SERIES_EXPORT_WORDS = frozenset({"traject", "series"})
# Host commands that may name the theme of the round they mean (several theme rounds can be
# open in one channel): `sluit --thema "Wonen"`.
THEMED_COMMANDS = frozenset({"status", "next", "remind", "summary", "close"})
THEME_OPTIONS = ("--thema", "--theme")
# --publish: review (a draft to the host first) or direct, in either language.
PUBLISH_MODES = {"review": "review", "controle": "review", "direct": "direct"}
# Dutch names of the start options, for Dutch texts; the English names keep working.
OPTION_ALIASES = {
    "--taal": "--lang",
    "--thema": "--theme",
    "--verhaal": "--story",
    "--herinner": "--remind",
    "--per-fase": "--paced",
    "--faseduur": "--phase-length",
    "--publiceer": "--publish",
    "--address": "--aanspreekvorm",
}
# --aanspreekvorm (--address): how a Dutch round addresses people, with je or with u.
ADDRESS_WORDS = {"je": "je", "jij": "je", "u": "u"}
PARTICIPANT_WORDS = {
    "skip": "skip",
    "overslaan": "skip",
    "sla over": "skip",
    "edit": "edit",
    "wijzig": "edit",
    "forget me": "forget",
    "vergeet mij": "forget",
    "vergeet me": "forget",
    "help": "help",
    "hulp": "help",
}
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
_OVER_THEMAS = re.compile(r"(?i)\b(over|on)\s+thema's(?=\s|$)")
_RELATIVE = re.compile(r"^(\d{1,4})\s*([a-z]+)$")
# A length's unit, as people type it in either language: 30m, 2u, 2h, 3d, 1w, 2 uur, 3 days.
_UNITS = {
    **dict.fromkeys(("m", "min", "minuut", "minuten", "minute", "minutes"), "minutes"),
    **dict.fromkeys(("u", "h", "uur", "hour", "hours"), "hours"),
    **dict.fromkeys(("d", "dag", "dagen", "day", "days"), "days"),
    **dict.fromkeys(("w", "wk", "week", "weken", "weeks"), "weeks"),
}
# Words after `--deadline <value>` that still belong to it: "vrijdag 17:00", "morgen om 9:00".
_DEADLINE_TIME = re.compile(r"^\d{1,2}([:.]\d{2})?(am|pm|u)?$")
_YEAR = re.compile(r"^\d{4},?$")
_DEADLINE_JOINERS = frozenset({"om", "at"})
_DEADLINE_PREFIXES = frozenset({"volgende", "komende", "aanstaande", "next"})
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
DEFAULT_REMINDERS = ("24h", "2h")
# Every duration and deadline is bounded before it reaches the database (a phase length in
# seconds must fit an INTEGER column; a year is longer than any dialogue round).
MAX_DAYS = 366
MAX_DURATION = dt.timedelta(days=MAX_DAYS)
MAX_REMINDERS = 4
OFF_WORDS = ("off", "uit", "geen", "none")
# Monday is 0, as in ``datetime.weekday()``; English and Dutch names and abbreviations.
WEEKDAYS = {
    name: index
    for index, names in enumerate(
        (
            ("monday", "mon", "maandag", "ma"),
            ("tuesday", "tue", "dinsdag", "di"),
            ("wednesday", "wed", "woensdag", "wo"),
            ("thursday", "thu", "donderdag", "do"),
            ("friday", "fri", "vrijdag", "vr"),
            ("saturday", "sat", "zaterdag", "za"),
            ("sunday", "sun", "zondag", "zo"),
        )
    )
    for name in names
}


class CommandError(Exception):
    """A command the bot cannot take; ``key`` names the message in the catalog."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Command:
    name: str
    template: str | None = None
    language: str | None = None
    deadline: str | None = None
    paced: bool = False
    min_respondents: int | None = None
    theme: str | None = None
    story: str | None = None
    reminders: tuple[str, ...] | None = None
    phase_length: str | None = None
    weekday: int | None = None
    at: str | None = None
    timezone: str | None = None
    publish: str | None = None
    segments: tuple[str, ...] | None = None
    owner: str | None = None
    due: str | None = None
    round_number: int | None = None
    idea: int | None = None
    address: str | None = None
    args: tuple[str, ...] = field(default=())
    options: tuple[tuple[str, object], ...] = field(default=())


def participant_word(text: str) -> str | None:
    """The participant command a private text is, or ``None`` when it is an answer."""
    cleaned = " ".join(text.strip().strip("!.").casefold().split())
    return PARTICIPANT_WORDS.get(cleaned)


def parse(text: str) -> Command:
    """Parse the words after ``/dialoog`` or ``@dialoogbot``."""
    # "stem over thema's": the apostrophe of the Dutch plural is not a quote.
    text = _OVER_THEMAS.sub(r"\1 themas", text.translate(_QUOTES))
    try:
        words = shlex.split(text)
    except ValueError:
        raise CommandError("error.quotes") from None
    if not words:
        return Command("help")
    name = CHANNEL_WORDS.get(words[0].casefold())
    if name is None:
        if len(words) > 3:
            raise CommandError("error.answer_in_channel")
        raise CommandError("error.unknown_command", word=words[0][:40])
    if name == "digest":
        return _parse_digest(words[1:])
    if name == "series":
        return _parse_series(words)
    if name == "export" and len(words) > 1 and words[1].casefold() in SERIES_EXPORT_WORDS:
        rest = [w.casefold() for w in words[2:]]
        if len(rest) > 1 or (rest and rest[0] not in SERIES_FORMATS):
            formats = ", ".join(f"`export {words[1]} {name}`" for name in SERIES_FORMATS)
            raise CommandError("error.export_usage", formats=formats)
        return Command("export", args=(rest[0] if rest else DEFAULT_SERIES_FORMAT, "series"))
    if name == "export":
        if len(words) > 2 or (len(words) == 2 and words[1].casefold() not in EXPORT_FORMATS):
            # Only the names: the command word is the reader's language's (`exporteer docx`).
            formats = ", ".join(f"`{name}`" for name in EXPORT_FORMATS)
            raise CommandError("error.export_usage", formats=formats)
        return Command("export", args=(words[1].casefold() if len(words) == 2 else DEFAULT_FORMAT,))
    if name in DRAFT_COMMANDS:
        return _parse_draft(name, words)
    if name in THEMED_COMMANDS and len(words) == 3 and words[1].casefold() in THEME_OPTIONS:
        return Command(name, theme=words[2].strip())
    if name in ("vote", "feedback"):
        return _parse_stage(name, words[1:])
    if name == "action":
        return _parse_action(words[1:])
    if name != "start":
        if len(words) > 1:
            raise CommandError(
                "error.extra_words", command=words[0], extra=" ".join(words[1:])[:80]
            )
        return Command(name)
    return _parse_start(words[1:])


_SERIES_OPTIONS = {
    "--methode": "method",
    "--method": "method",
    "--doel": "goal",
    "--goal": "goal",
    "--lang": "lang",
}


def _parse_series(words: list[str]) -> Command:
    """``traject`` (the harvest so far), ``traject sluit``, and
    ``traject start "<naam>" [--methode 7v] [--doel "…"] [--lang nl|en]`` (English: series,
    --method, --goal)."""
    if len(words) == 1:
        return Command("series", args=("show",))
    action = SERIES_WORDS.get(words[1].casefold())
    if action is None:
        raise CommandError("error.series_usage")
    if action == "close":
        if len(words) > 2:
            raise CommandError(
                "error.extra_words", command=words[1], extra=" ".join(words[2:])[:80]
            )
        return Command("series", args=("close",))
    name: str | None = None
    options: dict[str, str] = {}
    rest = words[2:]
    i = 0
    while i < len(rest):
        word = rest[i]
        key = word.casefold()
        if key in _SERIES_OPTIONS:
            if i + 1 >= len(rest) or rest[i + 1].startswith("--"):
                raise CommandError("error.option_value", option=word)
            options[_SERIES_OPTIONS[key]] = rest[i + 1]
            i += 2
            continue
        if word.startswith("--"):
            raise CommandError("error.unknown_option", option=word[:40])
        if name is not None:
            raise CommandError("error.series_usage")
        name = word.strip()
        i += 1
    if not name:
        raise CommandError("error.series_usage")
    language = options.get("lang")
    if language is not None and language not in ("nl", "en"):
        raise CommandError("error.language", language=language[:10])
    goal = options.get("goal")
    return Command(
        "series",
        language=language,
        template=options.get("method"),
        theme=name,
        story=goal.strip() if goal else None,
        args=("start",),
    )


def _parse_draft(name: str, words: list[str]) -> Command:
    """``publiceer``, ``annuleer``, ``hernoem <n> <nieuwe naam>``, ``verwijder citaat <n>``."""
    rest = words[1:]
    if name in ("publish", "discard"):
        if rest:
            raise CommandError("error.extra_words", command=words[0], extra=" ".join(rest)[:80])
        return Command(name)
    if name == "rename":
        if len(rest) < 2 or not rest[0].isdigit():
            raise CommandError("error.draft_rename_usage")
        return Command(name, args=(rest[0], " ".join(rest[1:])))
    if rest and rest[0].casefold() in QUOTE_WORDS:
        rest = rest[1:]
    if len(rest) != 1 or not rest[0].isdigit():
        raise CommandError("error.draft_remove_usage")
    return Command(name, args=(rest[0],))


def draft_command(text: str) -> Command | None:
    """``text`` as a draft command (the host's private chat), or None when it is not one."""
    first = text.split(maxsplit=1)[0].casefold() if text.strip() else ""
    if CHANNEL_WORDS.get(first) not in DRAFT_COMMANDS:
        return None
    return parse(text)


def _count(option: str, raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_DOTS:
        raise CommandError("error.stage_number", option=option, value=raw[:10], most=MAX_DOTS)
    return int(raw)


def _parse_stage(name: str, words: list[str]) -> Command:
    """``stem [over ideeen|thema's] [--punten 3] [--per-optie 1] ["optie" "optie" …]``
    (English: ``vote [on ideas|themes] [--dots 3] [--per-option 1]``) and ``feedback``;
    both take ``--deadline`` and ``--min``."""
    options: dict[str, object] = {}
    listed: list[str] = []
    deadline: str | None = None
    minimum: int | None = None
    i = 0
    while i < len(words):
        word, key = words[i], words[i].casefold()
        if name == "vote" and key in ("over", "on") and i + 1 < len(words):
            source = VOTE_SOURCES.get(words[i + 1].casefold())
            if source is None:
                raise CommandError("error.vote_source", word=words[i + 1][:40])
            options["source"] = source
            i += 2
            continue
        if key.startswith("--"):
            if i + 1 >= len(words) or words[i + 1].startswith("--"):
                raise CommandError("error.option_value", option=word[:40])
            value = words[i + 1]
            if name == "vote" and key in ("--punten", "--dots", "--stippen"):
                options["dots"] = _count(word, value)
            elif name == "vote" and key in ("--per-optie", "--per-option"):
                options["per_option"] = _count(word, value)
            elif key == "--deadline":
                end = _deadline_end(words, i + 1)
                deadline = " ".join(words[i + 1 : end])
                i = end
                continue
            elif key == "--min":
                if not value.isdigit() or not 1 <= int(value) <= 1000:
                    raise CommandError("error.min", value=value[:10])
                minimum = int(value)
            else:
                key = "error.vote_option" if name == "vote" else "error.feedback_option"
                raise CommandError(key, option=word[:40])
            i += 2
            continue
        if name != "vote":
            raise CommandError("error.extra_words", command=name, extra=" ".join(words[i:])[:80])
        listed.append(" ".join(word.split())[:200])
        i += 1
    if listed:
        if len(listed) < 2 or len({o.casefold() for o in listed}) != len(listed) or "" in listed:
            raise CommandError("error.vote_list")
        options["source"] = "list"
        options["listed"] = tuple(listed)
    dots = int(str(options.get("dots", 3)))
    if int(str(options.get("per_option", 1))) > dots:
        raise CommandError("error.vote_per_option_above_dots", count=dots)
    return Command(
        name,
        deadline=deadline,
        min_respondents=minimum,
        options=tuple(sorted(options.items())),
    )


def _deadline_end(words: list[str], first: int) -> int:
    """Where the value of ``--deadline`` ends when it was typed without quotes: a day may be
    followed by a time (``vrijdag 17:00``, ``morgen om 9:00``), a number by its unit
    (``2 uur``) or a month name (``31 december``), and ``volgende`` by its weekday."""
    end = first + 1
    value = words[first].casefold()
    rest = [word.casefold() for word in words[end:]]
    if rest and (
        (value.isdigit() and month_number(rest[0]))
        or (month_number(value) and rest[0].rstrip(",").isdigit())
    ):
        # "31 december", "December 31", either with a year: "31 dec 2026", "Dec 31, 2026".
        end, rest = end + 1, rest[1:]
        if rest and _YEAR.match(rest[0]):
            end, rest = end + 1, rest[1:]
    elif value in _DEADLINE_PREFIXES and rest:
        end, rest = end + 1, rest[1:]
    elif value.isdigit() and rest and rest[0] in _UNITS:
        return end + 1
    if len(rest) >= 2 and rest[0] in _DEADLINE_JOINERS and _DEADLINE_TIME.match(rest[1]):
        return end + 2
    if rest and _DEADLINE_TIME.match(rest[0]):
        return end + 1
    return end


def _parse_start(words: list[str]) -> Command:
    options: dict[str, object] = {}
    template: str | None = None
    i = 0
    while i < len(words):
        word = words[i]
        key = word.casefold()
        key = OPTION_ALIASES.get(key, key)
        if key == "--paced":
            options["paced"] = True
            i += 1
            continue
        if key == "--deadline" and i + 1 < len(words) and not words[i + 1].startswith("--"):
            end = _deadline_end(words, i + 1)
            options["deadline"] = " ".join(words[i + 1 : end])
            i = end
            continue
        if key in (
            "--lang",
            "--deadline",
            "--min",
            "--theme",
            "--story",
            "--remind",
            "--phase-length",
            "--publish",
            "--publiceer",
            "--segment",
            "--segments",
            "--groepen",
            "--aanspreekvorm",
        ):
            if i + 1 >= len(words) or words[i + 1].startswith("--"):
                raise CommandError("error.option_value", option=word)
            options[key[2:]] = words[i + 1]
            i += 2
            continue
        if word.startswith("--"):
            raise CommandError("error.unknown_option", option=word[:40])
        if template is not None:
            raise CommandError("error.extra_words", command="start", extra=word[:80])
        template = word
        i += 1
    language = options.get("lang")
    if language is not None and language not in ("nl", "en"):
        raise CommandError("error.language", language=str(language)[:10])
    minimum = options.get("min")
    if minimum is not None:
        if not str(minimum).isdigit() or not 1 <= int(str(minimum)) <= 1000:
            raise CommandError("error.min", value=str(minimum)[:10])
    publish = options.get("publish")
    if publish is not None:
        if str(publish).casefold() not in PUBLISH_MODES:
            raise CommandError("error.publish_mode", value=str(publish)[:20])
        publish = PUBLISH_MODES[str(publish).casefold()]
    address = options.get("aanspreekvorm")
    if address is not None:
        if str(address).casefold() not in ADDRESS_WORDS:
            raise CommandError("error.address", value=str(address)[:20])
        address = ADDRESS_WORDS[str(address).casefold()]
    theme = options.get("theme")
    story = options.get("story")
    raw_segments = options.get("segment", options.get("segments", options.get("groepen")))
    segments = parse_segments(str(raw_segments)) if raw_segments is not None else None
    reminders = parse_reminders(str(options["remind"])) if "remind" in options else None
    phase_length = str(options["phase-length"]) if "phase-length" in options else None
    if phase_length is not None:
        if not options.get("paced"):
            raise CommandError("error.phase_length_paced")
        parse_duration(phase_length, "error.phase_length")
    if reminders and "deadline" not in options:
        raise CommandError("error.remind_needs_deadline")
    return Command(
        "start",
        template=template,
        language=str(language) if language else None,
        deadline=str(options["deadline"]) if "deadline" in options else None,
        paced=bool(options.get("paced", False)),
        min_respondents=int(str(minimum)) if minimum is not None else None,
        theme=str(theme).strip() if theme else None,
        story=str(story).strip() if story else None,
        reminders=reminders,
        phase_length=phase_length,
        publish=str(publish) if publish is not None else None,
        segments=segments,
        address=str(address) if address is not None else None,
    )


def relative_length(raw: str) -> dt.timedelta | None:
    """``30m``, ``2u``, ``2h``, ``3d``, ``1w``, ``2 uur``, ``3 days`` as a length (zero for a
    zero amount); None when ``raw`` is no length."""
    match = _RELATIVE.match(raw.strip().casefold())
    if not match or match.group(2) not in _UNITS:
        return None
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def parse_duration(raw: str, error: str) -> dt.timedelta:
    """A positive length (:func:`relative_length`); ``error`` names the refusal."""
    length = relative_length(raw)
    if length is None or not length:
        raise CommandError(error, value=raw[:40])
    if length > MAX_DURATION:
        raise CommandError("error.duration_too_long", value=raw[:40], count=MAX_DAYS)
    return length


def parse_reminders(raw: str) -> tuple[str, ...]:
    """``24h,2h`` as reminder slots before the deadline, longest first; ``off``: none."""
    if raw.strip().casefold() in OFF_WORDS:
        return ()
    slots: dict[str, dt.timedelta] = {}
    for part in raw.split(","):
        slot = part.strip().casefold().replace(" ", "")
        slots[slot] = parse_duration(slot, "error.remind_format")
    if len(slots) > MAX_REMINDERS:
        raise CommandError("error.remind_too_many", count=MAX_REMINDERS)
    return tuple(sorted(slots, key=lambda s: slots[s], reverse=True))


def slot_length(slot: str) -> dt.timedelta:
    """The duration of a stored reminder slot (already validated)."""
    return parse_duration(slot, "error.remind_format")


def _parse_digest(words: list[str]) -> Command:
    """``digest weekly <day> <HH:MM> [time zone]`` or ``digest off`` (Dutch: ``weekoverzicht
    maandag 09:00``, ``weekoverzicht uit``; the word ``weekly`` may be left out)."""
    if len(words) == 1 and words[0].casefold() in OFF_WORDS:
        return Command("digest")
    if words and words[0].casefold() in ("weekly", "wekelijks"):
        words = words[1:]  # "weekoverzicht maandag 09:00" says weekly already
    if len(words) not in (2, 3):
        raise CommandError("error.digest_usage")
    weekday = WEEKDAYS.get(words[0].casefold().rstrip("."))
    if weekday is None:
        raise CommandError("error.digest_day", day=words[0][:20])
    match = _CLOCK.match(words[1])
    if not match:
        raise CommandError("error.digest_time", time=words[1][:20])
    zone = None
    if len(words) == 3:
        zone = words[2]
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CommandError("error.digest_timezone", zone=zone[:64]) from None
    return Command(
        "digest",
        weekday=weekday,
        at=f"{int(match.group(1)):02d}:{match.group(2)}",
        timezone=zone,
    )


# Groups a participant may choose from (bot/core/segments.py): a handful, short, distinct.
MAX_SEGMENTS = 12
MAX_SEGMENT_CHARS = 40


def parse_segments(raw: str) -> tuple[str, ...]:
    """``"burgemeester,griffier,raadslid"`` as the groups a round asks about, in that order."""
    options = [" ".join(part.split()) for part in raw.split(",")]
    options = [option for option in options if option]
    folded = [option.casefold() for option in options]
    if len(options) < 2 or len(set(folded)) != len(folded):
        raise CommandError("error.segments_usage")
    if len(options) > MAX_SEGMENTS:
        raise CommandError("error.segments_too_many", count=MAX_SEGMENTS)
    if any(len(option) > MAX_SEGMENT_CHARS for option in options):
        raise CommandError("error.segment_too_long", count=MAX_SEGMENT_CHARS)
    return tuple(options)


# ``actie <n> klaar``: the words for an action's status, in either language.
ACTION_STATUSES = {
    "open": "open",
    "bezig": "doing",
    "doing": "doing",
    "klaar": "done",
    "done": "done",
    "gedaan": "done",
}
_ACTION_OPTIONS = {
    "--eigenaar": "owner",
    "--owner": "owner",
    "--wanneer": "due",
    "--due": "due",
    "--ronde": "round",
    "--round": "round",
    "--idee": "idea",
    "--idea": "idea",
}


def _parse_action(words: list[str]) -> Command:
    """``actie "tekst" --eigenaar @naam --wanneer 31-12-2026 [--ronde N]``, ``actie --idee 2
    --eigenaar … --wanneer …`` (an idea of the round's harvest) or ``actie 3 klaar``."""
    if len(words) == 2 and words[0].isdigit() and words[1].casefold() in ACTION_STATUSES:
        return Command("action", args=(words[0], ACTION_STATUSES[words[1].casefold()]))
    if len(words) == 2 and words[0].isdigit():
        raise CommandError("error.action_status", value=words[1][:20])
    options: dict[str, str] = {}
    text: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        option = _ACTION_OPTIONS.get(word.casefold())
        if option is None and word.startswith("--"):
            raise CommandError("error.unknown_option", option=word[:40])
        if option is None:
            text.append(word)
            i += 1
            continue
        if i + 1 >= len(words) or words[i + 1].startswith("--"):
            raise CommandError("error.option_value", option=word)
        end = _deadline_end(words, i + 1) if option == "due" else i + 2
        options[option] = " ".join(words[i + 1 : end])
        i = end
    if "owner" not in options or "due" not in options:
        raise CommandError("error.action_usage")
    for number in ("round", "idea"):
        if number in options and (
            not options[number].isdigit() or not 1 <= int(options[number]) <= 1_000_000
        ):
            raise CommandError("error.action_number", value=options[number][:20])
    what = " ".join(text).strip()
    if bool(what) == ("idea" in options):
        raise CommandError("error.action_usage")
    return Command(
        "action",
        owner=options["owner"],
        due=options["due"],
        round_number=int(options["round"]) if "round" in options else None,
        idea=int(options["idea"]) if "idea" in options else None,
        args=(what,) if what else (),
    )
