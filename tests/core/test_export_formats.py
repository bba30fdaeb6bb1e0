"""Export formats are registered, not branched on: the ``export`` command takes exactly the
registered names, and a format registered in a test reaches the host like the built-in ones."""

from __future__ import annotations

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
from tests.core.conversation import CHANNEL, HOST
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
    assert refused.value.values == {
        "formats": "`export docx`, `export xlsx`, `export csv`, `export html`, `export md`, "
        "`export txt`"
    }


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
    assert "`export txt`" in usage.fallback


async def test_the_channel_help_lists_the_registered_formats(
    local: LocalDriver, txt: ExportFormat
) -> None:
    help_text = (await local.command(HOST, CHANNEL, "help")).fallback
    assert "`exporteer [docx|xlsx|csv|html|md|txt]`" in help_text
