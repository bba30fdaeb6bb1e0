"""Fairness between workspaces: a big round's fan-out in one workspace does not hold up a
small round in another (each workspace is paced on its own, so they share the sending slots)."""

from __future__ import annotations

import asyncio
import time

from bot.core.messages import Incoming, Outgoing
from bot.core.port import Member, MessageRef
from bot.runtime.app import App
from bot.support.settings import Settings
from bot.testing import LocalPlatform, ManualClock


class PacedPlatform(LocalPlatform):
    """Like a real platform: each workspace takes one message every 5 ms."""

    def __init__(self) -> None:
        super().__init__()
        self.locks: dict[str, asyncio.Lock] = {}
        self.arrived: list[tuple[str, float]] = []

    async def send_private(
        self, workspace: str, user_id: str, message: Outgoing, key: str | None = None
    ) -> MessageRef:
        async with self.locks.setdefault(workspace, asyncio.Lock()):
            await asyncio.sleep(0.005)
        self.arrived.append((workspace, time.monotonic()))
        return await super().send_private(workspace, user_id, message, key)


async def test_a_small_round_elsewhere_is_not_held_up_by_a_big_fan_out(settings: Settings) -> None:
    app = await App.create(settings, clock=ManualClock())
    platform = PacedPlatform()
    platform.add_channel(
        "C-BIG", [Member("UA-HOST", "Host")] + [Member(f"UA{n:03d}", f"A {n}") for n in range(300)]
    )
    platform.add_channel(
        "C-SMALL", [Member("UB-HOST", "Host")] + [Member(f"UB{n}", f"B {n}") for n in range(5)]
    )
    app.add_platform(platform)
    try:
        await app.handle(Incoming("local", "big", "UA-HOST", "start", "C-BIG"))
        await app.handle(Incoming("local", "small", "UB-HOST", "start", "C-SMALL"))
        await app.dispatcher.drain()
    finally:
        await app.stop()
    big = [t for workspace, t in platform.arrived if workspace == "big"]
    small = [t for workspace, t in platform.arrived if workspace == "small"]
    assert len(big) == 301 and len(small) == 6
    # The small round was done while most of the big one was still to go.
    assert sum(1 for t in big if t <= max(small)) < len(big) // 3
