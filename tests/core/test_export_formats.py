"""Export formats are registered, not branched on: the ``export`` command takes exactly the
registered names, and a format registered in a test reaches the host like the built-in ones."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from bot.core.commands import CommandError, parse
from bot.core.documents import to_docx, to_report_html
from bot.core.export import (
    EXPORT_FORMATS,
    ExportFormat,
    Harvest,
    UnknownFormat,
    export_format,
    register_format,
    to_markdown,
)
from bot.core.prompts import Catalog
from bot.testing import LocalDriver
from tests.core.conversation import CHANNEL, HOST, answer_all, setup_channel
from tests.core.test_export import closed_round, exported


def plain_text(h: Harvest, catalog: Catalog) -> str:
    return "\n".join(line.lstrip("#> -") for line in to_markdown(h, catalog).splitlines())


@pytest.fixture
def txt() -> Iterator[ExportFormat]:
    format_ = register_format(ExportFormat("txt", plain_text))
    yield format_
    del EXPORT_FORMATS["txt"]


def test_the_built_in_formats_are_registered_with_their_renderers() -> None:
    assert list(EXPORT_FORMATS) == ["docx", "xlsx", "csv", "html", "md"]
    assert export_format("md").render is to_markdown
    assert export_format("html").render is to_report_html
    assert export_format("docx").render is to_docx
    assert export_format("xlsx").extension == "xlsx"
    assert parse("export").args == ("docx",)
    assert parse("export CSV").args == ("csv",)
    with pytest.raises(UnknownFormat, match="registered: docx, xlsx, csv, html, md"):
        export_format("pdf")
    with pytest.raises(ValueError, match="already registered"):
        register_format(ExportFormat("csv", to_markdown))


def test_the_command_takes_exactly_the_registered_formats(txt: ExportFormat) -> None:
    assert parse("export txt").args == ("txt",)
    with pytest.raises(CommandError) as refused:
        parse("export pdf")
    assert refused.value.key == "error.export_usage"
    assert refused.value.values == {"formats": "`docx`, `xlsx`, `csv`, `html`, `md`, `txt`"}


async def test_a_registered_format_reaches_the_host(local: LocalDriver, txt: ExportFormat) -> None:
    await closed_round(local)
    reply = await local.command(HOST, CHANNEL, "export txt")
    assert "privégesprek" in reply.fallback
    found = exported(local, HOST)
    assert found is not None
    heading, document = found
    assert "(txt)" in heading
    assert "## " not in document and "Alle antwoorden" in document
    usage = await local.command(HOST, CHANNEL, "export pdf")
    assert "`exporteer` met een van deze formaten" in usage.fallback and "`txt`" in usage.fallback


async def test_the_channel_help_lists_the_registered_formats(
    local: LocalDriver, txt: ExportFormat
) -> None:
    help_text = (await local.command(HOST, CHANNEL, "help")).fallback
    assert "`exporteer [docx|xlsx|csv|html|md|txt]`" in help_text


async def test_a_slow_file_is_drawn_before_the_write_and_holds_no_writer(
    local: LocalDriver,
) -> None:
    """Issue 16, item 4: a file is drawn before the turn's transaction. While a slow format is
    still drawing, a participant's answer (which needs the database writer) goes through."""
    setup_channel(local)
    await local.command(HOST, CHANNEL, 'start --theme "Samen in de wijk"')
    for n, user in enumerate(("U02BRAM", "U03CHLOE", "U04DAAN"), start=1):
        await answer_all(local, user, n)
    drawing, release = threading.Event(), threading.Event()
    threads: list[str] = []

    def slow(h: Harvest, catalog: Catalog) -> str:
        threads.append(threading.current_thread().name)
        drawing.set()
        assert release.wait(timeout=30), "never released"
        return plain_text(h, catalog)

    register_format(ExportFormat("traag", slow))
    try:
        export = asyncio.create_task(local.command(HOST, CHANNEL, "export traag"))
        for _ in range(500):
            if drawing.is_set():
                break
            await asyncio.sleep(0.01)
        assert drawing.is_set()
        # The file is still being drawn; an answer is stored meanwhile, not after it.
        reply = await asyncio.wait_for(local.say(HOST, "knel"), timeout=10)
        assert "Vertel nu je antwoord" in reply.fallback
        assert not export.done()
        release.set()
        answered = await asyncio.wait_for(export, timeout=30)
    finally:
        release.set()
        del EXPORT_FORMATS["traag"]
    assert "privégesprek" in answered.fallback
    found = exported(local, HOST)
    assert found is not None and "(traag)" in found[0]
    # Drawn once, off the event loop, and the answer given meanwhile does not change the file
    # that was drawn for the harvest as it was (the turn checks the request is the same).
    assert len(threads) >= 1 and "MainThread" not in threads
    assert "Alle antwoorden" in found[1]
