"""``export [docx|xlsx|csv|html|md]``: the anonymised harvest of a round, as a file for the
host alone (the Word, Excel, CSV and HTML writers are in :mod:`bot.core.documents`).

What it holds is what the channel may see, and the answers behind it: the summary, then
every phase's scrubbed answers in random order (PRODUCT.md §4.3), without pseudonyms or
days, and nothing at all of a phase with fewer than the threshold of respondents (§4.5).
The CSV has the ``phase``, ``prompt``, ``respondent``, ``choice`` and ``text`` columns
``dialoogbot synthesize`` reads; ``respondent`` is a number drawn for that export alone.

Formats are registered, not branched on: :data:`EXPORT_FORMATS` maps each name to an
:class:`ExportFormat`, and the ``export`` command accepts exactly the names registered
there (:mod:`bot.core.commands`). To add one (odt, say), write a function from a
:class:`Harvest` and the catalog to the document (text or bytes) and register it::

    register_format(ExportFormat("odt", to_odt, "odt", "application/vnd.oasis.opendocument.text"))
"""

from __future__ import annotations

import dataclasses
import html
import random
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.prompts import Catalog
from bot.core.registry import Registry, Unregistered
from bot.core.render import summary_markdown
from bot.core.summary import AnswerText, PhaseInfo, Summary, SynthesisRequest

_SHUFFLE = random.SystemRandom()


@dataclass(frozen=True)
class PhaseAnswers:
    phase: PhaseInfo
    respondents: int
    answers: tuple[AnswerText, ...] | None  # None: under the threshold, not shown


@dataclass(frozen=True, slots=True)
class AgreedAction:
    """An action agreed in the channel (bot/core/actions.py), every field already in words.
    Actions are not anonymous: the owner is named."""

    number: int
    text: str
    owner: str
    due: str
    status: str
    accepted: bool


# The ``phase`` of an action's row in the CSV; ``dialoogbot synthesize`` leaves such rows out.
ACTION_PHASE = "action"


@dataclass(frozen=True)
class Harvest:
    summary: Summary
    phases: tuple[PhaseAnswers, ...]
    min_respondents: int
    actions: tuple[AgreedAction, ...] = ()


def action_line(catalog: Catalog, lang: str, action: AgreedAction) -> str:
    """One action as a line: "1. Wat — Wie, uiterlijk wanneer (stand)"."""
    key = "action.line" if action.accepted else "action.line_unaccepted"
    return catalog.text(
        lang,
        key,
        number=action.number,
        text=action.text,
        owner=action.owner,
        due=action.due,
        status=action.status,
    )


def actions_markdown(h: Harvest, catalog: Catalog) -> list[str]:
    """The actions agreed as a Markdown section (none: nothing)."""
    if not h.actions:
        return []
    lang = h.summary.language
    lines = ["", f"## {catalog.text(lang, 'harvest.actions_heading')}", ""]
    return lines + [f"- {' '.join(action_line(catalog, lang, a).split())}" for a in h.actions]


def harvest(
    request: SynthesisRequest, summary: Summary, actions: tuple[AgreedAction, ...] = ()
) -> Harvest:
    """Group the request's answers per phase, shuffled; hide phases under the threshold.

    Each respondent gets a new number for this export alone, drawn at random: it tells which
    answers one person gave (so ``synthesize`` counts people, not rows) and nothing else —
    not a pseudonym, not the order of the request, not the number of another export.
    """
    everyone = sorted({a.respondent for a in request.answers})
    numbers = list(range(1, len(everyone) + 1))
    _SHUFFLE.shuffle(numbers)
    renumber = dict(zip(everyone, numbers, strict=True))
    phases = []
    for phase in request.phases:
        answers = [
            dataclasses.replace(a, respondent=renumber[a.respondent])
            for a in request.answers
            if a.phase == phase.key
        ]
        respondents = len({a.respondent for a in answers})
        shown: tuple[AnswerText, ...] | None = None
        if respondents >= request.min_respondents:
            _SHUFFLE.shuffle(answers)
            shown = tuple(answers)
        phases.append(PhaseAnswers(phase, respondents, shown))
    return Harvest(summary, tuple(phases), request.min_respondents, actions)


def _choice(phase: PhaseInfo, value: str | None) -> str:
    if value is None:
        return ""
    return dict(phase.choice_labels).get(value, value)


def to_markdown(h: Harvest, catalog: Catalog) -> str:
    lang = h.summary.language
    out = [summary_markdown(h.summary, catalog).rstrip(), *actions_markdown(h, catalog)]
    out += ["", f"## {_t(catalog, lang, 'answers')}"]
    for p in h.phases:
        out += ["", f"### {_phase_heading(catalog, lang, p)}"]
        if p.answers is None:
            out += ["", _t(catalog, lang, "too_few", count=h.min_respondents)]
            continue
        out.append("")
        for a in p.answers:
            choice = _choice(p.phase, a.choice)
            text = " ".join(a.text.split())
            out.append(f"- {f'[{choice}] ' if choice else ''}{text}")
    return "\n".join(out) + "\n"


def to_html(h: Harvest, catalog: Catalog) -> str:
    """The Markdown export as a page. Every line is escaped: answers are text, never markup."""
    body: list[str] = []
    items: list[str] = []
    quotes: list[str] = []

    def flush() -> None:
        if items:
            body.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()
        if quotes:
            body.append("<blockquote>" + "<br>".join(quotes) + "</blockquote>")
            quotes.clear()

    title = ""
    for line in to_markdown(h, catalog).splitlines():
        heading = len(line) - len(line.lstrip("#"))
        if 1 <= heading <= 3 and line[heading : heading + 1] == " ":
            flush()
            text = html.escape(line[heading + 1 :])
            title = title or text
            body.append(f"<h{heading}>{text}</h{heading}>")
        elif line.startswith("- "):
            items.append(html.escape(line[2:]))
        elif line.startswith("> "):
            quotes.append(html.escape(line[2:]))
        elif line.strip():
            flush()
            body.append(f"<p>{html.escape(line)}</p>")
        else:
            flush()
    flush()
    lang = html.escape(h.summary.language)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


@dataclass(frozen=True)
class ExportFormat:
    """A document the host can ask for with ``export <name>``: it reaches them as a file
    ``<name>.<extension>`` of type ``mime`` (text is sent as UTF-8)."""

    name: str
    render: Callable[[Harvest, Catalog], str | bytes]
    extension: str = "txt"
    mime: str = "text/plain; charset=utf-8"

    def data(self, h: Harvest, catalog: Catalog) -> bytes:
        document = self.render(h, catalog)
        return document.encode("utf-8") if isinstance(document, str) else document


DEFAULT_FORMAT = "docx"


class UnknownFormat(Unregistered):
    """An export format nobody registered; the message lists the ones that are."""

    what = "export format"


EXPORT_FORMATS: Registry[ExportFormat] = Registry(UnknownFormat)


def register_format(format_: ExportFormat) -> ExportFormat:
    """Make ``export <name>`` produce this format; a name is registered once."""
    return EXPORT_FORMATS.add(format_.name, format_)


def export_format(name: str) -> ExportFormat:
    """The registered format called ``name``."""
    return EXPORT_FORMATS.named(name)


def draw_file(
    name: str,
    request: SynthesisRequest,
    summary: Summary,
    catalog: Catalog,
    actions: tuple[AgreedAction, ...] = (),
) -> bytes:
    """The export file of ``request`` in format ``name``, with the channel's ``actions``:
    charts and office files take a moment, so this runs before the write transaction
    (bot/core/prepared.py), in a thread."""
    return export_format(name).data(harvest(request, summary, actions), catalog)


def render_export(h: Harvest, catalog: Catalog, format_: str) -> bytes:
    """The harvest as the file of the registered format ``format_``."""
    return export_format(format_).data(h, catalog)


def _t(catalog: Catalog, lang: str, key: str, **values: object) -> str:
    return catalog.text(lang, f"harvest.export_{key}", **values)


def _phase_heading(catalog: Catalog, lang: str, p: PhaseAnswers) -> str:
    """A phase's title and how many answered it: "Droom (1 deelnemer)"."""
    people = catalog.count(lang, "respondents", p.respondents)
    return _t(catalog, lang, "phase", title=p.phase.title, respondents=people)


# The file formats (docx, xlsx, csv, html) register themselves first (the order ``help`` and
# the usage list them in); imported last, as they build on the harvest above.
import bot.core.documents  # noqa: E402, F401

register_format(ExportFormat("md", to_markdown, "md", "text/markdown; charset=utf-8"))
