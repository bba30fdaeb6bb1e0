"""A summary as a draft: what is kept while the host reviews it, and the edits a host may make.

A draft holds exactly what would be published (PRODUCT.md §4): the summary made from
scrubbed answers, with every phase below the threshold emptied to its title, and no answer
indices. A host can rename a theme (the label is then the host's own words) and remove a quote
or a listed answer; nothing can be added to what participants wrote, and nothing un-scrubbed.

Quotes and listed answers are numbered in reading order, themes too, so that a host can point
at one by number (``hernoem 2 …``, ``verwijder citaat 3``) on every platform.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from bot.core.commands import CommandError
from bot.core.prompts import Catalog
from bot.core.render import theme_heading
from bot.core.summary import Item, PhaseSummary, Rest, StageNote, Summary, Theme

MAX_LABEL = 80
T = TypeVar("T")


def publishable(summary: Summary) -> Summary:
    """``summary`` with nothing that is not shown: unpublished phases keep only their title,
    themes lose the indices of their answers."""
    phases = []
    for phase in summary.phases:
        if not phase.published:
            phases.append(PhaseSummary(phase.key, phase.title, phase.role, 0, False))
            continue
        themes = tuple(dataclasses.replace(t, answers=()) for t in phase.themes)
        phases.append(dataclasses.replace(phase, themes=themes))
    return dataclasses.replace(summary, phases=tuple(phases))


def dumps(summary: Summary) -> str:
    """The draft's content as JSON (for :class:`storage.models.DraftRow`)."""
    return json.dumps(dataclasses.asdict(publishable(summary)), ensure_ascii=False)


def loads(content: str) -> Summary:
    """The summary a draft holds (the inverse of :func:`dumps`)."""
    data: dict[str, Any] = json.loads(content)
    phases = tuple(_phase(raw) for raw in data.pop("phases"))
    stages = tuple(
        StageNote(
            s["heading"],
            tuple(s.get("lines", ())),
            tuple((str(k), str(v)) for k, v in s.get("beside", ())),
        )
        for s in data.pop("stages", ())
    )
    return Summary(
        **{**data, "shared": tuple(data.get("shared", ()))}, phases=phases, stages=stages
    )


def _items(raw: list[dict[str, Any]]) -> tuple[Item, ...]:
    return tuple(Item(**i) for i in raw)


def _phase(raw: dict[str, Any]) -> PhaseSummary:
    themes = tuple(
        Theme(**{**t, "quotes": tuple(t["quotes"]), "answers": tuple(t["answers"])})
        for t in raw.get("themes", ())
    )
    rest = tuple(Rest(**{**r, "items": _items(r["items"])}) for r in raw.get("rest", ()))
    return PhaseSummary(
        key=raw["key"],
        title=raw["title"],
        role=raw["role"],
        respondents=raw["respondents"],
        published=raw["published"],
        themes=themes,
        items=_items(raw.get("items", [])),
        rest=rest,
        choices=tuple((str(v), int(c)) for v, c in raw.get("choices", ())),
        shared=tuple(raw.get("shared", ())),
        choice_labels=tuple((str(v), str(label)) for v, label in raw.get("choice_labels", ())),
        actors=tuple((str(w), int(c)) for w, c in raw.get("actors", ())),
        answers=raw.get("answers", 0),
    )


# Where a piece of participants' text sits: (phase index, "theme"/"rest"/"items", index of the
# theme or rest group, index of the quote or item).
_Where = tuple[int, str, int, int]


def _walk(summary: Summary) -> Iterator[tuple[Theme | None, _Where | None, str]]:
    """Themes (``where`` None) and quoted or listed texts, in the order the summary shows
    them (:mod:`bot.core.render`): per side of a choice its themes and what they leave,
    then the listed answers not quoted already."""
    for p, phase in enumerate(summary.phases):
        if not phase.published:
            continue
        groups: list[tuple[int | None, list[int]]]
        if phase.rest:
            groups = [
                (r, [t for t, theme in enumerate(phase.themes) if theme.side == rest.side])
                for r, rest in enumerate(phase.rest)
            ]
        else:
            groups = [(None, list(range(len(phase.themes))))]
        for r, indices in groups:
            for t in indices:
                theme = phase.themes[t]
                yield theme, None, theme.label
                for q, quote in enumerate(theme.quotes):
                    yield None, (p, "theme", t, q), quote
            if r is not None:
                for i, item in enumerate(phase.rest[r].items):
                    yield None, (p, "rest", r, i), item.text
        for i, item in enumerate(phase.items):
            if not item.quoted:
                yield None, (p, "items", 0, i), item.text


def themes(summary: Summary) -> list[Theme]:
    """The published themes in reading order: theme ``n`` is ``themes(summary)[n - 1]``."""
    return [theme for theme, _, _ in _walk(summary) if theme is not None]


def quotes(summary: Summary) -> list[str]:
    """Everything participants wrote that the summary shows, in reading order: quote ``n``
    is ``quotes(summary)[n - 1]``."""
    return [text for _, where, text in _walk(summary) if where is not None]


def _where(summary: Summary) -> list[_Where]:
    return [where for _, where, _ in _walk(summary) if where is not None]


def rename(summary: Summary, number: int, label: str) -> Summary:
    """Theme ``number`` called ``label`` (the host's words, one line, at most
    :data:`MAX_LABEL` characters)."""
    label = " ".join(label.split())
    if not label:
        raise CommandError("error.draft_label_empty")
    if len(label) > MAX_LABEL:
        raise CommandError("error.draft_label_long", count=MAX_LABEL)
    found = themes(summary)
    if not 1 <= number <= len(found):
        raise CommandError("error.draft_no_theme", number=number, count=len(found))
    target = found[number - 1]
    return _map(summary, theme=lambda t: dataclasses.replace(t, label=label) if t is target else t)


def remove_quote(summary: Summary, number: int) -> Summary:
    """``summary`` without quote (or listed answer) ``number``; the counts stay as they are."""
    found = _where(summary)
    if not 1 <= number <= len(found):
        raise CommandError("error.draft_no_quote", number=number, count=len(found))
    p_at, kind, group, index = found[number - 1]
    phases = list(summary.phases)
    phase = phases[p_at]
    if kind == "theme":
        theme = phase.themes[group]
        new_theme = dataclasses.replace(theme, quotes=_without(theme.quotes, index))
        phase = dataclasses.replace(phase, themes=_put(phase.themes, group, new_theme))
    elif kind == "rest":
        rest = phase.rest[group]
        new_rest = dataclasses.replace(rest, items=_without(rest.items, index))
        phase = dataclasses.replace(phase, rest=_put(phase.rest, group, new_rest))
    else:
        phase = dataclasses.replace(phase, items=_without(phase.items, index))
    phases[p_at] = phase
    return dataclasses.replace(summary, phases=tuple(phases))


def numbered(summary: Summary, catalog: Catalog) -> Summary:
    """A copy for the host's preview: each theme label starts with its number and each quote
    or listed answer with ``[n]``, so that ``hernoem`` and ``verwijder citaat`` can point at
    them (a theme without a label by its neutral heading, so the host can name it). Numbers
    follow :func:`themes` and :func:`quotes`."""
    theme_numbers = {id(t): n for n, t in enumerate(themes(summary), start=1)}
    quote_numbers = {w: n for n, w in enumerate(_where(summary), start=1)}
    phases = []
    for p, phase in enumerate(summary.phases):
        if not phase.published:
            phases.append(phase)
            continue

        def mark(where: _Where, text: str) -> str:
            number = quote_numbers.get(where)
            return f"[{number}] {text}" if number is not None else text

        new_themes = tuple(
            dataclasses.replace(
                theme,
                label=f"{theme_numbers[id(theme)]}. "
                f"{theme_heading(catalog, summary.language, theme)}",
                quotes=tuple(mark((p, "theme", t, q), text) for q, text in enumerate(theme.quotes)),
            )
            for t, theme in enumerate(phase.themes)
        )
        new_rest = tuple(
            dataclasses.replace(
                rest,
                items=tuple(
                    dataclasses.replace(item, text=mark((p, "rest", r, i), item.text))
                    for i, item in enumerate(rest.items)
                ),
            )
            for r, rest in enumerate(phase.rest)
        )
        new_items = tuple(
            dataclasses.replace(item, text=mark((p, "items", 0, i), item.text))
            for i, item in enumerate(phase.items)
        )
        phases.append(dataclasses.replace(phase, themes=new_themes, rest=new_rest, items=new_items))
    return dataclasses.replace(summary, phases=tuple(phases))


def _map(summary: Summary, theme: Callable[[Theme], Theme]) -> Summary:
    phases = tuple(
        dataclasses.replace(phase, themes=tuple(theme(t) for t in phase.themes))
        for phase in summary.phases
    )
    return dataclasses.replace(summary, phases=phases)


def _without(values: tuple[T, ...], index: int) -> tuple[T, ...]:
    return values[:index] + values[index + 1 :]


def _put(values: tuple[T, ...], index: int, value: T) -> tuple[T, ...]:
    return (*values[:index], value, *values[index + 1 :])
