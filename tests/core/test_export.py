"""``export [docx|xlsx|csv|html|md]``: the anonymised harvest as a file, privately to the
host alone."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import select

from bot.cli.synthesize import read_answers
from bot.core.messages import Attachment, Heading
from bot.core.prompts import Catalog
from bot.core.render import summary_markdown
from bot.synthesis import OfflineSynthesizer
from bot.testing import LocalDriver
from storage.models import AnswerRow
from tests.core.conversation import (
    CHANNEL,
    HEADLINES,
    HOST,
    PEOPLE,
    answer_all,
    setup_channel,
    story,
)


def exported_file(local: LocalDriver, user: str) -> tuple[str, Attachment] | None:
    """(heading, file) of the last export in ``user``'s private chat."""
    for message in reversed(local.inbox(user)):
        heading = next((b.text for b in message.blocks if isinstance(b, Heading)), "")
        if "Export" in heading:
            (attachment,) = message.attachments
            return heading, attachment
    return None


def exported(local: LocalDriver, user: str) -> tuple[str, str] | None:
    """(heading, document as text) of the last export in ``user``'s private chat."""
    found = exported_file(local, user)
    if found is None:
        return None
    return found[0], found[1].data.decode("utf-8-sig")


def csv_rows(document: str) -> list[dict[str, str]]:
    """The export's CSV as Dutch Excel reads it: ``;``-separated."""
    return list(csv.DictReader(io.StringIO(document, newline=""), delimiter=";"))


async def closed_round(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, 'start --theme "Samen in de wijk"')
    for n, user in enumerate(PEOPLE, start=1):
        await answer_all(local, user, n)
    # A story that names a member and carries markup: both must come out inert.
    await local.say("U02BRAM", "wijzig")
    await local.say("U02BRAM", "Ondernemers in de kou <script>alert(1)</script>, zei Chloé Bakker")
    await local.command(HOST, CHANNEL, "close")


async def test_the_host_gets_the_harvest_privately_without_names(local: LocalDriver) -> None:
    await closed_round(local)
    before = {user: len(local.inbox(user)) for user in PEOPLE if user != HOST}
    channel_before = len(local.channel(CHANNEL))
    reply = await local.command(HOST, CHANNEL, "export md")
    assert "privégesprek" in reply.fallback
    found = exported(local, HOST)
    assert found is not None
    heading, document = found
    assert "(md)" in heading
    assert "# " in document and "## Alle antwoorden" in document
    for headline in HEADLINES:
        assert headline in document
    assert "(4 deelnemers)" in document
    for user, name in PEOPLE.items():
        assert user not in document
        for part in name.split():
            if len(part) > 2:
                assert part not in document, part
    # Only the host heard of it: nobody else, and nothing in the channel.
    assert {user: len(local.inbox(user)) for user in before} == before
    assert len(local.channel(CHANNEL)) == channel_before


async def test_csv_has_the_columns_synthesize_reads_and_html_is_escaped(
    local: LocalDriver,
) -> None:
    await closed_round(local)
    await local.command(HOST, CHANNEL, "export csv")
    found = exported(local, HOST)
    assert found is not None and "(csv)" in found[0]
    rows = csv_rows(found[1])
    assert set(rows[0]) == {"phase", "prompt", "respondent", "choice", "text"}
    assert len(rows) == 16  # 4 people x 4 phases, the edited story replaced, not added
    assert {r["text"] for r in rows if r["prompt"].startswith("Krantenkop")} >= set(HEADLINES[:3])

    await local.command(HOST, CHANNEL, "export html")
    found = exported(local, HOST)
    assert found is not None and "(html)" in found[0]
    page = found[1]
    assert page.startswith("<!DOCTYPE html>") and "<h1>" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    # Rendered, not raw Markdown: headings and quotes are HTML, no ** or > markers left.
    assert "**" not in page and "<blockquote>" in page and "&gt; " not in page


async def test_a_phase_under_the_threshold_is_not_shown(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    await local.say("U02BRAM", "knel")
    await local.say("U02BRAM", "Alleen ik vertelde een verhaal over de bibliotheek.")
    await local.command(HOST, CHANNEL, "export csv")
    found = exported(local, HOST)
    assert found is not None
    assert "bibliotheek" not in found[1]
    await local.command(HOST, CHANNEL, "export md")
    found = exported(local, HOST)
    assert found is not None
    assert "bibliotheek" not in found[1] and "Minder dan 3 deelnemers" in found[1]


async def test_only_the_host_may_export_and_bad_words_change_nothing(local: LocalDriver) -> None:
    setup_channel(local)
    nothing = await local.command(HOST, CHANNEL, "export md")
    assert "nog geen ronde" in nothing.fallback
    await local.command(HOST, CHANNEL, "start")
    refused = await local.command("U02BRAM", CHANNEL, "export")
    assert "gespreksleider" in refused.fallback
    assert exported(local, "U02BRAM") is None
    usage = await local.command(HOST, CHANNEL, "export pdf")
    assert "`exporteer` met een van deze formaten" in usage.fallback and "`csv`" in usage.fallback
    assert exported(local, HOST) is None


async def test_the_csv_numbers_people_without_pseudonyms_or_user_ids(local: LocalDriver) -> None:
    """One number per person, drawn for this export: which answers one person gave, and
    nothing that links them to the pseudonyms in the database or to anyone's account."""
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    for n, user in enumerate(PEOPLE, start=1):
        await answer_all(local, user, n)
    async with local.app.db.sessions() as session:
        pseudonyms = set((await session.scalars(select(AnswerRow.pseudonym))).all())
    assert len(pseudonyms) == len(PEOPLE)
    await local.command(HOST, CHANNEL, "export csv")
    found = exported(local, HOST)
    assert found is not None
    document = found[1]
    rows = csv_rows(document)
    assert sorted({r["respondent"] for r in rows}) == ["1", "2", "3", "4"]
    assert all(sum(r["respondent"] == n for r in rows) == 4 for n in "1234")
    for pseudonym in pseudonyms:
        assert pseudonym not in document
        assert pseudonym[:8] not in document
    for user, name in PEOPLE.items():
        assert user not in document and name not in document


async def test_export_then_synthesize_gives_the_round_s_own_summary(
    local: LocalDriver, tmp_path: Path
) -> None:
    """The harvest's CSV fed to ``dialoogbot synthesize`` gives the themes, counts and
    shape (knel and kiem, headlines, pictures, dreams, ideas) the round itself gave."""
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    stories = ["knel", "kiem", "knel", "kiem"]
    for n, user in enumerate(PEOPLE, start=1):
        await local.say(user, stories[n - 1])
        await local.say(user, f"{story(n)} Het buurthuis en de school hielpen, {n}.")
        await local.say(user, HEADLINES[n - 1])
        await local.say(user, str(3 + n % 2))
        await local.say(user, f"Een buurthuis dat elke dag open is voor iedereen, droom {n}.")
        await local.say(user, f"De gemeente opent de school na vieren, idee {n}.")
    await local.command(HOST, CHANNEL, "export md")
    markdown = exported(local, HOST)
    await local.command(HOST, CHANNEL, "export csv")
    table = exported(local, HOST)
    assert markdown is not None and table is not None
    round_summary = markdown[1].split("## Alle antwoorden")[0]
    path = tmp_path / "harvest.csv"
    path.write_bytes(exported_file(local, HOST)[1].data)  # type: ignore[index]
    catalog = Catalog.load()
    answers = read_answers(path, "nl", 3, catalog)
    again = summary_markdown(OfflineSynthesizer().summarize(answers.request), catalog)
    # Everything but the title (the round's theme is not in the CSV) is the same.
    assert again.split("\n", 1)[1].strip() == round_summary.split("\n", 1)[1].strip()
    assert "4 deelnemers · 16 antwoorden" in again
    assert "**Krantenkoppen**" in again and "## Ideeën en eerste stappen" in again
    assert "Een lange tafel met buren: 2" in again
    # Two people a side is under the threshold of 3 (PRODUCT.md §4.5): the stories are themed
    # as a whole, and only the counts say how the choice fell.
    assert "### Knel (" not in again and "### Kiem (" not in again
    assert "knel: 2" in again.casefold() and "kiem: 2" in again.casefold()
