"""Dutch and English text analysis for synthesis: tokens, stop words and Snowball stems.

Stop words are the Snowball lists (:mod:`bot.synthesis.stopwords`) plus a few words that carry
no theme in any dialogue answer; stems come from the Snowball stemmers. Scrub markers such as
``[name]`` are dropped so they never become theme words.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import pairwise

import snowballstemmer
from wordfreq import zipf_frequency

from bot.synthesis.stopwords import LISTS

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_MARKER = re.compile(r"\[[^\]\n]{1,40}\]")
_STEMMERS = {"nl": "dutch", "en": "english"}
PREFIXES = (4, 5, 6)
_CLITICS = ("n't", "'s", "'re", "'ve", "'ll", "'d", "'m")
# Words that carry no theme in a dialogue answer whatever the topic (added to the lists).
_EXTRA = {
    "nl": "wel gewoon echt heel veel meer even nog eigenlijk misschien ook zo jij ik wij we "
    "zij hun jullie onze ons mijn jouw hij wie wat waar hoe waarom moet moeten kunnen kan "
    "elk elke ieder iedere alle waarin waarbij waarop waarmee waardoor zodat zodra terwijl "
    "per twee drie vier weer alleen even "
    "zou zouden willen wil gaan gaat gaan komen komt via",
    "en": "just really like lot lots think also",
}


# Light verbs and fillers: fine inside an answer, never the name of a theme.
_NOT_A_LABEL = {
    "nl": "kunnen kan kon moeten moet krijgen krijg kreeg maken maak maakte gaan ga ging nemen "
    "neem nam doen doe deed weten weet zeggen zeg zegt vinden vind vond willen wil graag "
    "hebben heb heeft zien zie zag laten laat komen kom kwam staan staat geven geef gaf "
    "nodig manier keer jaar dag mensen iedereen dingen ding eerste tweede laatste echt "
    "zeker paar mogelijk lijkt lijken proberen probeer probeerde ander andere anders inmiddels "
    "mee best blijven blijft bleef hele hoi hallo bedankt dankjewel",
    "en": "can could will would need needs needed get gets got getting make makes made take "
    "takes took want wanted know tell use using used go going went come came see seen give "
    "gave please help way time thing things people everyone anyone someone something "
    "able back still yet ago first second last really "
    "sure certain couple possible seem seems seemed try tried trying keep kept another whole "
    "hi hello hey thanks thank already one ones us",
}


# Words after which a noun phrase starts: articles, possessives, demonstratives, quantities.
# (Dutch *die* and *dat* are left out: as often as not they start a clause, not a phrase.)
_DETERMINERS = {
    "nl": "de het een mijn jouw zijn haar onze ons jullie hun deze dit elke ieder iedere alle "
    "geen enkele sommige welke twee drie vier vijf zes zeven acht "
    "negen tien",
    "en": "the a an my your his her its our their this these those every each no some any "
    "many few several two three four five six seven eight nine ten another",
}
# Dutch *zijn* and *haar* are possessives (*zijn fiets*) and *zijn* is also the verb (*we zijn
# groot geworden*, *er zijn bomen*): after a subject pronoun or *er*, *hier*, *daar* it is the
# verb, and the word after it no noun.
_VERB_AFTER = {
    "zijn": frozenset("ik jij je u hij zij ze wij we jullie het dit dat die er hier daar".split())
}
# Dutch *het* is an article (*het park is*) and a pronoun (*het zit vol*): it counts after a
# preposition (*in het park*) or before a noun that a stop word or mark follows.
_PRONOUNS_TOO = frozenset({"het"})
_PREPOSITIONS = frozenset(
    "in op aan van bij met voor naar uit door over om tot onder tussen zonder tegen na achter "
    "langs rond binnen buiten naast tijdens".split()
)
# Endings of English adjectives that nouns hardly have (not *-al*, *-ary*, *-er*: *withdrawal*,
# *library*, *water*).
_ADJECTIVE_ENDINGS = ("ful", "ous", "ive", "able", "ible", "less", "ed")
_ADJECTIVES = frozenset(
    "new old big small good bad wrong right different extra whole real free full long short "
    "high low local public open closed early late main recent young quiet safe clean cheap easy "
    "hard great nice better best little large simple single double physical virtual correct "
    "foreign international digital social regional national general special common normal "
    "usual certain strong weak poor rich busy empty".split()
)
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|[^\w\s]|\d+")


def language_of(lang: str) -> str:
    """``nl`` or ``en``; anything else is treated as Dutch, the default language."""
    return lang if lang in _STEMMERS else "nl"


_DETERMINER_SETS = {lang: frozenset(words.split()) for lang, words in _DETERMINERS.items()}


def fold(text: str) -> str:
    """Lower case without accents, so *ideeën* and *ideeen* are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1 << 16)
def _fold_word(word: str) -> str:
    return fold(word)


@cache
def stop_words(lang: str) -> frozenset[str]:
    lang = language_of(lang)
    return frozenset(fold(w) for w in (*LISTS[lang], *_EXTRA[lang].split()))


@dataclass
class Analyzer:
    """Turns text into stems (for vectors) and remembers the commonest surface form of each."""

    lang: str
    _stemmer: snowballstemmer.stemmer = field(init=False, repr=False)
    _stops: frozenset[str] = field(init=False, repr=False)
    _surface: dict[str, Counter[str]] = field(default_factory=dict, init=False, repr=False)
    _stems: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    _not_label: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.lang = language_of(self.lang)
        self._stemmer = snowballstemmer.stemmer(_STEMMERS[self.lang])
        self._stops = stop_words(self.lang)
        self._not_label = frozenset(self.stem(w) for w in _NOT_A_LABEL[self.lang].split())

    def words(self, text: str) -> list[str]:
        """Content words in reading order, lower case, scrub markers and stop words removed."""
        text = _MARKER.sub(" ", text)
        out = []
        for match in _WORD.finditer(text):
            word = match.group().casefold().replace("’", "'")
            if len(word) < 2 or _fold_word(word) in self._stops:
                continue
            if self.lang == "en" and "'" in word and word.endswith(_CLITICS):
                continue  # don't, isn't, it's, we'll: function words

            out.append(word)
        return out

    def stems(self, text: str, record: bool = True) -> list[str]:
        """Stems of the content words; ``record`` counts their written forms for labels."""
        words = self.words(text)
        stems = [self.stem(word) for word in words]
        if record:
            for word, stem in zip(words, stems, strict=True):
                self._surface.setdefault(stem, Counter())[word] += 1
        return stems

    def stem(self, word: str) -> str:
        """The Snowball stem of one word (cached)."""
        # The Snowball stemmer is pure Python; a round repeats few distinct words.
        stem = self._stems.get(word)
        if stem is None:
            stem = self._stems[word] = str(self._stemmer.stemWord(_fold_word(word)))
        return stem

    def prefixes(self, text: str) -> list[str]:
        """The first 4, 5 and 6 letters of each content word: the parts Dutch compounds share
        (*fietsenstalling*, *fietspad* and *fietsers* all start with *fiets*)."""
        return [start for word in self.words(text) for start in word_prefixes(word)]

    def noun_phrases(self, text: str) -> list[tuple[str, ...]]:
        """The noun phrases an answer writes after an article, possessive or number, in lower
        case, the head last: *de regionale stukken* gives (*regionale*, *stukken*), *my new
        card* gives (*new*, *card*), *het bankkantoor zit* gives (*bankkantoor*,).

        A light chunker without a tagger: the word right after *de*, *een*, *the*, *my* and the
        like is a noun, or an adjective before one (Dutch: ending in *-e*; English: a common
        adjective ending or word), which a verb (*dachten*, *breng*) or an adverb (*graag*,
        *steeds*) hardly ever is."""
        found: list[tuple[str, ...]] = []
        determiners = _DETERMINER_SETS[self.lang]
        words = [t.casefold().replace("’", "'") for t in _TOKEN.findall(_MARKER.sub(" . ", text))]
        for i, word in enumerate(words[:-1]):
            if word not in determiners:
                continue
            if self.lang == "nl" and i > 0 and words[i - 1] in _VERB_AFTER.get(word, ()):
                continue  # *we zijn groot*: the verb, not a possessive
            first = words[i + 1]
            if not self._content(first):
                continue
            second = words[i + 2] if i + 2 < len(words) else ""
            if word in _PRONOUNS_TOO and not (
                (i > 0 and words[i - 1] in _PREPOSITIONS) or not self._content(second)
            ):
                continue  # *het zit vol*: a pronoun and a verb, unless a preposition says not
            if not self._modifier(first):
                found.append((first,))
            elif self._content(second):
                found.append((first, second))
            # an adjective without its noun (*de laatste.*, *some started*) names nothing
        return found

    def after_determiners(self, text: str) -> set[str]:
        """The content words right after an article, possessive or number, *het* always
        counted: weaker evidence of a noun than :meth:`noun_phrases` (*het buurthuis bleef
        open*, which it leaves out for *het zit vol*), for a word two answers share."""
        determiners = _DETERMINER_SETS[self.lang]
        words = [t.casefold().replace("’", "'") for t in _TOKEN.findall(_MARKER.sub(" . ", text))]
        return {
            after for word, after in pairwise(words) if word in determiners and self._content(after)
        }

    def _content(self, word: str) -> bool:
        return len(word) >= 2 and word.isalpha() and _fold_word(word) not in self._stops

    def _modifier(self, word: str) -> bool:
        """Whether a word after a determiner reads as an adjective before the noun."""
        if self.lang == "nl":
            return word.endswith("e") and len(word) > 3
        return word.endswith(_ADJECTIVE_ENDINGS) or word in _ADJECTIVES

    def labels_well(self, stem: str) -> bool:
        """Whether a stem may name a theme (light verbs like *need* or *krijgen* may not)."""
        return stem not in self._not_label

    def clean(self, text: str) -> str:
        """The content words joined by spaces (for comparing short items)."""
        return " ".join(fold(w) for w in self.words(text))

    def surface(self, stem: str, counts: Mapping[str, int] | None = None) -> str:
        """The written form of a stem that most of its uses are (``counts``: the round's,
        unless given), counting a plural as a use of its singular: *card* for three *card*
        and five *cards*, *huis* for *huis* and *huizen*. The singular is how a title names
        a thing; a form the round writes elsewhere may stand for a theme's plurals. Ties go
        to the shorter form, then alphabetically."""
        written: Mapping[str, int] = self._surface.get(stem) or {}
        counts = written if counts is None else counts
        if not counts:
            return stem

        def uses(form: str) -> int:
            return sum(n for word, n in counts.items() if word == form or self.plural(word, form))

        return min({*counts, *written}, key=lambda form: (-uses(form), len(form), form))

    def plural(self, word: str, singular: str) -> bool:
        """Whether ``word`` is a regular plural of ``singular`` (*cards*, *currencies*;
        *fietsen*, *bussen*, *huizen*, *bomen*, *auto's*)."""
        return _PLURAL[self.lang](word, singular)


def _plural_en(word: str, singular: str) -> bool:
    if word in (singular + "s", singular + "es"):
        return True
    # country, countries (but day, days)
    return singular[-1:] == "y" and singular[-2:-1] not in _VOWELS and word == singular[:-1] + "ies"


def _plural_nl(word: str, singular: str) -> bool:
    if word in (singular + "en", singular + "s", singular + "'s", singular + "eren"):
        return True
    last = singular[-1:]
    if last == "e" and word in (singular + "n", singular + "ën"):
        return True  # ronde, ronden; idee, ideeën
    if last and last not in _VOWELS and word == singular + last + "en":
        return True  # bus, bussen
    # huis, huizen; brief, brieven; boom, bomen; straat, straten
    base = singular[:-1] + {"s": "z", "f": "v"}.get(last, last)
    if len(singular) >= 3 and singular[-2] == singular[-3] and singular[-2] in _VOWELS:
        base = base[:-2] + base[-1]
    return word == base + "en"


_VOWELS = frozenset("aeiouy")
_PLURAL = {"en": _plural_en, "nl": _plural_nl}


def sentences(text: str) -> Sequence[str]:
    """Sentences of an answer, each an exact substring of it."""
    parts = re.findall(r"[^.!?\n]+[.!?]*", text)
    return [p.strip() for p in parts if p.strip()]


def without_markers(text: str) -> str:
    """``text`` with scrub markers (``[naam]``) left out, so they never become theme words."""
    return _MARKER.sub(" ", text)


def word_prefixes(word: str) -> list[str]:
    """The first 4, 5 and 6 letters of one word as :meth:`Analyzer.words` gives it, folded.

    Taken from the word as it is, not from reading it again: a word folded to lower case can
    read as other words (*İzmir* becomes *i* and a combining dot before *zmir*)."""
    folded = _fold_word(word)
    return [folded[:n] for n in PREFIXES if len(folded) >= n]


def plain(text: str) -> str:
    """Folded text without scrub markers (input for character n-grams)."""
    return fold(_MARKER.sub(" ", text))


def written_in(text: str, default: str) -> str:
    """``nl`` or ``en``: the language whose words ``text`` uses more commonly, by the summed
    wordfreq Zipf frequency of its words (``default`` when they tie, as without words).

    Cheap and good enough to pick stop words and word frequencies per answer in a round where
    some people write Dutch and some English: on SIB-200's parallel train sentences it named
    every Dutch and every English sentence right, and every banking77 text English."""
    words = [word.casefold() for word in _WORD.findall(_MARKER.sub(" ", text))]
    scores = {lang: sum(zipf_frequency(word, lang) for word in words) for lang in _STEMMERS}
    if scores["nl"] == scores["en"]:
        return language_of(default)
    return max(scores, key=lambda lang: scores[lang])
