"""Scrub identifying details out of answer text before it leaves the bot (PRODUCT.md §4.6).

Names of people (channel members and others, see :mod:`bot.core.names`), e-mail addresses,
phone numbers, @-mentions and links are replaced by neutral markers in the round's language
(``scrub.*`` in the message catalog). The text is normalised first
(:func:`bot.core.normalise.normalise`), so invisible characters and look-alike letters cannot
hide a name, an address or a number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.names import NameFinder
from bot.core.normalise import normalise
from bot.core.prompts import Catalog

_EMAIL = re.compile(r"[\w.+-]+\s?(?:@|\(at\)|\[at\])\s?[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# A Markdown link: the text may stay (it is scrubbed like the rest), the target goes.
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]*)\]\(\s*[^)\s]+[^)]*\)")
_LINK = re.compile(
    r"<(?:https?|mailto|tel):[^>]*>|\b(?:https?://|ftp://|www\.)\S+|\b(?:mailto|tel):\S+",
    re.IGNORECASE,
)
# A bare domain ("gemeente-utrecht.nl", "wijk.nl/contact"); the ending must be a known one so
# that a missing space after a full stop ("klaar.Daarna") is not a domain.
_TLDS = (
    "nl|be|com|org|net|eu|de|uk|fr|es|it|io|info|gov|edu|nu|frl|amsterdam|brussels|vlaanderen"
    "|app|dev|co|me|tv|biz|online|site|shop|nl\\.eu|co\\.uk|org\\.uk|gov\\.uk|ac\\.uk"
)
_DOMAIN = re.compile(
    rf"(?<![\w@./-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s)]*)?",
    re.IGNORECASE,
)
_PLATFORM_MENTION = re.compile(r"<[@#!][^>]*>|<at>[^<]*</at>", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])@[\w][\w.-]*")
# Any run of 9 to 14 digits with single separators, and numbers that start as phone numbers
# do (0, + or 00) written with looser separators: "06/12345678", "020 / 123 45 67",
# "06 - 12 34 56 78", "+31 (0)6 1234 5678". Dates ("01-01-2024 - 31-12-2024") stay.
_PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)?\d(?:[\s().-]?\d){8,13}(?!\w)"
    r"|(?<![\w+])(?:(?:\+|00)\s?\d{1,3}\s{0,2}(?:\(0\))?|0)(?:\s{0,2}[/().-]?\s{0,2}\d){8,12}(?!\w)"
)
_DATE = re.compile(r"(?<!\d)\d{1,2}([-/.])\d{1,2}\1\d{2,4}(?!\d)")


@dataclass(frozen=True)
class Scrubbed:
    """A scrubbed text and whether anything in it was replaced."""

    text: str
    changed: bool


def _phone(match: re.Match[str], marker: str) -> str:
    return match.group(0) if _DATE.search(match.group(0)) else marker


@dataclass(frozen=True)
class Scrubber:
    """Replaces identifying details by markers; build one per round from its members' names."""

    markers: dict[str, str]
    names: NameFinder

    @classmethod
    def build(cls, catalog: Catalog, lang: str, member_names: Iterable[str]) -> Scrubber:
        markers = {
            key: catalog.text(lang, f"scrub.{key}")
            for key in ("name", "email", "phone", "mention", "link")
        }
        return cls(markers, NameFinder.build(lang, (normalise(n) for n in member_names)))

    def scrub(self, text: str) -> Scrubbed:
        """``text`` normalised and scrubbed, and whether a detail was replaced."""
        text = normalise(text)
        m = self.markers
        out = _PLATFORM_MENTION.sub(m["mention"], text)
        out = _EMAIL.sub(m["email"], out)
        out = _MARKDOWN_LINK.sub(
            lambda found: f"{found.group(1).strip()} {m['link']}".lstrip(), out
        )
        out = _LINK.sub(m["link"], out)
        out = _DOMAIN.sub(m["link"], out)
        out = _MENTION.sub(m["mention"], out)
        out = _PHONE.sub(lambda found: _phone(found, m["phone"]), out)
        spans = self.names.spans(out)
        for start, end in reversed(spans):
            out = out[:start] + m["name"] + out[end:]
        return Scrubbed(out, out != text)

    def preview(self, text: str) -> str | None:
        """The markers ``text`` will show in quotes (``[naam]``, ``[telefoonnummer]``, in the
        order they first appear), or None when nothing is replaced. Only the markers: the
        notice that tells its author sits in the outbox next to their platform id, so it never
        repeats what they wrote (PRODUCT.md §4; issue 13, item 4)."""
        scrubbed = self.scrub(text)
        if not scrubbed.changed:
            return None
        found = sorted(
            (at, marker)
            for marker in set(self.markers.values())
            if (at := scrubbed.text.find(marker)) >= 0
        )
        return ", ".join(marker for _, marker in found) or None

    def __call__(self, text: str) -> str:
        return self.scrub(text).text
