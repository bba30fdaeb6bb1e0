"""Scrub identifying details out of answer text before it leaves the bot (PRODUCT.md §4.6).

Names of channel members, e-mail addresses, phone numbers, @-mentions and links are replaced
by neutral markers in the round's language (``scrub.*`` in the message catalog).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.prompts import Catalog

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LINK = re.compile(r"<(?:https?|mailto|tel):[^>]*>|\b(?:https?://|www\.)\S+", re.IGNORECASE)
_PLATFORM_MENTION = re.compile(r"<[@#!][^>]*>|<at>[^<]*</at>", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])@[\w][\w.-]*")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[\s().-]?\d){8,13}(?!\w)")
_PARTICLES = frozenset(
    "van von der den de het ter ten te la le du da di del des op in aan bij en".split()
)


@dataclass(frozen=True)
class Scrubber:
    """Replaces identifying details by markers; build one per round from its members' names."""

    markers: dict[str, str]
    names: re.Pattern[str] | None

    @classmethod
    def build(cls, catalog: Catalog, lang: str, member_names: Iterable[str]) -> Scrubber:
        markers = {
            key: catalog.text(lang, f"scrub.{key}")
            for key in ("name", "email", "phone", "mention", "link")
        }
        words: set[str] = set()
        for full in member_names:
            full = full.strip()
            if not full:
                continue
            words.add(full)
            words.update(
                part
                for part in re.split(r"[\s._-]+", full)
                if len(part) >= 3 and part.casefold() not in _PARTICLES
            )
        pattern = None
        if words:
            alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
            pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        return cls(markers, pattern)

    def __call__(self, text: str) -> str:
        text = _PLATFORM_MENTION.sub(self.markers["mention"], text)
        text = _EMAIL.sub(self.markers["email"], text)
        text = _LINK.sub(self.markers["link"], text)
        text = _MENTION.sub(self.markers["mention"], text)
        text = _PHONE.sub(self.markers["phone"], text)
        if self.names is not None:
            text = self.names.sub(self.markers["name"], text)
        return text
