"""The outbox: a crash mid-fan-out resumes without duplicates; retries keep order."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select, update

from bot.core.messages import Incoming, Outgoing
from bot.core.port import DeliveryDeferred, DeliveryRefused, Member, MessageRef
from bot.runtime.app import App
from bot.support.settings import Settings
from bot.testing import LocalDriver, LocalPlatform, ManualClock
from storage.models import OutboxRow

CHANNEL = "C-BIG"


class DyingPlatform(LocalPlatform):
    """Delivers ``alive`` private messages, then the process 'dies' inside the next calls:
    some messages arrive without the bot hearing back, others never leave."""

    def __init__(self, transcript: Path, alive: int) -> None:
        super().__init__(transcript)
        self.alive = alive
        self.calls = 0

    async def send_private(
        self, workspace: str, user_id: str, message: Outgoing, key: str | None = None
    ) -> MessageRef:
        self.calls += 1
        if self.calls <= self.alive:
            return await super().send_private(workspace, user_id, message, key)
        if self.calls % 2 == 0:
            await super().send_private(workspace, user_id, message, key)
        await asyncio.Event().wait()  # never returns: the process is gone
        raise AssertionError("unreachable")


async def test_crash_in_the_middle_of_a_fan_out_sends_nobody_the_prompt_twice(
    settings: Settings, tmp_path: Path
) -> None:
    transcript = tmp_path / "delivered.jsonl"
    people = [Member(f"U{i:03d}", f"Persoon {i}") for i in range(60)]
    first_app = await App.create(settings, clock=ManualClock())
    dying = DyingPlatform(transcript, alive=25)
    dying.add_channel(CHANNEL, people)
    first_app.add_platform(dying)
    await first_app.handle(Incoming("local", "local", "U000", "start", CHANNEL))
    while await first_app.dispatcher.pump():
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    assert dying.calls == 60, "all 60 invitations were under way"
    await first_app.dispatcher.stop(grace=0.1)
    await first_app.db.dispose()

    second_app = await App.create(settings, clock=ManualClock())
    revived = LocalPlatform(transcript)
    revived.add_channel(CHANNEL, people)
    second_app.add_platform(revived)
    await second_app.dispatcher.recover()
    await second_app.dispatcher.drain()
    await second_app.stop()

    invitations = Counter()
    for platform in (dying, revived):
        for sent in platform.sent:
            if sent.kind == "private" and "uitgenodigd" in sent.message.fallback:
                invitations[sent.to] += 1
    assert invitations == {p.user_id: 1 for p in people}


class FlakyPlatform(LocalPlatform):
    """Defers the first two sends to each person (a 429), refuses one blocked user."""

    def __init__(self) -> None:
        super().__init__()
        self.tries: Counter[str] = Counter()

    async def send_private(
        self, workspace: str, user_id: str, message: Outgoing, key: str | None = None
    ) -> MessageRef:
        if user_id == "U-BLOCKED":
            raise DeliveryRefused("user blocked the bot")
        self.tries[user_id] += 1
        if self.tries[user_id] <= 2:
            raise DeliveryDeferred(0.01, "429")
        return await super().send_private(workspace, user_id, message, key)


async def test_deferred_deliveries_are_retried_and_blocked_users_skipped(
    settings: Settings,
) -> None:
    app = await App.create(settings, clock=ManualClock())
    platform = FlakyPlatform()
    platform.add_channel(
        CHANNEL, [Member("U-HOST", "Host"), Member("U-A", "A"), Member("U-BLOCKED", "B")]
    )
    app.add_platform(platform)
    local = LocalDriver(app, platform)
    await local.command("U-HOST", CHANNEL, "start")
    await local.say("U-A", "knel: een verhaal")
    assert "uitgenodigd" in platform.private["U-A"][0].fallback
    assert "opgeslagen" in platform.private["U-A"][1].fallback, "order kept through retries"
    assert "U-BLOCKED" not in platform.private
    assert app.metrics.refused.labels("local")._value.get() == 1
    async with app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxRow)) == 0
    await app.stop()


async def test_recovery_leaves_rows_another_live_process_is_sending(settings: Settings) -> None:
    """With several processes (PostgreSQL), a ``sending`` row is only settled by another
    process once its sender's lease ran out."""
    app = await App.create(settings, clock=ManualClock())
    platform = LocalPlatform()
    platform.add_channel(CHANNEL, [Member("U-HOST", "Host"), Member("U-A", "A")])
    app.add_platform(platform)
    await app.handle(Incoming("local", "local", "U-HOST", "start", CHANNEL))
    now = dt.datetime.now(dt.UTC)
    async with app.db.writing() as session:
        await session.execute(
            update(OutboxRow).values(
                status="sending", owner="other-process", lease_until=now + dt.timedelta(minutes=1)
            )
        )
    await app.dispatcher.recover(expired_only=True)
    assert await app.dispatcher.pump() == 0, "a live process's rows are left alone"
    assert platform.sent == []

    async with app.db.writing() as session:
        await session.execute(update(OutboxRow).values(lease_until=now - dt.timedelta(seconds=1)))
    await app.dispatcher.recover(expired_only=True)
    await app.dispatcher.drain()
    assert sorted(s.to for s in platform.sent if s.kind == "private") == ["U-A", "U-HOST"]
    await app.stop()


class SlowToTell(LocalPlatform):
    """Answers ``was_delivered`` (the look-up after a crash) only once ``told`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.told = asyncio.Event()
        self.asked: list[str | None] = []

    async def was_delivered(
        self, workspace: str, channel_id: str | None, user_id: str | None, key: str
    ) -> bool | None:
        self.asked.append(user_id)
        await self.told.wait()
        return await super().was_delivered(workspace, channel_id, user_id, key)


async def _until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.01)


async def test_after_a_crash_the_others_are_sent_while_interrupted_deliveries_are_looked_up(
    settings: Settings,
) -> None:
    """A restarted process sends at once: whether the deliveries a crash interrupted arrived
    is asked meanwhile, all at the same time; only their recipients wait for the answer."""
    app = await App.create(settings, clock=ManualClock())
    platform = SlowToTell()
    people = [Member(f"U{i:02d}", f"Persoon {i}") for i in range(12)]
    platform.add_channel(CHANNEL, people)
    app.add_platform(platform)
    await app.handle(Incoming("local", "local", "U00", "start", CHANNEL))
    async with app.db.writing() as session:
        rows = (
            await session.scalars(
                select(OutboxRow).where(OutboxRow.kind == "private").order_by(OutboxRow.id)
            )
        ).all()
        everyone = {row.user_id for row in rows}
        interrupted = {row.user_id for row in rows[:4]}
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_([row.id for row in rows[:4]]))
            .values(status="sending", owner="the-process-that-died", lease_until=None)
        )

    def private() -> Counter[str]:
        return Counter(s.to for s in platform.sent if s.kind == "private")

    try:
        async with asyncio.timeout(5):  # starting does not wait for the look-ups
            await app.dispatcher.start()
        await _until(lambda: set(private()) == everyone - interrupted)
        await _until(lambda: len(platform.asked) == len(interrupted))
        assert set(platform.asked) == interrupted  # asked together, not one after another
        await asyncio.sleep(0.1)
        assert not interrupted & set(private()), "they wait for the answer"
        platform.told.set()  # none of them arrived
        await _until(lambda: set(private()) == everyone)
        await asyncio.sleep(0.1)
        assert set(private().values()) == {1}, "each invitation once"
    finally:
        await app.stop()
