"""Durable before acknowledged: a private message is applied before ``accept`` returns; a
channel command is recorded in the inbox first, and a crash before it was applied is made good
at the next start, once. Answers never wait in the inbox (PRODUCT.md §4)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Coroutine
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.core.messages import Incoming
from bot.core.port import Member
from bot.runtime.app import INBOX_STALE, App
from bot.support.settings import Settings
from bot.testing import LocalPlatform, ManualClock
from storage.models import AnswerRow, InboxRow
from tests.conftest import make_settings

CHANNEL = "C-INBOX"
PEOPLE = [Member(f"U{i}", f"Persoon {i}") for i in range(4)]


async def boot(settings: Settings, transcript: Path) -> tuple[App, LocalPlatform]:
    app = await App.create(settings, clock=ManualClock())
    platform = LocalPlatform(transcript)
    platform.add_channel(CHANNEL, [Member("UHOST", "Host"), *PEOPLE])
    app.add_platform(platform)
    return app, platform


async def count(app: App, table: type) -> int:
    async with app.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


def start(event_id: str = "cmd-1") -> Incoming:
    return Incoming("local", "local", "UHOST", 'start --theme "Samen"', CHANNEL, event_id=event_id)


async def test_a_command_acknowledged_before_a_crash_is_applied_once_at_the_next_start(
    settings: Settings, tmp_path: Path
) -> None:
    transcript = tmp_path / "sent.jsonl"
    app, _ = await boot(settings, transcript)
    rest = await app.accept(start())
    assert isinstance(rest, Coroutine) and await count(app, InboxRow) == 1
    # The crash: acknowledged, recorded, but the work after the acknowledgement never ran.
    rest.close()
    await app.db.dispose()

    restarted, platform = await boot(settings, transcript)
    await restarted.start()
    try:
        await restarted.dispatcher.drain()
        assert await count(restarted, InboxRow) == 0
        assert len(platform.posts[CHANNEL]) == 1  # the round started, once
        assert await restarted.replay() == 0
        # Slack's retry of the same command after all that changes nothing.
        again = await restarted.accept(start())
        assert again is not None
        await again
        await restarted.dispatcher.drain()
        assert len(platform.posts[CHANNEL]) == 1
    finally:
        await restarted.stop()


async def test_a_crash_after_the_apply_but_before_the_inbox_forgot_changes_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    transcript = tmp_path / "sent.jsonl"
    app, _ = await boot(settings, transcript)
    rest = await app.accept(start())
    assert isinstance(rest, Coroutine)
    rest.close()
    await app.handle(start())  # applied and committed, the inbox row still there
    await app.db.dispose()

    restarted, platform = await boot(settings, transcript)
    await restarted.start()
    try:
        await restarted.dispatcher.drain()
        assert await count(restarted, InboxRow) == 0
        # The first process never sent (its dispatcher did not run): one post, not two.
        assert len(platform.posts[CHANNEL]) == 1
    finally:
        await restarted.stop()


async def test_an_answer_is_stored_before_accept_returns_and_never_waits_in_the_inbox(
    settings: Settings, tmp_path: Path
) -> None:
    app, _ = await boot(settings, tmp_path / "sent.jsonl")
    try:
        rest = await app.accept(start())
        assert rest is not None
        await rest
        assert await app.accept(Incoming("local", "local", "U1", "kiem", event_id="a-1")) is None
        story = Incoming("local", "local", "U1", "Ons buurthuis ging weer open.", event_id="a-2")
        assert await app.accept(story) is None
        assert await count(app, AnswerRow) == 1  # committed before accept returned
        assert await count(app, InboxRow) == 0
        with pytest.raises(ValueError, match="channel command"):
            await app.inbox.record(story)
        vote = Incoming("local", "local", "U1", "", CHANNEL, "vote", "1", event_id="v-1")
        with pytest.raises(ValueError, match="channel command"):
            await app.inbox.record(vote)
    finally:
        await app.stop()


@pytest.mark.postgres
async def test_on_postgres_a_command_left_by_a_dead_process_is_applied_once_by_another(
    tmp_path: Path, pg_url: str
) -> None:
    settings = make_settings(tmp_path, pg_url)
    transcript = tmp_path / "sent.jsonl"
    dead, _ = await boot(settings, transcript)
    rest = await dead.accept(start())
    assert isinstance(rest, Coroutine)
    rest.close()
    await dead.db.dispose()

    first, platform = await boot(settings, transcript)
    second, _ = await boot(settings, transcript)
    try:
        await first.start()
        # Other processes may be applying their own fresh rows: a new row is left alone.
        await first.dispatcher.drain()
        assert await count(first, InboxRow) == 1 and not platform.posts[CHANNEL]
        # A minute later it belongs to a process that died; two processes look at once.
        async with first.db.writing() as session:
            await session.execute(
                update(InboxRow).values(received=dt.datetime.now(dt.UTC) - INBOX_STALE)
            )
        applied = await asyncio.gather(first.replay(INBOX_STALE), second.replay(INBOX_STALE))
        assert sorted(applied) == [0, 1]
        await first.dispatcher.drain()
        assert await count(first, InboxRow) == 0
        assert len(platform.posts[CHANNEL]) == 1
    finally:
        await first.stop()
        await second.stop()
