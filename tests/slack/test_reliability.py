"""Nothing lost, nothing twice: Slack's retries, 429 storms and a restart mid fan-out."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import create_async_engine

from bot.testing.fake_slack import FakeSlack
from storage.models import AnswerRow, OutboxRow
from tests.slack.world import CHANNEL, World, people


async def _answers(world: World) -> int:
    assert world.app is not None
    async with world.app.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(AnswerRow)) or 0)


async def _start(world: World) -> None:
    await world.command("UHOST", 'start --theme "Samen" --min 3')


async def test_a_retried_event_is_stored_once_even_after_a_restart(
    world: World, fake: FakeSlack, tmp_path: Path
) -> None:
    people(fake, 3)
    await world.boot()
    await _start(world)
    await world.settle()
    await world.dm("U0001", "kiem")
    await world.settle()
    confirmations = len(fake.private("U0001"))

    first = await world.dm("U0001", "Een verhaal over de buurt", event_id="EvStory")
    again = await world.event_retry("U0001", "Een verhaal over de buurt", "EvStory", 1)
    await world.settle()
    assert first.status == again.status == 200
    assert await _answers(world) == 1
    assert len(fake.private("U0001")) == confirmations + 1

    await world.shutdown()
    restarted = World(fake, tmp_path, world.database_url)
    await restarted.boot()
    try:
        late = await restarted.event_retry("U0001", "Een verhaal over de buurt", "EvStory", 2)
        await restarted.settle()
        assert late.status == 200
        assert await _answers(restarted) == 1
        assert len(fake.private("U0001")) == confirmations + 1
    finally:
        await restarted.shutdown()


async def test_a_429_storm_loses_nothing_and_sends_nothing_twice(
    world: World, fake: FakeSlack
) -> None:
    users = people(fake, 12)
    await world.boot()
    fake.storm(2.0)  # every post is refused with 429 + Retry-After for two seconds
    await _start(world)
    await world.settle()
    assert fake.count("chat.postMessage", ok_only=False) > fake.count("chat.postMessage")
    assert world.adapter.platform.stats["rate_limited"] > 0
    for user in [*users, "UHOST"]:
        assert len(fake.private(user)) == 1, user
    assert len(fake.posts(CHANNEL)) == 1
    assert all(n == 1 for n in fake.delivery_keys().values())
    assert not fake.rejected()


async def test_reads_honour_429_too(world: World, fake: FakeSlack) -> None:
    users = people(fake, 3)
    await world.boot()
    fake.fail_next.append(
        ("conversations.members", 429, {"ok": False, "error": "ratelimited", "retry_after": 1})
    )
    await _start(world)
    await world.settle()
    assert fake.count("conversations.members", ok_only=False) > fake.count("conversations.members")
    assert all(len(fake.private(u)) == 1 for u in users)


async def test_a_restart_in_the_middle_of_a_fan_out_sends_nobody_a_prompt_twice(
    world: World, fake: FakeSlack, tmp_path: Path
) -> None:
    users = people(fake, 40)
    await world.boot()
    fake.limit(40.0, burst=4)  # the fan-out takes about a second
    fake.post_delay = 0.3  # Slack stores a post a while before it answers: the crash window
    await _start(world)
    await world.adapter.settle()
    await asyncio.sleep(0.5)

    # Crash: in-flight sends die between Slack storing the post and the bot hearing back.
    assert world.app is not None
    dispatcher = world.app.dispatcher
    for task in [dispatcher._loop, *dispatcher._tasks]:
        if task is not None:
            task.cancel()
    await asyncio.sleep(0)
    async with world.app.db.sessions() as session:
        interrupted = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status == "sending")
        )
    assert interrupted, "the crash should leave deliveries in 'sending'"
    delivered_before = len(fake.delivery_keys())
    assert 0 < delivered_before < len(users) + 2
    await world.adapter.platform.close()
    if not world.app.db.is_sqlite:
        # A dead process's connections close and their row locks go; cancelled tasks here
        # leave theirs open, so end them the way a crash would.
        engine = create_async_engine(world.database_url)
        async with engine.connect() as connection:
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        # On PostgreSQL other processes may share the outbox, so a row is taken over only
        # when its owner's lease ran out: let the dead process's leases expire.
        async with engine.begin() as connection:
            await connection.execute(
                update(OutboxRow)
                .where(OutboxRow.status == "sending")
                .values(lease_until=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
            )
        await engine.dispose()
    await world.app.db.dispose()
    world.app = None

    fake.post_delay = 0.0
    restarted = World(fake, tmp_path, world.database_url)
    await restarted.boot()
    try:
        await restarted.settle()
        for user in [*users, "UHOST"]:
            assert len(fake.private(user)) == 1, user
        assert all(n == 1 for n in fake.delivery_keys().values())
        assert len(fake.delivery_keys()) == len(users) + 2  # invitations + channel post
        assert fake.count("conversations.history") > 0  # was_delivered looked
    finally:
        await restarted.shutdown()
