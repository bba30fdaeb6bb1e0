"""The summary model and the :class:`Synthesizer` interface.

The engine gathers a round's answers (already scrubbed, no pseudonyms: each respondent is a
shuffled number local to this request) into a :class:`SynthesisRequest`; a synthesizer turns
it into a :class:`Summary`; :mod:`bot.core.render` turns a summary into Markdown or an
``Outgoing`` message. Nothing below ``min_respondents`` distinct respondents is published.
:class:`Guarded` makes sure a failing synthesizer never costs a round its summary: it then
gives :func:`plain_summary`, the counts and every answer as given.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Protocol

from bot.core.phases import PhaseKind, phase_kind

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AnswerText:
    """One scrubbed answer. ``respondent`` is an opaque number valid inside one request only."""

    respondent: int
    phase: str
    text: str
    choice: str | None = None


@dataclass(frozen=True, slots=True)
class PhaseInfo:
    """A phase of the template: its key, its title in the round's language and its role,
    the name of a kind registered in :mod:`bot.core.phases` (``story``, ``headline``,
    ``dream``, ``ideas``, ``text``, …).
    """

    key: str
    title: str
    role: str
    # (value, label in the round's language) of the phase's choice, e.g. ("3", "Een lange
    # tafel met buren"); the summary shows labels instead of bare values when given.
    choice_labels: tuple[tuple[str, str], ...] = ()

    @property
    def kind(self) -> PhaseKind:
        return phase_kind(self.role)


@dataclass(frozen=True, slots=True)
class SynthesisRequest:
    language: str
    phases: tuple[PhaseInfo, ...]
    answers: tuple[AnswerText, ...]
    min_respondents: int = 3
    theme: str | None = None
    # False when the answers came without a respondent (a CSV without that column): each
    # answer is then its own respondent for the threshold, and counts say "answers".
    people: bool = True


@dataclass(frozen=True, slots=True)
class Theme:
    """A group of answers: a short label, how many distinct people, 1-3 verbatim quotes.

    The label is empty when no noun is shared by two of the theme's answers: the theme is
    then shown under a neutral heading (:func:`bot.core.render.theme_heading`) with its
    answers, and is no option to vote on or react to.

    ``answers`` holds indices into ``SynthesisRequest.answers`` (for JSON export only).
    """

    label: str
    respondents: int
    quotes: tuple[str, ...]
    answers: tuple[int, ...] = ()
    distinct: str = ""
    side: str | None = None  # the choice (knel, kiem) whose answers it groups, when split


@dataclass(frozen=True, slots=True)
class Item:
    """A listed answer (a headline, a dream, an idea) with how many people gave it."""

    text: str
    count: int = 1
    quoted: bool = False  # one of its answers is already quoted under a theme


@dataclass(frozen=True, slots=True)
class Rest:
    """What a phase's published themes leave: the answers in none of them ("overig"), per
    side of the phase's choice when its kind splits by choice (``side`` None otherwise).

    ``respondents`` and ``answers`` count the whole side; ``other`` the answers in no theme;
    ``items`` are those answers themselves when they are few (else only counted).
    """

    side: str | None
    respondents: int
    answers: int
    other: int
    items: tuple[Item, ...] = ()


@dataclass(frozen=True, slots=True)
class PhaseSummary:
    key: str
    title: str
    role: str
    respondents: int
    published: bool
    themes: tuple[Theme, ...] = ()
    items: tuple[Item, ...] = ()
    choices: tuple[tuple[str, int], ...] = ()
    shared: tuple[str, ...] = ()  # words the answers of several themes have in common
    choice_labels: tuple[tuple[str, str], ...] = ()  # copied from PhaseInfo
    actors: tuple[tuple[str, int], ...] = ()  # ideas: who could act, and how many named them
    answers: int = 0  # answers given (a respondent may give several)
    rest: tuple[Rest, ...] = ()  # per side: the answers in no theme

    @property
    def kind(self) -> PhaseKind:
        return phase_kind(self.role)


@dataclass(frozen=True, slots=True)
class StageNote:
    """What a closed vote or feedback stage adds to the harvest (:mod:`bot.core.stages`):
    its heading and result lines, and short notes shown beside the theme or listed answer
    they are about (``beside``: the theme's label or the answer's text, and the note)."""

    heading: str
    lines: tuple[str, ...] = ()
    beside: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Summary:
    language: str
    respondents: int
    min_respondents: int
    phases: tuple[PhaseSummary, ...]
    theme: str | None = None
    shared: tuple[str, ...] = field(default=())
    plain: bool = False  # the synthesizer failed: counts and answers as given, no themes
    answers: int = 0  # answers given in all phases
    people: bool = True  # copied from the request: respondents are people, not rows
    stages: tuple[StageNote, ...] = ()  # priorities and agreement, once stages closed

    def beside(self, ref: str) -> str:
        """The stages' notes about the theme or listed answer ``ref``, joined."""
        return " · ".join(note for stage in self.stages for key, note in stage.beside if key == ref)

    @property
    def published(self) -> bool:
        return self.respondents >= self.min_respondents


class Synthesizer(Protocol):
    """Turns scrubbed answers into a summary. Must be deterministic for the same input."""

    async def synthesize(self, request: SynthesisRequest) -> Summary: ...


def plain_summary(request: SynthesisRequest) -> Summary:
    """The counts and every answer as given (identical ones counted once, with their number
    of people), under the same thresholds: what is posted when synthesis fails."""
    people: dict[str, set[int]] = defaultdict(set)
    given: Counter[str] = Counter()
    texts: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    choices: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for answer in request.answers:
        text = answer.text.strip()
        if not (text or answer.choice):
            continue
        people[answer.phase].add(answer.respondent)
        given[answer.phase] += 1
        if text:
            texts[answer.phase][text].add(answer.respondent)
        if answer.choice:
            choices[answer.phase][answer.choice].add(answer.respondent)
    phases = []
    for phase in request.phases:
        respondents = len(people[phase.key])
        if respondents < request.min_respondents:
            phases.append(PhaseSummary(phase.key, phase.title, phase.role, respondents, False))
            continue
        counted = Counter({text: len(who) for text, who in texts[phase.key].items()})
        chosen = Counter({value: len(who) for value, who in choices[phase.key].items()})
        phases.append(
            PhaseSummary(
                key=phase.key,
                title=phase.title,
                role=phase.role,
                respondents=respondents,
                published=True,
                items=tuple(Item(t, c) for t, c in sorted(counted.items(), key=_most_first)),
                choices=tuple(sorted(chosen.items(), key=lambda kv: (-kv[1], kv[0].zfill(8)))),
                choice_labels=phase.choice_labels,
                answers=given[phase.key],
            )
        )
    return Summary(
        language=request.language,
        respondents=len({a.respondent for a in request.answers}),
        min_respondents=request.min_respondents,
        phases=tuple(phases),
        theme=request.theme,
        plain=True,
        answers=sum(given.values()),
        people=request.people,
    )


def _most_first(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


class Guarded:
    """A synthesizer that cannot fail: when the one it wraps raises anything, the error's type
    (never its message, which may quote an answer) is logged and :func:`plain_summary` is
    returned, so a close or a deadline still posts the counts and every answer."""

    def __init__(self, inner: Synthesizer) -> None:
        self.inner = inner

    async def synthesize(self, request: SynthesisRequest) -> Summary:
        try:
            return await self.inner.synthesize(request)
        except Exception as exc:
            log.error(
                "synthesis failed (%s); the summary lists the answers as given",
                type(exc).__name__,
            )
            return plain_summary(request)
