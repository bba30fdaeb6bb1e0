"""The harvest as files a municipality opens in its own tools: a Word report (``docx``), an
Excel workbook (``xlsx``), a CSV that Dutch Excel reads (``;``, UTF-8 with a byte-order mark)
and an HTML report, the reports with the charts of :mod:`bot.core.charts`.

Every file holds what :mod:`bot.core.export`'s :class:`~bot.core.export.Harvest` holds and
nothing more (PRODUCT.md §4): the summary, and each phase's scrubbed answers in random order
under a number drawn for this export, without pseudonyms or days; of a phase under the
threshold neither its answers nor its count. Text from answers is never markup: escaped in
HTML, plain runs in Word, and a formula-like cell is made text (:mod:`bot.core.cells`).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re

from bot.core.cells import spreadsheet_safe
from bot.core.charts import Chart, charts
from bot.core.export import (
    ACTION_PHASE,
    ExportFormat,
    Harvest,
    PhaseAnswers,
    _choice,
    action_line,
    actions_markdown,
    register_format,
)
from bot.core.prompts import Catalog
from bot.core.render import summary_markdown

_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in Office XML


def _t(catalog: Catalog, h: Harvest, key: str, **values: object) -> str:
    return catalog.text(h.summary.language, f"harvest.{key}", **values)


def _xml_text(text: str) -> str:
    """``text`` without the control characters Word and Excel files cannot hold."""
    return _CONTROL.sub("", text)


def _counts(h: Harvest, catalog: Catalog) -> list[tuple[str, str, str]]:
    """(phase, respondents, answers) per phase; a phase under the threshold shows no count."""
    rows = []
    for p in h.phases:
        if p.answers is None:
            few = _t(catalog, h, "file_too_few", min=h.min_respondents)
            rows.append((p.phase.title, few, few))
        else:
            rows.append((p.phase.title, str(p.respondents), str(len(p.answers))))
    return rows


def _answer_rows(p: PhaseAnswers) -> list[tuple[int, str, str]]:
    return [(a.respondent, _choice(p.phase, a.choice), a.text.strip()) for a in p.answers or ()]


# -- CSV ----------------------------------------------------------------------------------


def to_excel_csv(h: Harvest) -> bytes:
    """The answers as a CSV Dutch Excel opens in columns: ``;``-separated, UTF-8 with a BOM,
    CRLF lines; the columns ``dialoogbot synthesize`` reads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["phase", "prompt", "respondent", "choice", "text"])
    for p in h.phases:
        for respondent, choice, text in _answer_rows(p):
            row = [p.phase.key, p.phase.title, str(respondent), choice, text]
            writer.writerow([spreadsheet_safe(cell) for cell in row])
    for a in h.actions:
        # wie and wanneer in ``prompt``, the status in ``choice``; synthesize skips these rows
        row = [ACTION_PHASE, f"{a.number}. {a.owner} — {a.due}", "", a.status, a.text]
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


# -- Excel --------------------------------------------------------------------------------


def _sheet_title(title: str, taken: set[str]) -> str:
    base = _SHEET_UNSAFE.sub(" ", title).strip("' ")[:28] or "Sheet"
    name, n = base, 2
    while name.casefold() in taken:
        name, n = f"{base[:26]} {n}", n + 1
    taken.add(name.casefold())
    return name


def to_xlsx(h: Harvest, catalog: Catalog) -> bytes:
    """One overview sheet with the counts, then one sheet per phase with its answers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.properties.creator = "dialoogbot"
    book.properties.title = _xml_text(_t(catalog, h, "file_title"))
    bold = Font(bold=True)

    def put(
        sheet: object, row: int, column: int, value: str | int, font: Font | None = None
    ) -> None:
        cell = sheet.cell(row=row, column=column)  # type: ignore[attr-defined]
        if isinstance(value, str):
            cell.value = spreadsheet_safe(_xml_text(value))
            cell.data_type = "s"  # a string, never a formula, whatever it starts with
        else:
            cell.value = value
        if font is not None:
            cell.font = font

    taken: set[str] = set()
    overview = book.active
    assert overview is not None
    overview.title = _sheet_title(_t(catalog, h, "file_overview"), taken)
    put(overview, 1, 1, _t(catalog, h, "file_title"), Font(bold=True, size=14))
    put(overview, 2, 1, _t(catalog, h, "file_note", count=h.min_respondents))
    headers = (_t(catalog, h, "file_phase"), _t(catalog, h, "chart_people"),
               _t(catalog, h, "chart_answers"))  # fmt: skip
    for column, header in enumerate(headers, start=1):
        put(overview, 4, column, header, bold)
    for row, counts in enumerate(_counts(h, catalog), start=5):
        for column, value in enumerate(counts, start=1):
            put(overview, row, column, int(value) if value.isdigit() else value)
    overview.column_dimensions["A"].width = 40
    overview.column_dimensions["B"].width = 16
    overview.column_dimensions["C"].width = 16

    wrap = Alignment(wrap_text=True, vertical="top")
    for stage in h.summary.stages:  # priorities and agreement (bot/core/stages.py)
        sheet = book.create_sheet(_sheet_title(stage.heading, taken))
        put(sheet, 1, 1, stage.heading, Font(bold=True, size=12))
        for row, line in enumerate(stage.lines, start=2):
            put(sheet, row, 1, line)
        sheet.column_dimensions["A"].width = 100
    if h.actions:
        sheet = book.create_sheet(_sheet_title(_t(catalog, h, "actions_heading"), taken))
        for column, key in enumerate(("number", "what", "who", "when", "status"), start=1):
            put(sheet, 1, column, _t(catalog, h, f"actions_column_{key}"), bold)
        for row, a in enumerate(h.actions, start=2):
            cells: tuple[str | int, ...] = (a.number, a.text, a.owner, a.due, a.status)
            for column, cell in enumerate(cells, start=1):
                put(sheet, row, column, cell)
        sheet.column_dimensions["B"].width = 60
        sheet.column_dimensions["C"].width = 24
        sheet.column_dimensions["D"].width = 30
    for p in h.phases:
        sheet = book.create_sheet(_sheet_title(p.phase.title, taken))
        put(sheet, 1, 1, p.phase.title, Font(bold=True, size=12))
        if p.answers is None:
            put(sheet, 2, 1, _t(catalog, h, "export_too_few", count=h.min_respondents))
            continue
        columns = (_t(catalog, h, "file_respondent"), _t(catalog, h, "file_choice"),
                   _t(catalog, h, "file_text"))  # fmt: skip
        for column, header in enumerate(columns, start=1):
            put(sheet, 2, column, header, bold)
        for row, (respondent, choice, text) in enumerate(_answer_rows(p), start=3):
            put(sheet, row, 1, respondent)
            put(sheet, row, 2, choice)
            put(sheet, row, 3, text)
            sheet.cell(row=row, column=3).alignment = wrap
        sheet.column_dimensions["A"].width = 12
        sheet.column_dimensions["B"].width = 24
        sheet.column_dimensions["C"].width = 90
        sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- Word ---------------------------------------------------------------------------------


def _markdown_lines(markdown: str) -> list[tuple[str, str]]:
    """The summary's Markdown as (kind, text): ``h1``..``h4``, ``quote``, ``item``,
    ``italic``, ``bold`` or ``text`` — the few shapes :func:`summary_markdown` writes."""
    out: list[tuple[str, str]] = []
    for line in markdown.splitlines():
        if not line.strip():
            continue
        level = len(line) - len(line.lstrip("#"))
        if 1 <= level <= 4 and line[level : level + 1] == " ":
            out.append((f"h{level}", line[level + 1 :]))
        elif line.startswith(">"):
            text = line[1:].removeprefix(" ")
            if out and out[-1][0] == "quote":
                out[-1] = ("quote", out[-1][1] + "\n" + text)
            else:
                out.append(("quote", text))
        elif line.startswith("- "):
            out.append(("item", line[2:]))
        elif len(line) > 2 and line.startswith("_") and line.endswith("_"):
            out.append(("italic", line[1:-1]))
        elif len(line) > 4 and line.startswith("**") and line.endswith("**"):
            out.append(("bold", line[2:-2]))
        else:
            out.append(("text", line))
    return out


def to_docx(h: Harvest, catalog: Catalog) -> bytes:
    """The report for the council: the summary (themes with quotes, headlines, dreams, ideas
    and who could do what), the counts per phase, the charts, then every answer."""
    from docx import Document
    from docx.shared import Cm, Pt

    document = Document()
    properties = document.core_properties
    properties.author = properties.last_modified_by = "dialoogbot"
    properties.title = _xml_text(_t(catalog, h, "file_title"))
    properties.comments = ""
    # Styles looked up once: by name, python-docx searches every style for each paragraph.
    quote_style, bullet = document.styles["Quote"], document.styles["List Bullet"]
    indent, hang = Cm(0.6), Pt(9)
    for kind, text in _markdown_lines(summary_markdown(h.summary, catalog)):
        text = _xml_text(text)
        if kind.startswith("h"):
            document.add_heading(text, level=int(kind[1]) - 1)
        elif kind == "quote":
            document.add_paragraph(text, style=quote_style)
        elif kind == "item":
            document.add_paragraph(text, style=bullet)
        elif kind in ("italic", "bold"):
            run = document.add_paragraph().add_run(text)
            run.italic, run.bold = kind == "italic", kind == "bold"
        else:
            document.add_paragraph(text)

    if h.actions:
        document.add_heading(_t(catalog, h, "actions_heading"), level=1)
        for a in h.actions:
            document.add_paragraph(_xml_text(action_line(catalog, h.summary.language, a)))
    document.add_heading(_t(catalog, h, "file_figures"), level=1)
    counts = _counts(h, catalog)
    table = document.add_table(rows=1 + len(counts), cols=3)
    table.style = "Light Grid Accent 1"
    headers = (_t(catalog, h, "file_phase"), _t(catalog, h, "chart_people"),
               _t(catalog, h, "chart_answers"))  # fmt: skip
    for column, header in enumerate(headers):
        table.cell(0, column).text = header
    for row, values in enumerate(counts, start=1):
        for column, value in enumerate(values):
            table.cell(row, column).text = _xml_text(value)
    for chart in charts(h.summary, catalog):
        document.add_picture(io.BytesIO(chart.png), width=Cm(16))
        document.add_paragraph(_xml_text(chart.description), style="Caption")

    document.add_page_break()
    document.add_heading(_t(catalog, h, "export_answers"), level=1)
    document.add_paragraph(_t(catalog, h, "file_note", count=h.min_respondents))
    for p in h.phases:
        document.add_heading(_xml_text(p.phase.title), level=2)
        if p.answers is None:
            document.add_paragraph(_t(catalog, h, "export_too_few", count=h.min_respondents))
            continue
        for _respondent, choice, text in _answer_rows(p):
            # Plain paragraphs with a bullet sign: a styled one costs python-docx a search
            # through all styles per paragraph, which made a long harvest slow to write.
            paragraph = document.add_paragraph("• ")
            paragraph.paragraph_format.left_indent = indent
            paragraph.paragraph_format.first_line_indent = -hang
            if choice:
                paragraph.add_run(_xml_text(f"[{choice}] ")).bold = True
            paragraph.add_run(_xml_text(text))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# -- HTML ---------------------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;max-width:52rem;
margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1d1d1d}
h1,h2,h3,h4{color:#2E7D5B;line-height:1.25}
blockquote{margin:.5rem 0 1rem;padding:.25rem 1rem;border-left:4px solid #2E7D5B;
background:#f3f7f5}
table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ccc;padding:.3rem .7rem;text-align:left}
figure{margin:1.5rem 0}figure img{max-width:100%}figcaption{font-size:.9rem;color:#555}
""".strip()


def _inert_markdown(markdown: str) -> str:
    """Markdown whose text cannot become markup: no raw HTML (``<``), no entities (``&``),
    no links or images (``[``) — quotes are what participants wrote."""
    return markdown.replace("&", "&amp;").replace("<", "&lt;").replace("[", "&#91;")


def _figures(h: Harvest, catalog: Catalog, found: list[Chart]) -> str:
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in values) + "</tr>"
        for values in _counts(h, catalog)
    )
    headers = (_t(catalog, h, "file_phase"), _t(catalog, h, "chart_people"),
               _t(catalog, h, "chart_answers"))  # fmt: skip
    head = "".join(f"<th>{html.escape(x)}</th>" for x in headers)
    parts = [f"<h2>{html.escape(_t(catalog, h, 'file_figures'))}</h2>",
             f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"]  # fmt: skip
    for chart in found:
        data = base64.b64encode(chart.png).decode("ascii")
        text = html.escape(chart.description)
        parts.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(chart.title)}: '
            f'{text}"><figcaption>{text}</figcaption></figure>'
        )
    return "\n".join(parts)


def _answers_html(h: Harvest, catalog: Catalog) -> str:
    note = _t(catalog, h, "file_note", count=h.min_respondents)
    parts = [
        f"<h2>{html.escape(_t(catalog, h, 'export_answers'))}</h2>",
        f"<p><em>{html.escape(note)}</em></p>",
    ]
    for p in h.phases:
        parts.append(f"<h3>{html.escape(p.phase.title)}</h3>")
        if p.answers is None:
            too_few = _t(catalog, h, "export_too_few", count=h.min_respondents)
            parts.append(f"<p>{html.escape(too_few)}</p>")
            continue
        items = "".join(
            f"<li>{f'<strong>[{html.escape(c)}]</strong> ' if c else ''}{html.escape(t)}</li>"
            for _r, c, t in _answer_rows(p)
        )
        parts.append(f"<ul>{items}</ul>")
    return "\n".join(parts)


def to_report_html(h: Harvest, catalog: Catalog) -> str:
    """The report as one self-contained page: the summary rendered from its Markdown (with
    the ``markdown`` library, answers' text made inert first), the counts, the charts as
    inline PNG images, and every answer."""
    import markdown as md

    summary = md.markdown(
        _inert_markdown(
            "\n".join([summary_markdown(h.summary, catalog), *actions_markdown(h, catalog)])
        )
    )
    title = html.escape(_t(catalog, h, "file_title"))
    lang = html.escape(h.summary.language)
    body = "\n".join(
        [summary, _figures(h, catalog, charts(h.summary, catalog)), _answers_html(h, catalog)]
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{_STYLE}</style></head>\n<body>\n{body}\n</body>\n</html>\n"
    )


register_format(
    ExportFormat(
        "docx",
        to_docx,
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
)
register_format(
    ExportFormat(
        "xlsx", to_xlsx, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
)
register_format(
    ExportFormat("csv", lambda h, _catalog: to_excel_csv(h), "csv", "text/csv; charset=utf-8")
)
register_format(ExportFormat("html", to_report_html, "html", "text/html; charset=utf-8"))
