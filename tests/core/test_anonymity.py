"""PRODUCT.md §4: run a round, dump every table and every log line, and fail if a
participant's id or name shares a row or a line with answer text."""

from __future__ import annotations

import io
import logging
import os
import stat
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy import DateTime, inspect, select, text

from bot.core.messages import Quote
from bot.core.pseudonyms import Keyring
from bot.support.settings import Settings
from bot.testing import LocalDriver
from storage.models import AnswerRow, Base
from tests.core.conversation import (
    CHANNEL,
    HEADLINES,
    HOST,
    PEOPLE,
    answer_all,
    choices,
    setup_channel,
    story,
)
from tests.core.test_export import exported_file
from tests.core.test_export_files import forbidden, harvested


def identities() -> list[str]:
    found = list(PEOPLE)
    for name in PEOPLE.values():
        found.append(name)
        found.extend(part for part in name.split() if len(part) > 2)
    return found


def answer_texts() -> list[str]:
    texts = [story(n) for n in range(1, 5)] + HEADLINES
    texts += [f"droom {n}." for n in range(1, 5)] + [f"idee {n}." for n in range(1, 5)]
    return texts


async def dump(local: LocalDriver) -> list[str]:
    rows: list[str] = []
    async with local.app.db.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
        for table in tables:
            result = await connection.execute(text(f'SELECT * FROM "{table}"'))
            rows.extend(f"{table}: " + " | ".join(map(str, row)) for row in result)
    return rows


async def run_round(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, 'start --theme "Samen in de wijk"')
    for n, user in enumerate(PEOPLE, start=1):
        await answer_all(local, user, n)
    await local.command(HOST, CHANNEL, "summary")
    await local.say("U02BRAM", "edit")
    await local.say("U02BRAM", "De gemeente opent de school na vieren, idee 2.")
    # issue 16, item 4: seeing one's answers, a slip and changing an earlier answer leave no
    # identity next to text either (the list goes to the outbox only until it is sent)
    await local.say("U03CHLOE", "mijn antwoorden")
    await local.say("U03CHLOE", "wat moet ik hier eigenlijk doen?")
    await local.say("U03CHLOE", "wijzig 1")
    await local.say("U03CHLOE", story(3))
    await local.say("U03CHLOE", "nog open")


async def test_no_identity_next_to_answer_text_in_tables_or_logs(
    local: LocalDriver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await run_round(local)
    rows = await dump(local)
    async with local.app.db.sessions() as session:
        pseudonyms = set((await session.scalars(select(AnswerRow.pseudonym))).all())
    await local.command(HOST, CHANNEL, "close")
    rows += await dump(local)
    assert any(story(1) in row for row in rows), "the dump does contain the answers"
    for row in rows:
        if any(answer in row for answer in answer_texts()):
            leaked = [who for who in identities() if who in row]
            assert not leaked, f"{leaked} next to answer text in {row[:200]}"
    lines = [record.getMessage() for record in caplog.records]
    assert any("closed" in line for line in lines), "the log is captured"
    # Any 6 characters of a pseudonym in a log line would tie it to the line's time (§4.3).
    parts = {p[i : i + 6] for p in pseudonyms for i in range(len(p) - 5)}
    assert len(pseudonyms) == 4
    for line in lines:
        assert not any(answer in line for answer in answer_texts()), f"answer text logged: {line}"
        assert not any(who in line for who in PEOPLE), f"user id logged: {line}"
        assert not any(part in line for part in parts), f"pseudonym logged: {line}"


async def test_log_times_cannot_be_joined_with_answers(
    local: LocalDriver, caplog: pytest.LogCaptureFixture
) -> None:
    """A log line written while an answer is handled carries that moment; joined with the
    answers table it would give the answer's exact time (§4.3 keeps the day only). Answering,
    choosing, editing and skipping leave no log line at all; commands and timers may log."""
    caplog.set_level(logging.DEBUG)
    setup_channel(local)
    await local.command(HOST, CHANNEL, 'start --theme "Samen in de wijk"')
    before = len(caplog.records)
    for n, user in enumerate(PEOPLE, start=1):
        await answer_all(local, user, n)
    await local.say("U02BRAM", "edit")
    await local.say("U02BRAM", "Petra Smit belt 06/12345678, idee 2.")
    during = [f"{r.name}: {r.getMessage()}" for r in caplog.records[before:]]
    assert during == [], during
    await local.command(HOST, CHANNEL, "close")
    assert len(caplog.records) > before, "the log is captured"


async def test_no_user_id_or_name_stored_anywhere_after_the_round(local: LocalDriver) -> None:
    await run_round(local)
    await local.command(HOST, CHANNEL, "close")
    for row in await dump(local):
        leaked = [who for who in identities() if who in row]
        assert not leaked, f"{leaked} stored in {row[:200]}"


def test_schema_has_no_identity_or_time_columns_beside_answers() -> None:
    suspicious = ("user", "name", "email", "member", "sender", "author", "created", "time")
    for table in ("answers", "progress", "ballots", "ballot_comments", "stages", "invitees"):
        columns = Base.metadata.tables[table].columns
        for column in columns:
            assert not any(word in column.name for word in suspicious), (table, column.name)
            assert not isinstance(column.type, DateTime), f"{table}.{column.name} keeps a time"


async def test_groups_actions_and_invitees_keep_identity_away_from_answers(
    local: LocalDriver, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 18: the group a participant said (``progress.segment``), who was invited
    (``invitees``) and the actions agreed (``actions``, named on purpose) are dumped with every
    table and log line: no user id or name beside answer text or a group, before or after the
    close; only ``actions`` names anyone, and it holds no answer."""
    caplog.set_level(logging.DEBUG)
    setup_channel(local)
    await local.command(
        HOST, CHANNEL, 'start --theme "Samen in de wijk" --segment "raadslid,griffier,anders"'
    )
    for n, user in enumerate(PEOPLE, start=1):
        await local.say(user, "raadslid" if n % 2 else "griffier")
        await answer_all(local, user, n)
    await local.command(HOST, CHANNEL, "status")
    await local.command(HOST, CHANNEL, "groepen")
    await local.say("U04DAAN", "vergeet mij")
    rows = await dump(local)
    await local.command(HOST, CHANNEL, "close")
    await local.command(HOST, CHANNEL, "publiceer")
    await local.command(
        HOST, CHANNEL, 'actie "De bibliotheek blijft open" --eigenaar @bram --wanneer 3d'
    )
    await local.command("U02BRAM", CHANNEL, "actie 1 klaar")
    rows += await dump(local)
    groups = [
        r for r in rows if r.startswith("progress: ") and ("raadslid" in r or "griffier" in r)
    ]
    assert len(groups) >= 3, "the dump holds the groups said"
    invited = [r for r in rows if r.startswith("invitees: ")]
    assert len(invited) == 8, "four invitees, dumped twice"
    assert any(r.endswith(("| 1", "| True")) for r in invited), "forget me made one quiet"
    actions = [r for r in rows if r.startswith("actions: ")]
    assert actions and all("U02BRAM" in r for r in actions), "the owner is named"
    for row in rows:
        leaked = [who for who in identities() if who in row]
        if row.startswith("actions: "):
            assert not any(answer in row for answer in answer_texts()), row[:200]
            continue
        if row.startswith("outbox: "):
            continue  # messages waiting for a person carry that person's id, never an answer
        assert not leaked, f"{leaked} stored in {row[:200]}"
    for record in caplog.records:
        line = record.getMessage()
        assert not any(who in line for who in PEOPLE), f"user id logged: {line}"
        assert "raadslid" not in line and "griffier" not in line, f"a group logged: {line}"


async def test_secret_file_is_private_and_never_in_the_database(
    local: LocalDriver, settings: Settings
) -> None:
    await run_round(local)
    path = Path(settings.secret_file)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    secret = path.read_text().strip()
    for row in await dump(local):
        assert secret not in row


async def test_closing_destroys_the_link_between_answers_and_people(local: LocalDriver) -> None:
    await run_round(local)
    await local.command(HOST, CHANNEL, "close")
    reply = await local.say("U02BRAM", "vergeet mij")
    assert "Gewist: 0 antwoorden" in reply.fallback, "closed-round answers cannot be linked"
    async with local.app.db.sessions() as session:
        assert local.app.keyring.key_files.round_ids() == []
        assert len((await session.scalars(select(AnswerRow))).all()) == 16


async def test_a_swapped_secret_file_stops_start_up(local: LocalDriver, settings: Settings) -> None:
    from bot.core.pseudonyms import SecretError
    from bot.runtime.app import App

    await run_round(local)
    Path(settings.secret_file).write_text("00" * 32 + "\n")
    with pytest.raises(SecretError, match="DIALOOG_SECRET_FILE does not match this database"):
        await App.create(settings)


async def test_after_closing_the_table_no_longer_lists_answers_in_arrival_order(
    local: LocalDriver,
) -> None:
    """A dump lists rows in the order they lie in the table; while a round runs that is the
    order people answered in, which a chat log's times could match. Closing rewrites them in
    the order of their random ids (§4.1, §4.3)."""

    async def physical() -> list[tuple[str, str]]:
        async with local.app.db.sessions() as session:
            rows = await session.execute(
                text("SELECT id, round_id, text, sealed FROM answers ORDER BY rowid")
            )
            return [(row.id, row.text or opened(row.round_id, row.id, row.sealed)) for row in rows]

    def opened(round_id: str, answer_id: str, sealed: bytes) -> str:
        """Sealed while the round is open: opened with its key, as the bot does."""
        key = local.app.keyring.round_key(round_id)
        assert key is not None
        return Keyring.open_sealed(key, round_id, answer_id, sealed)

    await run_round(local)
    before = await physical()
    assert before[0][1] == story(1) and before[1][1] == HEADLINES[0], "arrival order, so far"
    await local.command(HOST, CHANNEL, "close")
    after = await physical()
    assert sorted(after) == sorted(before), "the same answers, nothing lost"
    assert [i for i, _ in after] == sorted(i for i, _ in after)
    assert [t for _, t in after] != [t for _, t in before]


async def test_a_host_can_raise_the_threshold_never_lower_it(local: LocalDriver) -> None:
    """PRODUCT.md §4.5: with DIALOOG_MIN_RESPONDENTS=3, `--min 1` is refused (one person's
    story would be published); `--min 5` holds back a summary four people could have had."""
    setup_channel(local)
    refused = await local.command(HOST, CHANNEL, "start --min 1")
    assert "de drempel kan alleen omhoog" in refused.fallback
    assert local.channel(CHANNEL) == [], "no round was started"
    await local.command(HOST, CHANNEL, "start --min 5")
    await answer_all(local, "U02BRAM", 2)
    for n, user in enumerate(["U03CHLOE", "U04DAAN", HOST], start=3):
        await answer_all(local, user, n)
    reply = await local.command(HOST, CHANNEL, "summary")
    assert "minstens 5 deelnemers" in reply.fallback
    assert not any(isinstance(b, Quote) for m in local.channel(CHANNEL) for b in m.blocks)


async def test_drafts_hold_no_identity_pseudonym_or_unscrubbed_text(local: LocalDriver) -> None:
    """A draft waiting for its host holds what would be published and nothing more: no user
    id or name, no pseudonym (or a piece of one), no answer before scrubbing, no answer of a
    phase fewer than the threshold answered (PRODUCT.md §4.1, §4.5, §4.6)."""
    setup_channel(local)
    await local.command(HOST, CHANNEL, 'start --theme "Samen in de wijk"')
    contact = "Bram Jansen belde me op 06-12345678, mail anna@wijk.nl."
    for n, user in enumerate(PEOPLE, start=1):
        await local.say(user, "knel")
        await local.say(user, f"{story(n)} {contact}" if n == 1 else story(n))
        await local.say(user, HEADLINES[n - 1])
        if n <= 2:  # only two dreams: that phase stays below the threshold of three
            await local.say(user, "5")
            await local.say(user, f"Een droom die maar twee mensen hadden, droom {n}.")
    async with local.app.db.sessions() as session:
        pseudonyms = set((await session.scalars(select(AnswerRow.pseudonym))).all())
    assert len(pseudonyms) == 4
    await local.command(HOST, CHANNEL, "summary")
    seen: list[str] = []
    for moment in ("summary", "close"):
        if moment == "close":
            await local.command(HOST, CHANNEL, "close")
        drafts = [row for row in await dump(local) if row.startswith("drafts: ")]
        assert len(drafts) == 1, f"one draft after {moment}"
        (row,) = drafts
        seen.append(row)
        assert "wijkhuis" in row, "the draft holds the summary"
        for who in identities():
            assert who not in row, f"{who} in the draft after {moment}"
        for pseudonym in pseudonyms:
            assert pseudonym[:8] not in row, f"a pseudonym in the draft after {moment}"
        for raw in ("06-12345678", "anna@wijk.nl", contact):
            assert raw not in row, f"unscrubbed {raw!r} in the draft after {moment}"
        assert "maar twee mensen" not in row, "a below-threshold phase's answers"
    assert seen[0] != seen[1], "closing replaced the interim draft"


def _file_text(name: str, data: bytes) -> str:
    """Everything a person can read in an exported file, its properties included."""
    if name.endswith(".docx"):
        report = docx.Document(io.BytesIO(data))
        cells = [c.text for t in report.tables for row in t.rows for c in row.cells]
        props = report.core_properties
        return "\n".join([p.text for p in report.paragraphs] + cells + [props.author or ""])
    if name.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(data))
        values = [
            str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
        ]
        return "\n".join([*values, book.properties.creator or ""])
    return data.decode("utf-8-sig")


async def test_no_export_format_holds_an_identity_a_pseudonym_or_a_day(local: LocalDriver) -> None:
    """Every export format, as the host gets it (PRODUCT.md §4): no user id or name, no piece
    of a pseudonym, no day an answer was given or the round opened or closed."""
    await harvested(local)
    words = await forbidden(local)
    assert any(len(w) == 10 for w in words), "the pseudonyms are among what is checked"
    for fmt in ("docx", "xlsx", "csv", "html", "md"):
        await local.command(HOST, CHANNEL, f"export {fmt}")
        found = exported_file(local, HOST)
        assert found is not None and found[1].filename.endswith(f".{fmt}"), fmt
        content = _file_text(found[1].filename, found[1].data)
        assert "idee 2." in content, f"the {fmt} export holds the harvest"
        for word in words:
            assert word not in content, f"{word!r} in the {fmt} export"


async def test_series_and_theme_rounds_store_no_identity(local: LocalDriver) -> None:
    """Issue 18: the series table and the rounds' series columns (place, lane, origin, the
    published theme labels) hold no user id or name, while rounds are open and after."""
    from tests.core.test_series import EXPLORATION, explore

    exploration = await explore(local)
    await local.press(HOST, "theme_round", "1", exploration)
    await local.say("U02BRAM", "kiem")
    await local.say("U02BRAM", "In ons dorp bouwden we samen tien tiny houses voor starters.")
    rows = await dump(local)
    tables = {row.split(":", 1)[0] for row in rows}
    assert {"series", "rounds", "answers"} <= tables, tables
    assert any("Samen in het dorp" in row for row in rows if row.startswith("series:"))
    await local.command(HOST, CHANNEL, "sluit")
    await local.command(HOST, CHANNEL, "traject sluit")
    rows += await dump(local)
    texts = [text for pair in EXPLORATION.values() for text in pair]
    assert any(texts[0] in row for row in rows), "the dump does contain the answers"
    for row in rows:
        leaked = [who for who in identities() if who in row]
        assert not leaked, f"{leaked} stored in {row[:200]}"


async def test_votes_and_reactions_hold_no_identity_and_lose_their_link_at_close(
    local: LocalDriver, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 17: a vote and reactions with a comment, dumped while open and after close:
    no user id or name next to a ballot or comment, no time beyond the day, and once closed
    no key file is left that could recompute a ballot's pseudonym."""
    from tests.core.test_ballots import LIST, buttons, press, publish_result

    caplog.set_level(logging.DEBUG)
    await run_round(local)
    await local.command(HOST, CHANNEL, "close")
    await local.command(HOST, CHANNEL, LIST)
    stage = buttons(local.inbox("U02BRAM")[-1], "vote_add").round_id
    for n, user in enumerate(PEOPLE):
        await press(local, user, "vote_add", str(n % 3 + 1), stage)
    during = await dump(local)
    assert any(row.startswith("ballots:") and '{"1": 1}' in row for row in during)
    assert len(local.app.keyring.key_files.round_ids()) == 1, "the stage's key, while open"
    await local.command(HOST, CHANNEL, "sluit")
    await publish_result(local)
    await local.command(HOST, CHANNEL, "feedback")
    first = local.inbox("U03CHLOE")[-1]
    refs = [c.round_id for c in choices(first) if c.key == "react"]
    for user in PEOPLE:
        await press(local, user, "react", "agree", refs[0])
    feedback_stage = str(refs[0]).split(":")[0]
    await press(
        local, "U03CHLOE", "react_comment", "1\tDit klopt helemaal voor mij", feedback_stage
    )
    during += await dump(local)
    assert not any("Dit klopt helemaal" in row for row in during), "sealed while open"
    await local.command(HOST, CHANNEL, "sluit")
    after = await dump(local)
    assert any("Dit klopt helemaal" in row for row in after), "opened at close"
    for row in during + after:
        if row.startswith(("ballots:", "ballot_comments:", "stages:")):
            leaked = [who for who in identities() if who in row]
            assert not leaked, f"{leaked} in {row[:200]}"
    async with local.app.db.engine.connect() as connection:
        comments = (await connection.execute(text("SELECT pseudonym FROM ballot_comments"))).all()
    assert comments and all(c.pseudonym is None for c in comments), "unlinked at close"
    assert local.app.keyring.key_files.round_ids() == [], "no key can link a ballot to a person"
    lines = [record.getMessage() for record in caplog.records]
    for line in lines:
        assert not any(who in line for who in PEOPLE), f"user id logged: {line}"
        assert "Dit klopt" not in line
