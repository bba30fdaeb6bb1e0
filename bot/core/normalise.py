"""Text as the scrubber reads it: one canonical form for what looks the same (PRODUCT.md §4.6).

Names, e-mail addresses and numbers must not slip past the scrubber by looking right while
being written differently: full-width or styled letters (Unicode NFKC folds them), invisible
characters inside a word (zero-width spaces and joiners, soft hyphens, direction marks: every
*format* character is dropped) and letters of another script that look like Latin ones
(Cyrillic ``е`` in a Latin ``Piеt``: folded with Unicode's confusables table through
:mod:`confusable_homoglyphs`). Only words that mix scripts are folded, so a genuinely
Cyrillic or Greek answer stays as it was written.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from confusable_homoglyphs import categories, confusables

_LETTERS = re.compile(r"[^\W\d_]+")
# Layout characters with no visible width that are not Unicode format characters (Cf).
_INVISIBLE_EXTRA = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def visible(text: str) -> str:
    """``text`` in NFKC without invisible format characters (zero-width space, joiners, soft
    hyphen, direction marks, word joiner, byte-order mark, ...)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cf" and c not in _INVISIBLE_EXTRA)


def is_blank(text: str) -> bool:
    """True when ``text`` shows nothing: only whitespace and invisible characters."""
    return not visible(text).strip()


@functools.lru_cache(maxsize=4096)
def _latin(char: str) -> str | None:
    """The Latin letter ``char`` is confusable with, if there is exactly one such letter."""
    found = confusables.is_confusable(char, greedy=True, preferred_aliases=["latin"])
    if not found:
        return None
    latin = [g["c"] for g in found[0]["homoglyphs"] if g["n"].startswith("LATIN ")]
    return latin[0] if len(latin) == 1 and len(latin[0]) == 1 else None


@functools.lru_cache(maxsize=4096)
def _script(char: str) -> str:
    return "LATIN" if char.isascii() else str(categories.alias(char))


def _fold_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if word.isascii():
        return word
    scripts = {_script(c) for c in word}
    if "LATIN" not in scripts or len(scripts) == 1:
        return word
    return "".join(c if _script(c) == "LATIN" else (_latin(c) or c) for c in word)


def normalise(text: str) -> str:
    """``text`` as the scrubber reads it: :func:`visible`, then look-alike letters folded to
    Latin in words that mix Latin with another script."""
    return _LETTERS.sub(_fold_word, visible(text))
