"""``dialoogbot synthesize ANSWERS.csv``: summarise answers collected elsewhere.

A workshop's sticky notes or a form export, as CSV with a ``text`` column and optionally a
``prompt`` column (one phase per prompt, in order of first appearance). Comma, semicolon
(Dutch spreadsheet exports) and tab are recognised. Each row counts as one respondent. Output
is Markdown, or JSON listing each theme with its label, quotes and the spreadsheet row numbers
of its answers (the header is row 1). A bad file gets one clear line on stderr and exit code 2.
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

from bot.core.prompts import Catalog
from bot.core.render import summary_markdown
from bot.core.summary import AnswerText, Guarded, PhaseInfo, Summary, SynthesisRequest
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
    text_column, prompt_column = columns["text"], columns.get("prompt")
    default_title = catalog.text(language, "summary.title.answers")
    phases: dict[str, PhaseInfo] = {}
    answers: list[AnswerText] = []
    rows: list[int] = []
    try:
        for number, record in enumerate(reader, start=2):
            text = (record.get(text_column) or "").strip()
            if not text:
                continue
            prompt = ((record.get(prompt_column) or "") if prompt_column else "").strip()
            title = prompt or default_title
            if title not in phases:
                phases[title] = PhaseInfo(f"p{len(phases) + 1}", title, "text")
            answers.append(AnswerText(len(answers), phases[title].key, text))
            rows.append(number)
    except csv.Error as exc:
        raise AnswersFileError(f"{path}: not a readable CSV file ({exc})") from None
    if not answers:
        raise AnswersFileError(f"{path}: no answers in the 'text' column")
    request = SynthesisRequest(language, tuple(phases.values()), tuple(answers), minimum)
    return AnswersFile(request, tuple(rows))


def summary_json(summary: Summary, rows: tuple[int, ...]) -> dict[str, Any]:
    """The summary as plain data, with spreadsheet row numbers instead of answer positions."""
    return {
        "language": summary.language,
        "respondents": summary.respondents,
        "min_respondents": summary.min_respondents,
        "published": summary.published,
        "shared": list(summary.shared),
        "prompts": [
            {
                "prompt": phase.title,
                "respondents": phase.respondents,
                "published": phase.published,
                "shared": list(phase.shared),
                "themes": [
                    {
                        "label": theme.label,
                        "respondents": theme.respondents,
                        "distinct": theme.distinct,
                        "quotes": list(theme.quotes),
                        "rows": sorted(rows[i] for i in theme.answers),
                    }
                    for theme in phase.themes
                ],
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
