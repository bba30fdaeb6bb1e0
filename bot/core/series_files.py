"""The series' harvest as a file (``export traject [md|docx]``, PRODUCT.md §2).

Formats are registered, not branched on, as the round's exports are
(:mod:`bot.core.export`): :data:`SERIES_FORMATS` maps each name to a :class:`SeriesFormat`,
and ``export traject`` accepts exactly the names registered. A format turns a
:class:`SeriesDocument` (what ``traject`` shows: every round in order with what its summary
published) into bytes. The texts come already worded in the series' language; a round's line
carries chat's ``*`` marks for bold.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.registry import Registry, Unregistered


@dataclass(frozen=True)
class SeriesDocument:
    title: str  # "Traject Samen in het dorp: de oogst"
    # ("text", the goal), then per round ("round", its line) and ("text", its themes)
    lines: tuple[tuple[str, str], ...]
    file_title: str  # the document's title property


@dataclass(frozen=True)
class SeriesFormat:
    name: str
    render: Callable[[SeriesDocument], bytes]
    extension: str
    mime: str


class UnknownSeriesFormat(Unregistered):
    what = "series export format"


SERIES_FORMATS: Registry[SeriesFormat] = Registry(UnknownSeriesFormat)
# `export traject` without a format: Markdown, the smallest file and readable anywhere.
DEFAULT_SERIES_FORMAT = "md"


def register_series_format(format_: SeriesFormat) -> SeriesFormat:
    return SERIES_FORMATS.add(format_.name, format_)


def series_format(name: str) -> SeriesFormat:
    return SERIES_FORMATS.named(name)


def to_markdown(doc: SeriesDocument) -> bytes:
    lines = [f"# {doc.title}", ""]
    for kind, line in doc.lines:
        if kind == "round":
            lines.append(line.replace("*", "**"))
        else:
            lines += [line, ""]
    return "\n".join(lines).encode("utf-8")


def _xml_text(text: str) -> str:
    """What a Word document can hold: no control characters but tab and newline."""
    return "".join(c for c in text if c in "\t\n" or ord(c) >= 32)


def to_docx(doc: SeriesDocument) -> bytes:
    """A Word document: the title, then a heading per round (``*1. Verkenning* (gesloten)``
    without the marks) and a paragraph per other line."""
    from docx import Document

    document = Document()
    properties = document.core_properties
    properties.author = properties.last_modified_by = "dialoogbot"
    properties.title = _xml_text(doc.file_title)
    properties.comments = ""
    document.add_heading(_xml_text(doc.title), level=0)
    for kind, line in doc.lines:
        if kind == "round":
            document.add_heading(_xml_text(line.replace("*", "")), level=1)
        else:
            document.add_paragraph(_xml_text(line))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


register_series_format(SeriesFormat("md", to_markdown, "md", "text/markdown; charset=utf-8"))
register_series_format(
    SeriesFormat(
        "docx",
        to_docx,
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
)
