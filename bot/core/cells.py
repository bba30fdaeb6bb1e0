"""Spreadsheet cells that stay text: an answer that starts like a formula (``=``, ``+``, ``-``,
``@``, a tab or a carriage return) would run as one when the CSV or workbook is opened in
Excel or LibreOffice (CSV injection). Such a cell gets a leading apostrophe, the marker the
spreadsheets themselves use for "this is text"; :func:`unguarded` takes it off again when the
bot reads its own export back (``dialoogbot synthesize``)."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """``value`` as a cell that no spreadsheet evaluates."""
    return "'" + value if value.startswith(FORMULA_START) else value


def unguarded(value: str) -> str:
    """The text :func:`spreadsheet_safe` was given."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value
