"""Round keys in files (storage/keys.py): written private and durable, destroyed at close,
refused when missing, swept when orphaned, moved out of the database by migration 0004."""

from __future__ import annotations

import contextlib
import stat
import uuid
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import inspect, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.pseudonyms import Keyring, SecretError, load_or_create_secret
from bot.runtime.app import App
from bot.support.settings import Settings
from bot.testing import LocalDriver
from storage.database import after_commit, after_rollback, upgrade
from storage.keys import KeyFiles
from storage.models import RoundRow
from tests.core.conversation import CHANNEL, HOST, setup_channel


async def open_round_id(local: LocalDriver) -> str:
    async with local.app.db.sessions() as session:
        round_id = await session.scalar(select(RoundRow.id).where(RoundRow.status == "open"))
    assert round_id is not None
    return round_id


async def test_a_round_key_file_is_private_and_gone_after_close(
    local: LocalDriver, settings: Settings
) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    round_id = await open_round_id(local)
    path = settings.round_key_dir / f"{round_id}.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.round_key_dir.stat().st_mode) == 0o700
    assert len(path.read_bytes()) == 60, "nonce, wrapped key and tag: never the bare key"
    assert local.app.keyring.round_key(round_id) is not None
    await local.command(HOST, CHANNEL, "close")
    assert not path.exists()
    assert local.app.keyring.round_key(round_id) is None


async def test_an_open_round_without_its_key_file_stops_start_up(
    local: LocalDriver, settings: Settings
) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    round_id = await open_round_id(local)
    (settings.round_key_dir / f"{round_id}.key").unlink()
    with pytest.raises(SecretError, match=f"DIALOOG_KEY_DIR: no key for open round {round_id}"):
        await App.create(settings)


async def test_a_closed_rounds_key_file_left_by_a_crash_is_destroyed_at_start(
    local: LocalDriver, settings: Settings
) -> None:
    """A crash between a close's commit and the file's destruction leaves the file behind;
    the next start destroys it. A file of a round this database does not know (another
    database's bot sharing the directory) is left alone."""
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    round_id = await open_round_id(local)
    wrapped = (settings.round_key_dir / f"{round_id}.key").read_bytes()
    await local.command(HOST, CHANNEL, "close")
    KeyFiles(settings.round_key_dir).write(round_id, wrapped)  # as if the crash left it
    elsewhere = uuid.uuid4().hex
    KeyFiles(settings.round_key_dir).write(elsewhere, wrapped)
    app = await App.create(settings)
    try:
        assert app.keyring.key_files.round_ids() == [elsewhere]
    finally:
        await app.stop()


@pytest.mark.parametrize("fails", [False, True])
async def test_actions_after_commit_or_after_rollback_run_only_then(
    local: LocalDriver, fails: bool
) -> None:
    ran: list[str] = []
    with contextlib.suppress(LookupError):
        async with local.app.db.writing() as session:
            after_commit(session, lambda: ran.append("commit"))
            after_rollback(session, lambda: ran.append("rollback"))
            if fails:
                raise LookupError("the transaction fails")
    assert ran == (["rollback"] if fails else ["commit"])


async def test_migration_moves_keys_out_of_the_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    engine = create_async_engine(url)
    await upgrade(engine, revision="0002_schedules")
    master = load_or_create_secret(tmp_path / "old.secret")
    keys = Keyring(master, KeyFiles(tmp_path / "unused"))
    round_id = uuid.uuid4().hex
    wrapped = keys.wrap(round_id, b"k" * 32)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO rounds (id, platform, workspace, channel_id, template, language, "
                "timezone, paced, open_phase, status, min_respondents, host_hash, seq, "
                "opened_day, reminders) VALUES (:id, 'local', 'local', 'C', 'waarderend', "
                "'nl', 'Europe/Amsterdam', 0, 3, 'open', 3, 'h', 1, '2026-03-02', '')"
            ),
            {"id": round_id},
        )
        await connection.execute(
            text("INSERT INTO round_keys (round_id, wrapped) VALUES (:id, :wrapped)"),
            {"id": round_id, "wrapped": wrapped},
        )
    with pytest.raises(RuntimeError, match="round keys must move to a key directory"):
        await upgrade(engine)
    await upgrade(engine, key_dir=tmp_path / "old.keys")
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
    await engine.dispose()
    assert "round_keys" not in tables
    moved = Keyring(master, KeyFiles(tmp_path / "old.keys"))
    assert moved.round_key(round_id) == b"k" * 32


@given(st.text(max_size=80))
def test_a_key_file_name_is_a_round_id_or_refused(name: str) -> None:
    files = KeyFiles(Path("/nonexistent-key-dir"))
    is_round_id = len(name) == 32 and all(c in "0123456789abcdef" for c in name)
    if is_round_id:
        assert files.read(name) is None
    else:
        with pytest.raises(ValueError, match="not a round id"):
            files.read(name)


@given(st.text(max_size=300))
def test_any_answer_seals_and_opens_only_for_its_own_row(answer: str) -> None:
    key = b"r" * 32
    sealed = Keyring.seal(key, "round", "answer-1", answer)
    if len(answer.encode()) >= 8:
        assert answer.encode() not in sealed
    assert Keyring.open_sealed(key, "round", "answer-1", sealed) == answer
    with pytest.raises(InvalidTag):
        Keyring.open_sealed(key, "round", "answer-2", sealed)
