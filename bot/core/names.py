"""Where a text names a person (PRODUCT.md §4.6): members of the channel and anyone else.

A name is found by how it is used, not by spelling alone, so that a member called Ben de Groot
does not erase *ben* or *groot*:

- a member's full name, in any case;
- a token of a member's name (``Ben``, ``Groot``) where it is written as a name: capitalised
  inside a sentence. At a sentence start a capitalised word that is also an ordinary word
  (``Ben ik de enige?``, ``Groot was de verbazing``) stays, unless what follows shows it is a
  name (``Ben zei``, ``Ben de Groot``). Lower case, only tokens that are not words of the
  language (``sanne``) are names;
- a first name of anyone (Dutch and international first names from deduce, the Dutch
  de-identifier's curated lists) written as a name by the same rules;
- a title (``mevrouw``, ``dhr.``, ``Mr``) followed by a capitalised name;
- after any of these, what continues the name: particles and capitalised words (``Petra Smit``,
  ``[naam] de Vries``), so a first-name-only member's surname does not leak.

Whether a word is an ordinary word comes from :mod:`wordfreq` (how often it is used in the
language); deduce's full pipeline is not used: it needs about a gigabyte and twenty seconds to
load, too much for scrubbing a chat answer (see the README).
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from wordfreq import zipf_frequency

# A word at least this frequent (Zipf scale: 4 = once in 10,000 words) is an ordinary word
# when written in lower case: "boer" (4.5), "bakker" (4.3) stay, "sanne" (3.6) is a name.
WORD_ZIPF = 4.0
# A capitalised word at a sentence start at least this frequent is read as the word, unless what
# follows shows a name: "Ben" (6.3), "Wil" (6.2), "Groot" (5.6) stay; "Piet" (4.5) is a name.
START_ZIPF = 5.0
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?…:;]|\n")
# After a verb that opens a question or an inverted sentence ("Ben ik ...", "Wil je ...",
# "Will you ...") comes one of these; after a name opening a sentence ("Ben zei") it does not.
_INVERSION = frozenset(
    """ik je jij u we wij jullie ze zij hij het er men de een dat dit die deze niet nog ook
    toch al dan wel eens even maar zo daar hier er 't i you he she it we they the a an not
    there this that""".split()
)
_MORE_PARTICLES = ("'t", "t", "ter", "ten", "te", "von", "der", "den", "de", "van", "la", "le")
# Particles that begin a surname ("De Vries", "Van der Berg"), unlike "bij de" or "op het".
_SURNAME_PARTICLES = frozenset("van de den der ter ten te 't von la le du da di del dos el".split())
_ARTICLES = frozenset("de het een the a an".split())
_MORE_TITLES = (
    "juf juffrouw meester dokter wethouder burgemeester pastoor dominee zuster broeder mr mrs "
    "ms miss dr prof sir madam"
).split()
_MONTHS_AND_DAYS = frozenset(
    """januari februari maart april mei juni juli augustus september oktober november december
    january february march may june july august october
    maandag dinsdag woensdag donderdag vrijdag zaterdag zondag
    monday tuesday wednesday thursday friday saturday sunday""".split()
)


def _lookup(folder: str) -> set[str]:
    spec = importlib.util.find_spec("deduce")  # the data files only; deduce is not imported
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the package deduce is not installed (it holds the name lists)")
    base = Path(next(iter(spec.submodule_search_locations))) / "data/lookup/src/names" / folder
    items = set((base / "items.txt").read_text(encoding="utf-8").split("\n"))
    exceptions = base / "exceptions.txt"
    if exceptions.exists():
        items -= set(exceptions.read_text(encoding="utf-8").split("\n"))
    return {item.strip() for item in items if item.strip()}


@dataclass(frozen=True)
class Lexicon:
    """First names, name particles and titles (the same for every language)."""

    first_names: frozenset[str]
    particles: tuple[tuple[str, ...], ...]  # casefolded word sequences, longest first
    titles: frozenset[str]

    @classmethod
    @functools.cache
    def load(cls) -> Lexicon:
        particles = {tuple(p.casefold().split()) for p in _lookup("lst_interfix")}
        particles |= {(p,) for p in _MORE_PARTICLES}
        particles = {p for p in particles if all(_WORD.fullmatch(w) for w in p)}
        not_names = _MONTHS_AND_DAYS | _INVERSION | {w for p in particles for w in p}
        first = frozenset(
            n for n in _lookup("lst_first_name") if len(n) >= 2 and n.casefold() not in not_names
        )
        titles = {t.casefold().rstrip(".") for t in _lookup("lst_prefix") if " " not in t}
        return cls(
            first,
            tuple(sorted(particles, key=len, reverse=True)),
            frozenset(titles | set(_MORE_TITLES)),
        )


@functools.lru_cache(maxsize=65536)
def zipf(word: str, lang: str) -> float:
    """How common ``word`` is in ``lang`` (wordfreq's Zipf scale, 0 for unknown words)."""
    return zipf_frequency(word.casefold(), lang)


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str
    starts_sentence: bool
    spaced: bool  # only white space between this token and the one before
    key: str  # casefolded text

    @property
    def capitalised(self) -> bool:
        return self.text[0].isupper() and not (len(self.text) > 1 and self.text.isupper())


def _tokens(text: str, titles: frozenset[str]) -> list[_Token]:
    tokens: list[_Token] = []
    previous = 0
    for match in _WORD.finditer(text):
        gap = text[previous : match.start()]
        starts = not tokens or bool(_SENTENCE_END.search(gap))
        spaced = bool(tokens) and not gap.strip()
        if tokens and gap.strip() == "." and tokens[-1].key in titles:  # "dhr. de Vries"
            starts, spaced = False, True
        if not tokens and gap.strip(" \t\"'“”‘’«»()*•-–—>"):  # e.g. after a marker
            starts = False
        tokens.append(
            _Token(
                match.start(),
                match.end(),
                match.group(0),
                starts,
                spaced,
                match.group(0).casefold(),
            )
        )
        previous = match.end()
    return tokens


@dataclass(frozen=True)
class NameFinder:
    """Finds the spans of ``text`` that name a person; build one per round."""

    lang: str
    lexicon: Lexicon
    member_first: frozenset[str]  # casefolded first tokens of members' names
    member_other: frozenset[str]  # casefolded other tokens (surnames)
    member_full: tuple[tuple[str, ...], ...]  # casefolded token sequences, longest first
    full_starts: frozenset[str]  # their first tokens

    @classmethod
    def build(cls, lang: str, member_names: Iterable[str]) -> NameFinder:
        lexicon = Lexicon.load()
        particle_words = {w for p in lexicon.particles for w in p}
        first: set[str] = set()
        other: set[str] = set()
        full: set[tuple[str, ...]] = set()
        for name in member_names:
            words = [w.casefold() for w in _WORD.findall(name.replace("_", " ").replace(".", " "))]
            if not words:
                continue
            proper = [w for w in words if w not in particle_words and len(w) >= 2]
            if len(proper) >= 2:
                full.add(tuple(words))
            if proper:
                first.add(proper[0])
                other.update(proper[1:])
        return cls(
            lang,
            lexicon,
            frozenset(first),
            frozenset(other - first),
            tuple(sorted(full, key=len, reverse=True)),
            frozenset(f[0] for f in full),
        )

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The (start, end) spans of names in ``text``, merged where only spaces part them."""
        tokens = _tokens(text, self.lexicon.titles)
        found: list[tuple[int, int]] = []
        i = 0
        while i < len(tokens):
            first = self._titled(tokens, i)
            if first is not None:  # the title stays, the name after it goes
                end: int | None = first + 1
            else:
                end = self._full_name(tokens, i) or self._name(tokens, i)
                if end is not None:
                    first = self._particles_before(tokens, i)
            if end is None or first is None:
                i += 1
                continue
            end = self._continuation(tokens, end)
            found.append((tokens[first].start, tokens[end - 1].end))
            i = end
        return _merge(text, found)

    def _particles_before(self, tokens: list[_Token], i: int) -> int:
        """``i`` moved back over capitalised particles just before it ("De Vries")."""
        for particle in self.lexicon.particles:
            j = i - len(particle)
            if j < 0 or particle[0] not in _SURNAME_PARTICLES:
                continue
            if tuple(t.key for t in tokens[j:i]) == particle and tokens[j].capitalised:
                if all(t.spaced for t in tokens[j + 1 : i + 1]):
                    return j
        return i

    def _full_name(self, tokens: list[_Token], i: int) -> int | None:
        if tokens[i].key not in self.full_starts:
            return None
        for full in self.member_full:
            if tuple(t.key for t in tokens[i : i + len(full)]) == full:
                return i + len(full)
        return None

    def _titled(self, tokens: list[_Token], i: int) -> int | None:
        """Where the name after a title starts ("mevrouw Bakker", "dhr. de Vries")."""
        if tokens[i].key not in self.lexicon.titles:
            return None
        j = self._particles(tokens, i + 1)
        if j < len(tokens) and tokens[j].capitalised and not tokens[j].starts_sentence:
            if tokens[j].key not in self.lexicon.titles:
                return i + 1
        return None

    def _name(self, tokens: list[_Token], i: int) -> int | None:
        token = tokens[i]
        key = token.key
        member = key in self.member_first or key in self.member_other
        if not token.capitalised:
            # Answers mix Dutch and English: a word of either language is a word.
            common = max(zipf(key, lang) for lang in {self.lang, "nl", "en"})
            if member and len(key) >= 3 and common < WORD_ZIPF:
                return i + 1
            return None
        if not member:
            return self._other_name(tokens, i)
        if not token.starts_sentence or zipf(key, self.lang) < START_ZIPF:
            return i + 1
        # An ordinary word opening a sentence: a name only when what follows says so
        # ("Ben de Groot", "Ben zei"; not "Ben ik de enige?", "Groot was de verbazing").
        if self._continuation(tokens, i + 1) > i + 1:
            return i + 1
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if key in self.member_first and following is not None and following.spaced:
            if following.key not in _INVERSION:
                return i + 1
        return None

    def _other_name(self, tokens: list[_Token], i: int) -> int | None:
        """A first name of someone who is not a member, written as a name."""
        token = tokens[i]
        if token.text not in self.lexicon.first_names:
            return None
        before = tokens[i - 1] if i > 0 else None
        if before is not None and token.spaced and before.key in _ARTICLES:
            return None  # "de Rode Kruis", "bij de Albert Heijn": not a person
        if token.starts_sentence and zipf(token.key, self.lang) >= START_ZIPF:
            return i + 1 if self._continuation(tokens, i + 1) > i + 1 else None
        return i + 1

    def _particles(self, tokens: list[_Token], j: int) -> int:
        """Past the name particles ("van der", "de", "'t") starting at ``j``."""
        while j < len(tokens) and tokens[j].spaced:
            for particle in self.lexicon.particles:
                words = tokens[j : j + len(particle)]
                if tuple(t.key for t in words) == particle and all(t.spaced for t in words):
                    j += len(particle)
                    break
            else:
                return j
        return j

    def _continuation(self, tokens: list[_Token], end: int) -> int:
        """``end`` moved past what continues a name: particles followed by capitalised
        words, or capitalised words (a surname after a first name)."""
        while end < len(tokens):
            j = self._particles(tokens, end)
            if j >= len(tokens) or not tokens[j].spaced or not tokens[j].capitalised:
                return end
            if tokens[j].key in self.lexicon.titles:
                return end
            end = j + 1
        return end


def _merge(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and not text[merged[-1][1] : start].strip():
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
