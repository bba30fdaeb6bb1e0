"""The offline synthesizer: themes, headlines, dreams and ideas without any network or model.

Per phase it counts distinct respondents and publishes nothing below ``min_respondents``;
above it, what happens follows the phase's kind (:mod:`bot.core.phases`): a themed kind's
answers are grouped into themes (:mod:`bot.synthesis.themes`), each with a label (or none,
when no noun is shared by two of its answers: then its answers speak for it), the words
that set it apart and 1-3 verbatim quotes; a listed kind's answers (headlines, dreams, ideas)
are listed with near-duplicates merged; headlines may title story themes and ideas are
searched for who could act. Input order never matters: answers are sorted first.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from bot.core.summary import (
    Item,
    PhaseInfo,
    PhaseSummary,
    Rest,
    Summary,
    SynthesisRequest,
    Theme,
)
from bot.synthesis.actors import actors
from bot.synthesis.embeddings import embed
from bot.synthesis.items import item_key, merged_items
from bot.synthesis.keywords import contrast, prefix_word, presence, top_stems
from bot.synthesis.language import Analyzer, sentences, written_in
from bot.synthesis.themes import SMALLEST, Grouping, group

LABEL_WORDS = 4  # words in a theme label made of its nouns
NOUN_PARTS = 3  # nouns in a label: the theme's best, and what else most of its answers name
MAX_QUOTE = 300  # characters; a longer answer is quoted by its most typical sentence
FEW = 5  # answers in no theme are listed themselves up to this many, else only counted


@dataclass(frozen=True)
class _Answer:
    index: int  # position in the request, for JSON export
    respondent: int
    text: str
    choice: str | None


class OfflineSynthesizer:
    """Deterministic synthesis with scikit-learn, sentence embeddings and Snowball stems."""

    def __init__(
        self, max_themes: int = 6, max_quotes: int = 3, smallest: float = SMALLEST
    ) -> None:
        self.max_themes = max_themes
        self.max_quotes = max_quotes
        self.smallest = smallest  # share of a phase's answers a theme needs to count

    async def synthesize(self, request: SynthesisRequest) -> Summary:
        # CPU-bound for large rounds; keep the event loop free for Slack's 3-second acks.
        return await asyncio.to_thread(self.summarize, request)

    def summarize(self, request: SynthesisRequest) -> Summary:
        """The summary of a request, computed synchronously."""
        # One BLAS thread: the matrices are small, and on a shared 2-core machine OpenBLAS
        # threads spinning against each other made 10,000 answers take 17 s instead of 4 s.
        with threadpool_limits(limits=1, user_api="blas"):
            return self._summarize(request)

    def _summarize(self, request: SynthesisRequest) -> Summary:
        by_phase: dict[str, list[_Answer]] = defaultdict(list)
        for index, answer in enumerate(request.answers):
            if answer.text.strip() or answer.choice:
                by_phase[answer.phase].append(
                    _Answer(index, answer.respondent, answer.text.strip(), answer.choice)
                )
        for answers in by_phase.values():
            answers.sort(key=lambda a: (a.text, a.choice or "", a.index))
        headlines = _headlines(request, by_phase)
        phases = tuple(
            self._phase(phase, by_phase.get(phase.key, []), request, headlines)
            for phase in request.phases
        )
        everyone = {a.respondent for a in request.answers}
        published = len(everyone) >= request.min_respondents
        return Summary(
            language=request.language,
            respondents=len(everyone),
            answers=sum(len(answers) for answers in by_phase.values()),
            people=request.people,
            min_respondents=request.min_respondents,
            phases=phases,
            theme=request.theme,
            shared=_round_shared(request, by_phase) if published else (),
        )

    def _phase(
        self,
        phase: PhaseInfo,
        answers: list[_Answer],
        request: SynthesisRequest,
        headlines: dict[int, str],
    ) -> PhaseSummary:
        respondents = len({a.respondent for a in answers})
        minimum = request.min_respondents
        if respondents < minimum:
            return PhaseSummary(
                phase.key, phase.title, phase.role, respondents, False, answers=len(answers)
            )
        choices = _choices(answers)
        texts = [a for a in answers if a.text]
        themes: list[Theme] = []
        shared: tuple[str, ...] = ()
        rest: list[Rest] = []
        quoted: set[int] = set()
        analyzer = Analyzer(request.language)
        kind = phase.kind
        if kind.themed:
            titles = headlines if kind.takes_titles else {}
            sides = _sides(phase, texts, choices) if kind.splits_by_choice else [(None, texts)]
            if any(len({a.respondent for a in members}) < minimum for _, members in sides):
                # PRODUCT.md §4.5: a side (a segment) is shown only when it could be published
                # on its own; one knel story under "Knel (1)" would be one person's, tied to
                # their choice. Then the phase is themed as a whole.
                sides = [(None, texts)]
            for side, members in sides:
                people = len({a.respondent for a in members})
                found: tuple[Theme, ...] = ()
                if people >= minimum:
                    found, words, shown = self._themes(members, analyzer, minimum, titles)
                    shared = words if len(sides) == 1 else ()
                    quoted |= shown
                themes += [dataclasses.replace(t, side=side) for t in found]
                inside = {i for t in found for i in t.answers}
                left = [a for a in members if a.index not in inside]
                listed: tuple[Item, ...] = ()
                if not kind.listed and len(left) <= FEW:
                    listed = _as_given(left)
                rest.append(Rest(side, people, len(members), len(left), listed))
        items: tuple[Item, ...] = ()
        if kind.listed:
            items = tuple(
                Item(text, count, quoted=any(texts[i].index in quoted for i in positions))
                for text, count, positions in merged_items(
                    [a.text for a in texts], [a.respondent for a in texts], analyzer
                )
            )
        named: tuple[tuple[str, int], ...] = ()
        if kind.names_actors:
            named = tuple(
                actors([a.text for a in texts], [a.respondent for a in texts], request.language)
            )
        return PhaseSummary(
            key=phase.key,
            title=phase.title,
            role=phase.role,
            respondents=respondents,
            published=True,
            themes=tuple(themes),
            items=items,
            choices=choices,
            shared=shared,
            choice_labels=phase.choice_labels,
            actors=named,
            answers=len(answers),
            rest=tuple(rest),
        )

    def _themes(
        self,
        answers: list[_Answer],
        analyzer: Analyzer,
        minimum: int,
        headlines: dict[int, str],
    ) -> tuple[tuple[Theme, ...], tuple[str, ...], set[int]]:
        """The published themes of ``answers``, the words they share and the request
        positions of the answers quoted."""
        texts = [a.text for a in answers]
        grouping = group(texts, analyzer, self.max_themes, minimum, self.smallest)
        scores = contrast(grouping.words, grouping.labels, grouping.count)
        vocabulary = grouping.vocabulary
        people = [
            {answers[i].respondent for i in grouping.members(t)} for t in range(grouping.count)
        ]
        shown = [t for t in range(grouping.count) if len(people[t]) >= minimum]
        fits = _fitting(grouping, shown)
        phrases = _noun_phrases(texts, analyzer)
        nouns = {analyzer.stem(phrase[-1]) for found in phrases for phrase in found}
        phrase_words = {analyzer.stem(word) for found in phrases for p in found for word in p}
        determined = _after_determiners(texts, analyzer)
        shared_stems = [s for s in _shared(grouping, shown, analyzer) if s in nouns]
        used_titles: set[str] = set()
        themes = []
        quoted: set[int] = set()
        for t in shown:
            members = grouping.members(t)
            ranked = top_stems(scores[t], vocabulary, 16)
            # Only nouns name or describe a theme: never a verb, an adverb or a stop word.
            best = [s for s in ranked if analyzer.labels_well(s) and s in nouns]
            label = _title(members, answers, headlines, analyzer, best, used_titles, fits)
            written = _written([texts[i] for i in members], analyzer)
            own_phrases = [phrases[i] for i in members]
            if label is None and best:
                label = _noun_label(own_phrases, analyzer, best, written)
            if label is None:
                others = [texts[i] for i in np.flatnonzero(grouping.labels != t)]
                label = prefix_word(
                    [texts[i] for i in members],
                    others,
                    analyzer,
                    lambda word: analyzer.stem(word) in nouns,
                )
            if label is None:
                label = _noun_label(own_phrases, analyzer, [], written)
            if label is None:
                # A word two of its answers share that the chunker read inside a noun phrase,
                # though not as its head: *gemeente* in *de gemeente plaatst bankjes*.
                inside = [s for s in ranked if analyzer.labels_well(s) and s in phrase_words]
                label = written(inside[0]) if inside else None
            if label is None:
                # Where the chunker takes *het* for a pronoun (*Het buurthuis bleef open*): a
                # word two of its answers share that some answer writes after an article.
                after = [s for s in ranked if analyzer.labels_well(s) and s in determined]
                label = written(after[0]) if after else None
            if label is None:
                # No noun that two of its answers share: no word of one answer names what
                # others did not say. The theme has no label; it is shown under a neutral
                # heading with its answers themselves (bot.core.render).
                label = ""
            label_stems = set(analyzer.stems(label, record=False))
            # With a single theme there is nothing to set it apart from.
            apart = [written(s) for s in best if s not in label_stems and s not in shared_stems][:3]
            apart = apart if len(shown) > 1 else []
            # A theme without a label is read through its answers: all of them, when few.
            limit = len(members) if not label and len(members) <= FEW else self.max_quotes
            quotes, positions = self._quotes(grouping, members, answers, analyzer, best, limit)
            quoted.update(answers[i].index for i in positions)
            themes.append(
                Theme(
                    label=label,
                    respondents=len(people[t]),
                    quotes=quotes,
                    answers=tuple(sorted(answers[i].index for i in members)),
                    distinct=", ".join(apart),
                )
            )
        themes.sort(key=lambda th: (-th.respondents, th.label))
        return tuple(themes), tuple(analyzer.surface(s) for s in shared_stems), quoted

    def _quotes(
        self,
        grouping: Grouping,
        members: np.ndarray,
        answers: list[_Answer],
        analyzer: Analyzer,
        best: Sequence[str],
        limit: int,
    ) -> tuple[tuple[str, ...], list[int]]:
        """Up to ``limit`` typical answers of a theme, verbatim, from different people, and
        their positions in ``answers``."""
        quotes: list[str] = []
        positions: list[int] = []
        seen_people: set[int] = set()
        seen_texts: set[str] = set()
        for i in _central(grouping, members):
            answer = answers[i]
            if answer.respondent in seen_people:
                continue
            quote = _excerpt(answer.text, analyzer, best)
            if item_key(quote) in seen_texts:
                continue
            quotes.append(quote)
            positions.append(i)
            seen_people.add(answer.respondent)
            seen_texts.add(item_key(quote))
            if len(quotes) == limit:
                break
        return tuple(quotes), positions


def _noun_phrases(texts: Sequence[str], analyzer: Analyzer) -> list[list[tuple[str, ...]]]:
    """Each answer's noun phrases, found by the chunker of the language it is written in
    (:func:`written_in`): the English chunker sees no noun in *Meer bankjes in het park*, and
    without one a theme of answers that all say *bankjes* would have no label."""
    chunkers = {analyzer.lang: analyzer}
    found = []
    for text in texts:
        own = written_in(text, analyzer.lang)
        chunker = chunkers.get(own) or chunkers.setdefault(own, Analyzer(own))
        found.append(chunker.noun_phrases(text))
    return found


def _after_determiners(texts: Sequence[str], analyzer: Analyzer) -> set[str]:
    """Stems of the words any answer writes right after an article (in its own language)."""
    chunkers = {analyzer.lang: analyzer}
    found: set[str] = set()
    for text in texts:
        own = written_in(text, analyzer.lang)
        chunker = chunkers.get(own) or chunkers.setdefault(own, Analyzer(own))
        found |= {analyzer.stem(word) for word in chunker.after_determiners(text)}
    return found


def _written(texts: Sequence[str], analyzer: Analyzer) -> Callable[[str], str]:
    """The form of a stem that a theme's own answers write most, a plural counting for its
    singular (*withdrawal* where they ask about withdrawals, even when the round as a whole
    writes *withdraw* more; *atm* where they write *atms* and *atm*)."""
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for word in analyzer.words(text):
            forms[analyzer.stem(word)][word] += 1

    def form(stem: str) -> str:
        chosen = analyzer.surface(stem, forms.get(stem))
        own = forms.get(stem)
        if own and chosen not in own:  # the round's singular, where the theme only has plurals
            return min(own, key=lambda word: (-own[word], len(word), word))
        return chosen

    return form


def _noun_label(
    phrases: Sequence[Sequence[tuple[str, ...]]],
    analyzer: Analyzer,
    best: Sequence[str],
    written: Callable[[str], str],
) -> str | None:
    """A theme's name from the noun phrases its answers write: its best noun, with the
    adjective the answers most often put before it (*gezamenlijke stresstest*), then its next
    noun when two answers use it too (*provincie · waterschap*); the head in the singular when
    the answers write both. Without such a noun, the noun phrase its answers write most, when
    at least two of them write it; else None."""
    by_head: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
    for found in phrases:
        for phrase in set(found):
            by_head[analyzer.stem(phrase[-1])][phrase] += 1

    def part(stem: str) -> str:
        head = written(stem)
        counts = by_head.get(stem, Counter())
        adjectives = Counter(
            {
                p[0]: n
                for p, n in counts.items()
                if len(p) == 2 and analyzer.labels_well(analyzer.stem(p[0]))
            }
        )
        if adjectives:
            adjective, uses = min(adjectives.items(), key=lambda kv: (-kv[1], kv[0]))
            if uses >= 2:
                return f"{adjective} {head}"
        return head

    if not best:
        heads = Counter({stem: sum(c.values()) for stem, c in by_head.items()})
        # A head noun only one answer writes would name the theme after that answer.
        usable = [(n, s) for s, n in heads.items() if n >= 2 and analyzer.labels_well(s)]
        if not usable:
            return None
        return part(min(usable, key=lambda ns: (-ns[0], ns[1]))[1])
    parts = [part(best[0])]
    for stem in best[1:]:
        if len(parts) >= NOUN_PARTS:
            break
        following = part(stem)
        words = sum(len(p.split()) for p in parts) + len(following.split())
        if words <= LABEL_WORDS and not _repeats(following, parts, analyzer):
            parts.append(following)
    return " · ".join(parts)


def _repeats(part: str, parts: Sequence[str], analyzer: Analyzer) -> bool:
    """Whether a word of ``part`` is the plural or singular of a word already in the label.

    The Dutch Snowball stemmer gives *fiets* and *fietsen* different stems, so without this
    a label could read *fiets kwijt · fietsen*."""
    held = {word for p in parts for word in p.split()}
    return any(
        analyzer.plural(word, other) or analyzer.plural(other, word)
        for word in part.split()
        for other in held
    )


def _central(grouping: Grouping, members: np.ndarray) -> list[int]:
    """Members ordered from most to least typical (cosine to the theme's mean vector)."""
    block = grouping.vectors[members]
    centre = np.asarray(block.mean(axis=0)).ravel()
    similarity = np.asarray(block @ centre).ravel()
    order = sorted(
        range(len(members)), key=lambda j: (-round(float(similarity[j]), 9), int(members[j]))
    )
    return [int(members[j]) for j in order]


def _excerpt(text: str, analyzer: Analyzer, best: Sequence[str]) -> str:
    """The answer itself, or for a long answer the sentence with most theme words."""
    if len(text) <= MAX_QUOTE:
        return text
    wanted = set(best[:8])
    parts = sentences(text)

    def fit(sentence: str) -> tuple[int, int]:
        return len(wanted & set(analyzer.stems(sentence, record=False))), -abs(len(sentence) - 160)

    choice = max(parts, key=fit)
    if len(choice) <= MAX_QUOTE:
        return choice
    cut = choice.rfind(" ", 0, MAX_QUOTE)
    return choice[: cut if cut > 0 else MAX_QUOTE]


def _shared(
    grouping: Grouping, shown: Sequence[int], analyzer: Analyzer, share: float = 0.2
) -> list[str]:
    """Stems used by at least ``share`` of the answers in at least two shown themes (light
    verbs such as *need* left out: they are shared by everything and say nothing)."""
    if len(shown) < 2:
        return []
    binary = presence(grouping.words)
    rates = np.vstack(
        [np.asarray(binary[grouping.labels == t].mean(axis=0)).ravel() for t in shown]
    )
    common = (rates >= share).sum(axis=0)
    candidates = [
        j
        for j in np.flatnonzero(common >= max(2, (len(shown) + 1) // 2))
        if analyzer.labels_well(grouping.vocabulary[j])
    ]
    ranked = sorted(
        candidates, key=lambda j: (-round(float(rates[:, j].mean()), 9), grouping.vocabulary[j])
    )
    return [grouping.vocabulary[j] for j in ranked[:4]]


def _title(
    members: np.ndarray,
    answers: list[_Answer],
    headlines: dict[int, str],
    analyzer: Analyzer,
    best: Sequence[str],
    used: set[str],
    fits: Callable[[str, np.ndarray], bool] | None = None,
) -> str | None:
    """A member's own headline that shares the theme's words, as a natural theme title, when
    it also describes the theme's answers by meaning (``fits``): a headline about something
    else that happens to share a word must not title a theme."""
    if not headlines:
        return None
    rank = {stem: i for i, stem in enumerate(best[:6])}
    candidates = []
    for respondent in sorted({answers[i].respondent for i in members}):
        headline = headlines.get(respondent)
        if not headline or len(headline) > 90 or headline.casefold() in used:
            continue
        if fits is not None and not fits(headline, members):
            continue
        hits = [rank[s] for s in set(analyzer.stems(headline, record=False)) if s in rank]
        if hits:
            candidates.append((-len(hits), min(hits), len(headline), headline))
    if not candidates:
        return None
    title = min(candidates)[3]
    used.add(title.casefold())
    return title


TITLE_MARGIN = 0.02  # cosine by which a headline must be nearer its theme than any other


def _fitting(grouping: Grouping, shown: Sequence[int]) -> Callable[[str, np.ndarray], bool] | None:
    """Whether a headline describes a theme's answers: its sentence embedding is nearer the
    centroid of that theme's answers than that of any other shown theme, by
    :data:`TITLE_MARGIN`. None without embeddings (then shared words alone decide)."""
    if grouping.meaning is None or len(shown) < 2:
        return None
    centroids = {t: grouping.meaning[grouping.members(t)].mean(axis=0) for t in shown}
    order = list(centroids)
    matrix = np.vstack([centroids[t] / max(np.linalg.norm(centroids[t]), 1e-12) for t in order])
    theme_of = {int(i): t for t in shown for i in grouping.members(t)}

    def fits(headline: str, members: np.ndarray) -> bool:
        vector = embed([headline])
        if vector is None:
            return True
        similarity = matrix @ vector[0]
        own = order.index(theme_of[int(members[0])])
        others = np.delete(similarity, own)
        return bool(similarity[own] >= others.max(initial=-1.0) + TITLE_MARGIN)

    return fits


def _headlines(request: SynthesisRequest, by_phase: dict[str, list[_Answer]]) -> dict[int, str]:
    """Each respondent's headline (the first by text when there are several), from the
    phases whose kind gives titles."""
    result: dict[int, str] = {}
    for phase in request.phases:
        if phase.kind.gives_titles:
            for answer in by_phase.get(phase.key, []):
                if answer.text:
                    result.setdefault(answer.respondent, answer.text)
    return result


def _as_given(answers: Sequence[_Answer]) -> tuple[Item, ...]:
    """Answers listed as given, only identical ones (case and punctuation aside) counted once:
    two stories that differ in a sentence are two stories."""
    people: dict[str, set[int]] = defaultdict(set)
    wording: dict[str, str] = {}
    for answer in answers:
        key = item_key(answer.text) or answer.text
        people[key].add(answer.respondent)
        wording.setdefault(key, answer.text)
    ranked = sorted(people.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return tuple(Item(wording[key], len(who)) for key, who in ranked)


def _sides(
    phase: PhaseInfo, answers: list[_Answer], choices: Sequence[tuple[str, int]]
) -> list[tuple[str | None, list[_Answer]]]:
    """A phase's answers per value of its choice (knel, kiem), in the template's order of the
    values, then most chosen first; answers without a choice form a side of their own."""
    order = [value for value, _ in phase.choice_labels]
    order += [value for value, _ in choices if value not in order]
    by_value: dict[str | None, list[_Answer]] = defaultdict(list)
    for answer in answers:
        by_value[answer.choice or None].append(answer)
    sides: list[tuple[str | None, list[_Answer]]] = [
        (value, by_value[value]) for value in order if by_value.get(value)
    ]
    if by_value.get(None):
        sides.append((None, by_value[None]))
    return sides


def _choices(answers: list[_Answer]) -> tuple[tuple[str, int], ...]:
    people: dict[str, set[int]] = defaultdict(set)
    for answer in answers:
        if answer.choice:
            people[answer.choice].add(answer.respondent)
    counts = Counter({choice: len(who) for choice, who in people.items()})
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].zfill(8))))


def _round_shared(
    request: SynthesisRequest, by_phase: dict[str, list[_Answer]], limit: int = 5
) -> tuple[str, ...]:
    """Words that many different people used in at least two published phases.

    With one published phase there is nothing to add to that phase's own "shared" line.
    """
    analyzer = Analyzer(request.language)
    people: dict[str, set[int]] = defaultdict(set)
    phases: dict[str, set[str]] = defaultdict(set)
    nouns: set[str] = set()
    published = 0
    for phase in request.phases:
        answers = by_phase.get(phase.key, [])
        if len({a.respondent for a in answers}) < request.min_respondents:
            continue
        published += 1
        for answer in answers:
            for stem in set(analyzer.stems(answer.text)):
                people[stem].add(answer.respondent)
                phases[stem].add(phase.key)
            nouns |= {analyzer.stem(p[-1]) for p in analyzer.noun_phrases(answer.text)}
    if published < 2:
        return ()
    total = len({a.respondent for a in request.answers})
    needed = max(request.min_respondents, int(np.ceil(0.25 * total)))
    ranked = sorted(
        (
            s
            for s, who in people.items()
            if len(who) >= needed and len(phases[s]) > 1 and analyzer.labels_well(s) and s in nouns
        ),
        key=lambda s: (-len(people[s]), s),
    )
    return tuple(analyzer.surface(s) for s in ranked[:limit])


__all__ = ["OfflineSynthesizer"]
