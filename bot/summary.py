"""The summary model and the :class:`Synthesizer` interface.

The engine gathers a round's answers (already scrubbed, no pseudonyms: each respondent is a
shuffled number local to this request) into a :class:`SynthesisRequest`; a synthesizer turns
it into a :class:`Summary`; :mod:`bot.render` turns a summary into Markdown or an
``Outgoing`` message. Nothing below ``min_respondents`` distinct respondents is published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class AnswerText:
    """One scrubbed answer. ``respondent`` is an opaque number valid inside one request only."""

    respondent: int
    phase: str
    text: str
    choice: str | None = None


@dataclass(frozen=True, slots=True)
class PhaseInfo:
    """A phase of the template: its key, its title in the round's language and its role.

    Roles: ``story`` (knel/kiem stories), ``headline``, ``dream``, ``ideas``, ``text``.
    """

    key: str
    title: str
    role: str
    # (value, label in the round's language) of the phase's choice, e.g. ("3", "Een lange
    # tafel met buren"); the summary shows labels instead of bare values when given.
    choice_labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class SynthesisRequest:
    language: str
    phases: tuple[PhaseInfo, ...]
    answers: tuple[AnswerText, ...]
    min_respondents: int = 3
    theme: str | None = None


@dataclass(frozen=True, slots=True)
class Theme:
    """A group of answers: a short label, how many distinct people, 1-3 verbatim quotes.

    ``answers`` holds indices into ``SynthesisRequest.answers`` (for JSON export only).
    """

    label: str
    respondents: int
    quotes: tuple[str, ...]
    answers: tuple[int, ...] = ()
    distinct: str = ""


@dataclass(frozen=True, slots=True)
class Item:
    """A listed answer (a headline, a dream, an idea) with how many people gave it."""

    text: str
    count: int = 1


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


@dataclass(frozen=True, slots=True)
class Summary:
    language: str
    respondents: int
    min_respondents: int
    phases: tuple[PhaseSummary, ...]
    theme: str | None = None
    shared: tuple[str, ...] = field(default=())

    @property
    def published(self) -> bool:
        return self.respondents >= self.min_respondents


class Synthesizer(Protocol):
    """Turns scrubbed answers into a summary. Must be deterministic for the same input."""

    async def synthesize(self, request: SynthesisRequest) -> Summary: ...
