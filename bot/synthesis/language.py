"""Dutch and English text analysis for synthesis: tokens, stop words and Snowball stems.

Stop words come from published lists (scikit-learn's English list, the ``stop-words``
package's Dutch list, which is the Snowball one); stems from the Snowball stemmers. Scrub
markers such as ``[name]`` are dropped so they never become theme words.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

import snowballstemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from stop_words import get_stop_words

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_MARKER = re.compile(r"\[[^\]\n]{1,40}\]")
_STEMMERS = {"nl": "dutch", "en": "english"}
_CLITICS = ("n't", "'s", "'re", "'ve", "'ll", "'d", "'m")
# Words that carry no theme in a dialogue answer whatever the topic (added to the lists).
_EXTRA = {
    "nl": "wel gewoon echt heel veel meer even nog eigenlijk misschien ook zo jij ik wij we "
    "zij hun jullie onze ons mijn jouw hij wie wat waar hoe waarom moet moeten kunnen kan "
    "zou zouden willen wil gaan gaat gaan komen komt",
    "en": "just really like lot lots im ive dont doesnt isnt cant wont think",
}


def language_of(lang: str) -> str:
    """``nl`` or ``en``; anything else is treated as Dutch, the default language."""
    return lang if lang in _STEMMERS else "nl"


def fold(text: str) -> str:
    """Lower case without accents, so *ideeën* and *ideeen* are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def stop_words(lang: str) -> frozenset[str]:
    lang = language_of(lang)
    base: Iterable[str] = ENGLISH_STOP_WORDS if lang == "en" else get_stop_words("dutch")
    return frozenset(fold(w) for w in (*base, *_EXTRA[lang].split()))


@dataclass
class Analyzer:
    """Turns text into stems (for vectors) and remembers the commonest surface form of each."""

    lang: str
    _stemmer: snowballstemmer.stemmer = field(init=False, repr=False)
    _stops: frozenset[str] = field(init=False, repr=False)
    _surface: dict[str, Counter[str]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.lang = language_of(self.lang)
        self._stemmer = snowballstemmer.stemmer(_STEMMERS[self.lang])
        self._stops = stop_words(self.lang)

    def words(self, text: str) -> list[str]:
        """Content words in reading order, lower case, scrub markers and stop words removed."""
        text = _MARKER.sub(" ", text)
        out = []
        for match in _WORD.finditer(text):
            word = match.group().casefold().replace("’", "'")
            if len(word) < 2 or fold(word) in self._stops:
                continue
            if self.lang == "en" and "'" in word and word.endswith(_CLITICS):
                continue  # don't, isn't, it's, we'll: function words

            out.append(word)
        return out

    def stems(self, text: str) -> list[str]:
        words = self.words(text)
        stems: list[str] = self._stemmer.stemWords([fold(w) for w in words])
        for word, stem in zip(words, stems, strict=True):
            self._surface.setdefault(stem, Counter())[word] += 1
        return stems

    def clean(self, text: str) -> str:
        """The content words joined by spaces (input for character n-grams)."""
        return " ".join(fold(w) for w in self.words(text))

    def surface(self, stem: str) -> str:
        """The commonest written form of a stem (ties broken alphabetically)."""
        forms = self._surface.get(stem)
        if not forms:
            return stem
        return min(forms.items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0]


def sentences(text: str) -> Sequence[str]:
    """Sentences of an answer, each an exact substring of it."""
    parts = re.findall(r"[^.!?\n]+[.!?]*", text)
    return [p.strip() for p in parts if p.strip()]
