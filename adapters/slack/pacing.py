"""Spread posts within Slack's limits: about one message per second per channel, plus a
workspace-wide rate, and a pause for everyone when Slack answers 429 with ``Retry-After``.

Each caller reserves the earliest slot that keeps both limits and sleeps until then; a pause
set while a caller sleeps moves its slot. Time and sleep are injected for tests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

# chat.postMessage: "one message per second per channel" (Slack rate-limit docs). Slack
# publishes no number for the workspace-wide limit; 10 per second is a careful default that
# 429 + Retry-After corrects when a workspace allows less.
CHANNEL_INTERVAL = 1.0
WORKSPACE_RATE = 10.0
# Slack's Retry-After is whole seconds, so a post that arrives a millisecond early costs a
# second for everyone: stay 3% under the limits to absorb network jitter.
MARGIN = 0.97


class Pacer:
    """Slots for posts in one workspace."""

    def __init__(
        self,
        workspace_rate: float = WORKSPACE_RATE,
        channel_interval: float = CHANNEL_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / (workspace_rate * MARGIN)
        self.channel_interval = channel_interval / MARGIN
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._paused_until = 0.0
        self._channels: dict[str, float] = {}

    def pause(self, seconds: float) -> None:
        """Slack said 429: nobody in this workspace posts for ``seconds``."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _reserve(self, channel: str, now: float) -> float:
        start = max(now, self._next, self._paused_until, self._channels.get(channel, 0.0))
        self._next = start + self.interval
        self._channels[channel] = start + self.channel_interval
        if len(self._channels) > 50_000:  # forget channels whose slot has passed
            self._channels = {c: t for c, t in self._channels.items() if t > now}
        return start

    async def acquire(self, channel: str) -> None:
        """Wait for this post's turn in ``channel``."""
        while True:
            now = self._clock()
            slot = self._reserve(channel, now)
            if slot > now:
                await self._sleep(slot - now)
            if self._clock() >= self._paused_until:
                return
