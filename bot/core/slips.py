"""Telling a slip or a question to the bot from an answer (issue 16, item 4).

The rule, by shape only (the text is never stored, logged or sent anywhere to decide):

1. **A known word alone** (case, spaces and ``!.`` ignored): ``stop``, ``?``, ``clear``,
   ``cancel``, ``quit``, ``pass`` … and their Dutch forms (``wis``, ``klaar``, ``pas``,
   ``verder``, ``volgende vraag``). These are what people type at a bot, never a story.
2. **A question to the bot**: at most :data:`MAX_QUESTION_WORDS` words, ending in ``?``,
   that opens (after a greeting such as *hoi* or *sorry*) with a phrase addressed to the bot:
   *wat moet ik*, *hoe werkt*, *wat is de bedoeling*, *what should I*, *how does this work* ….

A story may hold a question mark anywhere: it is only taken for a question when it is short
*and* opens like one addressed to the bot. Such a message gets help and is not stored.
"""

from __future__ import annotations

import re

MAX_QUESTION_WORDS = 12
SLIP_WORDS = frozenset(
    {
        "?",
        "??",
        "???",
        "stop",
        "stoppen",
        "clear",
        "wis",
        "cancel",
        "quit",
        "exit",
        "klaar",
        "pass",
        "pas",
        "verder",
        "door",
        "next question",
        "volgende vraag",
        "skippen",
        "skip this",
        "menu",
        "commands",
        "opdrachten",
    }
)
_FILLER = re.compile(r"^(?:(?:hoi|hallo|hey|hi|hello|sorry|eh|uhm|ehm|ok|oké|okay|dag)[,!.\s]+)+")
_OPENINGS = (
    # Dutch
    "wat moet ik",
    "wat moeten we",
    "wat moet je",
    "wat kan ik",
    "wat doe ik",
    "wat wil je",
    "wat wilt u",
    "wat bedoel je",
    "wat bedoelt u",
    "wat is de bedoeling",
    "wat is dit",
    "wat ben jij",
    "wat ben je",
    "hoe werkt",
    "hoe moet ik",
    "hoe doe ik",
    "hoe kan ik",
    "waar moet ik",
    "waar gaat dit over",
    "wie ben je",
    "wie ben jij",
    "wie ziet",
    "wie leest",
    "ben je een bot",
    "ben jij een bot",
    "is dit anoniem",
    "moet ik",
    "mag ik",
    "kan ik",
    # English
    "what should i",
    "what do i",
    "what am i",
    "what can i",
    "what is this",
    "what's this",
    "what are you",
    "what do you mean",
    "how does",
    "how do i",
    "how can i",
    "who are you",
    "who sees",
    "who reads",
    "are you a bot",
    "is this anonymous",
    "should i",
    "do i have to",
    "can i",
)


def _clean(text: str) -> str:
    return " ".join(text.strip().casefold().split())


def is_slip(text: str) -> bool:
    """True when ``text`` is a known word or a question to the bot, not an answer."""
    cleaned = _clean(text)
    if cleaned.strip("!. ") in SLIP_WORDS:
        return True
    if not cleaned.endswith("?") or len(cleaned.split()) > MAX_QUESTION_WORDS:
        return False
    opening = _FILLER.sub("", cleaned).replace("’", "'")
    return any(
        opening == o or opening.startswith(o + " ") or opening.startswith(o + "?")
        for o in _OPENINGS
    )


# Words answering the "is this right, or more?" choice of a short first story.
KEEP_WORDS = frozenset(
    {
        "klopt",
        "klopt zo",
        "klopt dit",
        "ja",
        "keep",
        "keep it",
        "yes",
        "ok",
        "oké",
        "okay",
        "goed",
        "goed zo",
        "prima",
        "that's it",
        "dat is het",
        "dat was het",
        "klaar",
        "done",
    }
)
MORE_WORDS = frozenset(
    {
        "meer",
        "more",
        "ik vertel meer",
        "vertel meer",
        "tell more",
        "i'll tell more",
        "nee",
        "no",
        "ik wil meer vertellen",
    }
)


def confirm_word(text: str) -> str | None:
    """``keep`` or ``more`` when ``text`` answers the confirm choice, else ``None``."""
    cleaned = _clean(text).strip("!. ").replace("’", "'")
    if cleaned in KEEP_WORDS:
        return "keep"
    if cleaned in MORE_WORDS:
        return "more"
    return None


# Only a number (or a number word, refused with a hint) after the verb: "verander alles" or
# "change everything" stays an answer.
_NUMBERED = re.compile(
    r"^(wijzig|edit|beantwoord|answer|verander|change)(?:\s+(?:vraag|question))?\s+"
    r"(\d{1,4}|een|één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien"
    r"|one|two|three|four|five|six|seven|eight|nine|ten)$"
)
_OPEN_WORDS = frozenset({"open", "nog open", "open questions", "open vragen", "wat staat open"})
_MINE_WORDS = frozenset(
    {
        "mijn antwoorden",
        "my answers",
        "antwoorden",
        "answers",
        "toon mijn antwoorden",
        "show my answers",
    }
)


def numbered(text: str) -> tuple[str, str] | None:
    """``("edit", "2")`` for ``wijzig 2`` / ``beantwoord vraag 2`` / ``edit 2``."""
    match = _NUMBERED.match(_clean(text).strip("!."))
    if match is None:
        return None
    return "edit", match.group(2)


def listing_word(text: str) -> str | None:
    """``open`` or ``mine`` for the list commands, else ``None``."""
    cleaned = _clean(text).strip("!.?")
    if cleaned in _OPEN_WORDS:
        return "open"
    if cleaned in _MINE_WORDS:
        return "mine"
    return None
