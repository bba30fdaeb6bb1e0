"""The harvest as real files: the Word report and the Excel workbook open with python-docx and
openpyxl and hold what the summary holds (themes, quotes, headlines, counts) and nothing
PRODUCT.md §4 forbids (names, user ids, pseudonyms, days, a phase under the threshold)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import docx
import openpyxl
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.core.cells import FORMULA_START, spreadsheet_safe, unguarded
from bot.testing import LocalDriver
from storage.models import AnswerRow, RoundRow
from tests.core.conversation import CHANNEL, HEADLINES, HOST, PEOPLE, answer_all, setup_channel
from tests.core.test_export import exported, exported_file

FORMULA = "=SOM(A1:A9)*2 en dan de buurt erbij"


async def harvested(local: LocalDriver) -> None:
    """A closed round of four, one idea written like a spreadsheet formula."""
    setup_channel(local)
    await local.command(HOST, CHANNEL, 'start --theme "Samen in de wijk"')
    for n, user in enumerate(PEOPLE, start=1):
        await answer_all(local, user, n)
    await local.say("U04DAAN", "wijzig")
    await local.say("U04DAAN", FORMULA)
    await local.command(HOST, CHANNEL, "close")


def summary_parts(markdown: str) -> tuple[list[str], list[str]]:
    """(theme headings, quotes) of the summary part of the Markdown export."""
    summary = markdown.split("## Alle antwoorden")[0]
    headings = re.findall(r"^#{3,4} (.+)$", summary, re.MULTILINE)
    quotes = re.findall(r"^> (.+)$", summary, re.MULTILINE)
    return headings, quotes


async def forbidden(local: LocalDriver) -> list[str]:
    """What no file may hold: user ids, names, pseudonyms (and their start), the days."""
    async with local.app.db.sessions() as session:
        pseudonyms = set((await session.scalars(select(AnswerRow.pseudonym))).all())
        days = set((await session.scalars(select(AnswerRow.day))).all())
        rounds = (await session.scalars(select(RoundRow))).all()
    days |= {r.opened_day for r in rounds} | {r.closed_day for r in rounds if r.closed_day}
    out = list(PEOPLE) + [p for name in PEOPLE.values() for p in name.split() if len(p) > 3]
    out += [p[:10] for p in pseudonyms]
    out += [str(day) for day in days] + [day.strftime("%d-%m-%Y") for day in days]
    return out


async def test_the_word_report_holds_the_summary_counts_and_charts(local: LocalDriver) -> None:
    await harvested(local)
    await local.command(HOST, CHANNEL, "export md")
    found = exported(local, HOST)
    assert found is not None
    headings, quotes = summary_parts(found[1])
    assert headings and quotes

    reply = await local.command(HOST, CHANNEL, "export")  # the default: the Word report
    assert "(docx)" in reply.fallback
    _heading, attachment = exported_file(local, HOST)  # type: ignore[misc]
    assert attachment.filename.endswith(".docx") and "wordprocessingml" in attachment.mime
    report = docx.Document(io.BytesIO(attachment.data))
    paragraphs = [p.text for p in report.paragraphs]
    text = "\n".join(paragraphs)
    assert paragraphs[0] == "Samenvatting: Samen in de wijk"
    for theme in headings:
        assert theme in paragraphs
    for quote in quotes:
        assert quote in text
    for headline in HEADLINES[:3]:
        assert headline in paragraphs  # the headlines, listed
    assert "Cijfers en grafieken" in paragraphs and "Alle antwoorden" in paragraphs
    # Counts per phase in a table: every phase had 4 respondents and 4 answers.
    (table,) = report.tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["Fase", "Deelnemers", "Antwoorden"]
    assert [r[0] for r in rows[1:]] == ["Knel of kiem", "Krantenkop", "Droom",
                                        "Ideeën en eerste stappen"]  # fmt: skip
    assert all(r[1:] == ["4", "4"] for r in rows[1:])
    # Charts: answers per phase, knel/kiem, the pictures chosen, themes by size.
    assert len(report.inline_shapes) == 4
    captions = [p.text for p in report.paragraphs if p.style.name == "Caption"]
    assert captions[1] == "Knel: 4"
    assert captions[2] == "Zonnepanelen op elk dak: 4"
    # Nothing that points at a person or a day, not even in the file's properties.
    assert report.core_properties.author == "dialoogbot"
    for word in await forbidden(local):
        assert word not in text, word
    assert FORMULA in text  # in Word it is only text


async def test_the_workbook_has_a_sheet_per_phase_and_neutral_cells(local: LocalDriver) -> None:
    await harvested(local)
    await local.command(HOST, CHANNEL, "export xlsx")
    _heading, attachment = exported_file(local, HOST)  # type: ignore[misc]
    assert attachment.filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(attachment.data))
    assert book.sheetnames == ["Overzicht", "Knel of kiem", "Krantenkop", "Droom",
                               "Ideeën en eerste stappen"]  # fmt: skip
    counts = {row[0]: row[1:] for row in book["Overzicht"].iter_rows(min_row=5, values_only=True)}
    assert counts["Krantenkop"] == (4, 4)
    headlines = book["Krantenkop"]
    rows = list(headlines.iter_rows(min_row=3, values_only=True))
    assert sorted(r[0] for r in rows) == [1, 2, 3, 4]  # numbers drawn for this export
    assert {r[2] for r in rows} == set(HEADLINES)
    ideas = [c for c in book["Ideeën en eerste stappen"]["C"][2:]]
    formula = [c for c in ideas if "SOM(" in str(c.value)]
    assert len(formula) == 1
    assert formula[0].value == "'" + FORMULA and formula[0].data_type == "s"
    everything = "\n".join(
        str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row
    )
    for word in await forbidden(local):
        assert word not in everything, word
    assert book.properties.creator == "dialoogbot"


async def test_the_csv_opens_in_dutch_excel_and_reads_back(local: LocalDriver) -> None:
    await harvested(local)
    await local.command(HOST, CHANNEL, "export csv")
    _heading, attachment = exported_file(local, HOST)  # type: ignore[misc]
    data = attachment.data
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "phase;prompt;respondent;choice;text"
    assert "Ideeën" in text  # not garbled
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert len(rows) == 16
    (cell,) = [r["text"] for r in rows if "SOM(" in r["text"]]
    assert cell == "'" + FORMULA


async def test_a_phase_under_the_threshold_is_in_no_file(local: LocalDriver) -> None:
    """Three people answer the story; only one gives a headline: that headline and that
    count are in none of the files."""
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    for n, user in enumerate(list(PEOPLE)[:3], start=1):
        await local.say(user, "kiem")
        await local.say(user, f"Het buurthuis bleef open dankzij vrijwilligers, verhaal {n}.")
    await local.say("U01ANNA", "Bibliotheek blijft")
    for format_ in ("docx", "xlsx", "csv", "html", "md"):
        await local.command(HOST, CHANNEL, f"export {format_}")
        _heading, attachment = exported_file(local, HOST)  # type: ignore[misc]
        data = attachment.data
        if format_ == "docx":
            report = docx.Document(io.BytesIO(data))
            text = "\n".join(p.text for p in report.paragraphs)
            text += "\n".join(c.text for t in report.tables for r in t.rows for c in r.cells)
            assert len(report.inline_shapes) == 3  # per phase and kiem (one phase), its theme
        elif format_ == "xlsx":
            book = openpyxl.load_workbook(io.BytesIO(data))
            text = "\n".join(
                str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
            )
            overview = {
                r[0]: r[1:] for r in book["Overzicht"].iter_rows(min_row=5, values_only=True)
            }
            assert overview["Krantenkop"] == ("minder dan 3", "minder dan 3")
            assert overview["Knel of kiem"] == (3, 3)
        else:
            text = data.decode("utf-8-sig")
        assert "Bibliotheek" not in text, format_
        assert "verhaal 1" in text, format_


async def test_the_html_report_is_rendered_with_its_charts_inline(local: LocalDriver) -> None:
    await harvested(local)
    await local.command(HOST, CHANNEL, "export html")
    _heading, attachment = exported_file(local, HOST)  # type: ignore[misc]
    page = attachment.data.decode("utf-8")
    assert attachment.mime.startswith("text/html")
    assert page.count('<img src="data:image/png;base64,') == 4
    assert "<h1>Samenvatting: Samen in de wijk</h1>" in page
    assert "<strong>Krantenkoppen</strong>" in page and "**" not in page
    assert "<blockquote>" in page and "\n> " not in page
    assert 'href="http://evil' not in page and "<a " not in page
    for word in await forbidden(local):
        assert word not in page, word


async def test_the_local_adapter_writes_the_file_and_says_where(
    local: LocalDriver, tmp_path: Path
) -> None:
    await harvested(local)
    await local.command(HOST, CHANNEL, "export xlsx")
    message = [m for m in local.inbox(HOST) if m.attachments][-1]
    (where,) = [line for line in message.fallback.splitlines() if "Het bestand staat in" in line]
    path = Path(where.split("Het bestand staat in ", 1)[1])
    assert path.read_bytes() == message.attachments[0].data
    assert path.suffix == ".xlsx" and path.parent == tmp_path / "files"


@given(st.text())
def test_a_spreadsheet_cell_never_starts_a_formula_and_reads_back(value: str) -> None:
    safe = spreadsheet_safe(value)
    assert not safe.startswith(FORMULA_START)
    assert unguarded(safe) == value
