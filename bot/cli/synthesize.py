"""``dialoogbot synthesize ANSWERS.csv``: summarise answers collected elsewhere.

A workshop's sticky notes, a form export or the bot's own ``export csv``: a ``text`` column
and optionally ``prompt`` (one phase per prompt, in order of first appearance), ``phase``,
``choice`` and ``respondent``. A prompt that names a phase of a template (its title in either
language, or its key) gets that phase's kind, so knel and kiem, headlines, pictures, dreams and
ideas come out in the method's own shape, as in a round; any other prompt is free text. With a
``respondent`` column the answers of one respondent count as one person; without it each row
is its own respondent and the counts say "answers", not "people". Comma, semicolon (Dutch
spreadsheet exports) and tab are recognised. Output is Markdown, or JSON listing each theme
with its label, quotes and the spreadsheet row numbers of its answers (the header is row 1).
A bad file gets one clear line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.cells import unguarded
from bot.core.export import ACTION_PHASE
from bot.core.phases import DEFAULT_KIND
from bot.core.prompts import Catalog
from bot.core.render import summary_markdown
from bot.core.summary import AnswerText, Guarded, PhaseInfo, Summary, SynthesisRequest
from bot.core.templates import ChoiceSpec, Phase, Templates
from bot.synthesis.offline import OfflineSynthesizer


class AnswersFileError(Exception):
    """The answers file cannot be used; the message is one line for the person running it."""


@dataclass(frozen=True)
class AnswersFile:
    request: SynthesisRequest
    rows: tuple[int, ...]  # spreadsheet row number of each answer in the request


def read_answers(path: Path, language: str, minimum: int, catalog: Catalog) -> AnswersFile:
    """Read the CSV into a request; raises :class:`AnswersFileError` for a bad file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AnswersFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AnswersFileError(f"{path}: not UTF-8 text; save it as 'CSV UTF-8'") from None
    if not content.strip():
        raise AnswersFileError(f"{path}: the file is empty")
    first = content.splitlines()[0]
    delimiter = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","
    reader = csv.DictReader(io.StringIO(content, newline=""), delimiter=delimiter)
    columns = {name.strip().casefold(): name for name in reader.fieldnames or [] if name}
    if "text" not in columns:
        found = ", ".join(sorted(columns)) or "none"
        raise AnswersFileError(f"{path}: no 'text' column (columns found: {found})")
    known = _known_phases()
    phases: dict[str, PhaseInfo] = {}
    specs: dict[str, ChoiceSpec | None] = {}
    answers: list[AnswerText] = []
    rows: list[int] = []
    people: dict[str, int] = {}
    by_person = "respondent" in columns
    default_title = catalog.text(language, "summary.title.answers")

    def cell(record: dict[str, str | None], name: str) -> str:
        column = columns.get(name)
        # The bot's own export marks formula-like cells as text (bot/core/cells.py).
        return unguarded(((record.get(column) or "") if column else "").strip())

    try:
        for number, record in enumerate(reader, start=2):
            text, choice = cell(record, "text"), cell(record, "choice")
            if not (text or choice):
                continue
            prompt, key = cell(record, "prompt"), cell(record, "phase")
            if key == ACTION_PHASE:
                continue  # an action agreed, as the bot's own export lists them: no answer
            match = known.get(prompt.casefold()) or known.get(key.casefold())
            if match and (
                not prompt or (prompt == match.key and prompt not in match.titles.values())
            ):
                prompt = match.title(language)  # a key names its phase by the template's title
            title = prompt or key or default_title
            name = match.key if match else title
            if name not in phases:
                phases[name] = _phase_info(match, title, language, len(phases) + 1)
                specs[name] = match.choice if match else None
            spec = specs[name]
            option = spec.find(choice) if spec and choice else None
            who = cell(record, "respondent") if by_person else ""
            respondent = people.setdefault(who, len(people)) if who else len(answers) + 10**9
            answers.append(
                AnswerText(
                    respondent, phases[name].key, text, (option.value if option else choice) or None
                )
            )
            rows.append(number)
    except csv.Error as exc:
        raise AnswersFileError(f"{path}: not a readable CSV file ({exc})") from None
    if not answers:
        raise AnswersFileError(f"{path}: no answers in the 'text' column")
    request = SynthesisRequest(
        language, tuple(phases.values()), tuple(answers), minimum, people=by_person
    )
    return AnswersFile(request, tuple(rows))


def _known_phases() -> dict[str, Phase]:
    """Every template's phases by key and by title in each language; the default
    template's first when two templates share a title."""
    known: dict[str, Phase] = {}
    for template in Templates.load().all():
        for phase in template.phases:
            for name in (phase.key, *phase.titles.values()):
                known.setdefault(name.casefold(), phase)
    return known


def _phase_info(found: Phase | None, title: str, language: str, number: int) -> PhaseInfo:
    if found is None:
        return PhaseInfo(f"p{number}", title, DEFAULT_KIND)
    labels = (
        tuple((o.value, o.labels[language]) for o in found.choice.options) if found.choice else ()
    )
    return PhaseInfo(found.key, title, found.role, labels)


def summary_json(summary: Summary, rows: tuple[int, ...]) -> dict[str, Any]:
    """The summary as plain data, with spreadsheet row numbers instead of answer positions."""
    return {
        "language": summary.language,
        "respondents": summary.respondents,
        "answers": summary.answers,
        "people": summary.people,
        "min_respondents": summary.min_respondents,
        "published": summary.published,
        "shared": list(summary.shared),
        "prompts": [
            {
                "prompt": phase.title,
                "kind": phase.role,
                "respondents": phase.respondents,
                "answers": phase.answers,
                "choices": dict(phase.choices),
                "published": phase.published,
                "shared": list(phase.shared),
                "themes": [
                    {
                        "label": theme.label,
                        "respondents": theme.respondents,
                        "distinct": theme.distinct,
                        "quotes": list(theme.quotes),
                        "rows": sorted(rows[i] for i in theme.answers),
                        "side": theme.side,
                    }
                    for theme in phase.themes
                ],
                "other": [
                    {"side": rest.side, "answers": rest.other, "respondents": rest.respondents}
                    for rest in phase.rest
                ],
                "items": [{"text": item.text, "count": item.count} for item in phase.items],
            }
            for phase in summary.phases
        ],
    }


def _minimum() -> int:
    value = os.environ.get("DIALOOG_MIN_RESPONDENTS", "3")
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise AnswersFileError(f"DIALOOG_MIN_RESPONDENTS must be a whole number >= 1: {value!r}")
    return number


def _default_language() -> str:
    language = os.environ.get("DIALOOG_LANGUAGE", "nl")
    return language if language in ("nl", "en") else "nl"


def run(args: argparse.Namespace) -> int:
    catalog = Catalog.load()
    try:
        answers = read_answers(Path(args.answers), args.lang, _minimum(), catalog)
    except AnswersFileError as exc:
        print(f"dialoogbot synthesize: {exc}", file=sys.stderr)
        return 2
    summary = asyncio.run(Guarded(OfflineSynthesizer()).synthesize(answers.request))
    if args.format == "json":
        text = json.dumps(summary_json(summary, answers.rows), ensure_ascii=False, indent=2) + "\n"
    else:
        text = summary_markdown(summary, catalog)
    sys.stdout.write(text)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "synthesize",
        help="summarise answers from a CSV file (a 'text' column, optionally 'prompt')",
    )
    parser.add_argument("answers", metavar="ANSWERS.csv", help="CSV with a 'text' column")
    parser.add_argument(
        "--lang",
        choices=("nl", "en"),
        default=_default_language(),
        help="language of the answers and the summary (default nl)",
    )
    parser.add_argument("--format", choices=("md", "json"), default="md", help="output format")
    parser.set_defaults(func=run)
