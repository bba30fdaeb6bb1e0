"""The series' harvest files (bot/core/series_files.py): any words a series or a theme can
hold make a file that opens, with the rounds' lines as headings in order."""

from __future__ import annotations

import io

import docx
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.series_files import SERIES_FORMATS, SeriesDocument, series_format

words = st.text(max_size=80)


@settings(max_examples=40, deadline=None)
@given(title=words, themes=st.lists(words, max_size=4))
def test_any_words_make_a_word_file_that_opens(title: str, themes: list[str]) -> None:
    lines = tuple(
        line
        for n, theme in enumerate(themes, start=1)
        for line in (("round", f"*{n}. Ronde {n}* (gesloten)"), ("text", f"Thema's: {theme}"))
    )
    doc = SeriesDocument(title, lines, "Oogst van het traject")
    word = docx.Document(io.BytesIO(series_format("docx").render(doc)))
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings == [f"{n}. Ronde {n} (gesloten)" for n in range(1, len(themes) + 1)]
    markdown = series_format("md").render(doc).decode("utf-8")
    assert markdown.startswith("# ") and markdown.count("**") >= 2 * len(themes)


def test_the_registered_series_formats() -> None:
    assert list(SERIES_FORMATS) == ["md", "docx"]
