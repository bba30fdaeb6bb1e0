"""Spread posts within Slack's limits: about one message per second per channel, plus a
workspace-wide rate that is learned (:mod:`bot.runtime.rates`), and a pause for everyone
when Slack answers 429 with ``Retry-After``.

A post first waits for its channel's turn, then takes the next workspace slot. Workspace
slots are handed out one at a time from the *actual* time of the previous one, so an event
loop that was busy for a moment does not release a burst of overdue posts (which Slack would
answer with a 429 costing everyone a whole second). A reply to something a person just did
(``urgent``) takes the next free slot ahead of the fan-out's posts waiting in line. Time and
sleep are injected for tests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bot.runtime.rates import AdaptiveRate

# chat.postMessage: "one message per second per channel, short bursts allowed" (Slack
# rate-limit docs). Slack publishes no number for the workspace-wide limit: the pacer starts
# at SLACK_WORKSPACE_RATE and finds the limit (bot.runtime.rates), never above the ceiling.
CHANNEL_INTERVAL = 1.0
WORKSPACE_RATE = 10.0
WORKSPACE_CEILING = 200.0
# Slack's Retry-After is whole seconds, so a post that arrives a millisecond early costs a
# second for everyone: stay 3% under the channel limit and a configured ceiling to absorb
# network jitter (a learned rate has its own margin, bot.runtime.rates.DECREASE).
MARGIN = 0.97
# After a pause in sending, at most this many posts may go out back to back.
CATCH_UP = 2


class Pacer:
    """Slots for posts in one workspace, at ``rate`` (a number: fixed but for 429s)."""

    def __init__(
        self,
        rate: AdaptiveRate | float = WORKSPACE_RATE,
        channel_interval: float = CHANNEL_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_limited: Callable[[], None] | None = None,
    ) -> None:
        if not isinstance(rate, AdaptiveRate):
            rate = AdaptiveRate(rate, rate, clock=clock)
        self.rate = rate
        self.channel_interval = channel_interval / MARGIN
        self._clock = clock
        self._sleep = sleep
        self._on_limited = on_limited
        self._next = 0.0
        self._paused_until = 0.0
        self._channels: dict[str, float] = {}
        self._turn = asyncio.Lock()
        self._bulk = asyncio.Lock()

    @property
    def interval(self) -> float:
        """Seconds between two posts in this workspace, at the current rate. A learned rate
        is already just under the limit that drew a 429; only the configured ceiling (a
        limit nobody has measured) gets the margin."""
        return 1.0 / min(self.rate.rate, self.rate.ceiling * MARGIN)

    def pause(self, seconds: float) -> None:
        """Slack said 429: nobody in this workspace posts for ``seconds``, and the rate drops.
        The pause earns no catch-up: the first post after it starts the spacing afresh (a
        burst of overdue posts would draw the next 429 at once)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self._next = max(self._next, self._paused_until)
        if self._on_limited is not None:
            self._on_limited()
        else:
            self.rate.limited()

    async def _channel_turn(self, channel: str) -> None:
        now = self._clock()
        slot = max(now, self._channels.get(channel, 0.0))
        self._channels[channel] = slot + self.channel_interval
        if len(self._channels) > 50_000:  # forget channels whose turn has passed
            self._channels = {c: t for c, t in self._channels.items() if t > now}
        if slot > now:
            await self._sleep(slot - now)

    async def acquire(self, channel: str, urgent: bool = False) -> None:
        """Wait for this post's turn in ``channel`` and in the workspace. Bulk posts queue
        for the workspace one at a time; an urgent one only waits for the post being paced."""
        await self._channel_turn(channel)
        if urgent:
            await self._slot()
        else:
            async with self._bulk:
                await self._slot()

    async def _slot(self) -> None:
        async with self._turn:
            while True:
                now = self._clock()
                start = max(now, self._next, self._paused_until)
                if start <= now:
                    break
                await self._sleep(start - now)
            interval = self.interval
            self._next = max(self._next, now - CATCH_UP * interval) + interval
