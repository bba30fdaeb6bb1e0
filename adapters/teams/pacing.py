"""Pacing and retries for the Bot Framework connector, after Teams' published rate limits.

Teams limits each bot *per conversation* (7 messages per second, 8 per 2 seconds, 60 per 30
seconds, 1800 per hour) and each app *per tenant* (50 requests per second); beyond that it
answers 429. :class:`Pacer` keeps every request inside those sliding windows so a fan-out runs
at the limit without being throttled; :class:`Backoff` decides how long to wait after a 429,
412, 502 or 504 (exponential with jitter, never shorter than ``Retry-After``).

Time is injected (``clock`` and ``sleep``) so tests never sleep for real.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.runtime.rates import Rates

Window = tuple[float, int]  # (seconds, max requests in any window of that length)

PER_CONVERSATION: tuple[Window, ...] = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))
PER_TENANT: tuple[Window, ...] = ((1.0, 50),)
TENANT_RATE = 50.0  # the published per-tenant limit, per second: where a tenant starts
# A tenant's requests are counted in sliding windows of this length: a learned rate measures
# what went through over one whole window (bot.runtime.rates), not just the burst at its start.
TENANT_WINDOW = max(seconds for seconds, _ in PER_TENANT)

RETRY_STATUSES = frozenset({412, 429, 502, 504})


class _Log:
    """Grant times of one key, checked against its windows."""

    def __init__(self, windows: tuple[Window, ...]) -> None:
        self.windows = windows
        self.longest = max(seconds for seconds, _ in windows)
        self.times: deque[float] = deque()
        self.paused_until = 0.0
        self.lock = asyncio.Lock()

    def wait(self, now: float, margin: float) -> float:
        """Seconds until one more request fits in every window (0 when it fits now)."""
        while self.times and self.times[0] <= now - self.longest * margin:
            self.times.popleft()
        delay = max(0.0, self.paused_until - now)
        count = len(self.times)
        for seconds, limit in self.windows:
            if count >= limit:
                # the limit-th most recent grant must leave the window first
                oldest_inside = self.times[count - limit]
                delay = max(delay, oldest_inside + seconds * margin - now)
        return delay


@dataclass
class Pacer:
    """Waits until a request to ``conversation`` in ``tenant`` fits Teams' limits, then books it.

    The conversation's windows are awaited under the conversation's lock, the tenant's under
    the tenant's lock, so one busy conversation does not hold up the others and waiters are
    served in order. ``margin`` stretches each window a little to absorb network jitter.

    With ``spread`` the tenant's requests are also evenly spaced (50/s: one per 20 ms) instead
    of 50 at the start of each second: a burst reaches the server with uneven delays, and a
    late one can push the next second's burst over the limit.

    With ``rates`` the tenant's rate is learned (:mod:`bot.runtime.rates`): it starts at the
    published 50/s (or what was learned before), drops when Teams answers 429 all the same, and
    recovers while requests succeed, never above the published limit. The per-conversation
    windows stay hard.
    """

    per_conversation: tuple[Window, ...] = PER_CONVERSATION
    per_tenant: tuple[Window, ...] = PER_TENANT
    margin: float = 1.02
    spread: bool = True
    catch_up: float = 0.01
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _conversations: dict[str, _Log] = field(default_factory=dict)
    _tenants: dict[str, _Log] = field(default_factory=dict)
    rates: Rates | None = None
    _grants: int = 0

    def _tenant_windows(self, rate: float | None) -> tuple[Window, ...]:
        windows = self.per_tenant
        if rate is not None:  # the learned rate, within the published per-second limit
            windows = tuple(
                (seconds, max(1, min(limit, int(rate * seconds)))) for seconds, limit in windows
            )
        if self.spread:
            windows += tuple((seconds / limit, 1) for seconds, limit in windows)
        return windows

    async def acquire(self, tenant: str, conversation: str) -> None:
        conv = self._conversations.get(conversation)
        if conv is None:
            conv = self._conversations[conversation] = _Log(self.per_conversation)
        learned = (await self.rates.get(tenant)).rate if self.rates is not None else None
        ten = self._tenants.get(tenant)
        if ten is None:
            ten = self._tenants[tenant] = _Log(self._tenant_windows(learned))
        elif learned is not None:
            ten.windows = self._tenant_windows(learned)
        async with conv.lock:
            start = await self._until_free(conv, self.clock())
            async with ten.lock:
                if ten.times:
                    start = max(start, ten.times[-1])
                granted = await self._until_free(ten, start)
                conv.times.append(granted)
                ten.times.append(granted)
        self._grants += 1
        if self._grants % 1000 == 0:
            self._forget_idle()

    def succeeded(self, tenant: str) -> None:
        """A request to ``tenant`` went through: its learned rate may rise."""
        if self.rates is not None:
            self.rates.succeeded(tenant)

    def pause(self, tenant: str, conversation: str | None, seconds: float) -> None:
        """After a 429: hold back the conversation (or, without one, the tenant) ``seconds``;
        the tenant's learned rate drops."""
        if self.rates is not None:
            self.rates.limited(tenant)
        logs = self._conversations if conversation is not None else self._tenants
        log = logs.get(conversation if conversation is not None else tenant)
        if log is not None:
            log.paused_until = max(log.paused_until, self.clock() + seconds)

    async def _until_free(self, log: _Log, now: float) -> float:
        """Wait until ``log`` has room; the slot's time, which may be a few ms past.

        A slot is booked at the time it was due, not when the event loop got round to waking
        us: otherwise every wake-up delay would add to the next slot and a long fan-out would
        drift below the limit. Only a small lateness (``catch_up``) is forgiven, so a stalled
        loop does not turn into a burst.
        """
        now = max(now, self.clock() - self.catch_up)
        while (delay := log.wait(now, self.margin)) > 0:
            due = now + delay
            await self.sleep(max(0.0, due - self.clock()))
            now = max(due, self.clock() - self.catch_up)
        return now

    def _forget_idle(self) -> None:
        now = self.clock()
        for key, log in list(self._conversations.items()):
            idle = not log.times or log.times[-1] <= now - log.longest * self.margin
            if idle and not log.lock.locked() and log.paused_until <= now:
                del self._conversations[key]


@dataclass
class Backoff:
    """Exponential back-off with full jitter, at least ``Retry-After`` when the server says so."""

    base: float = 0.5
    cap: float = 30.0
    attempts: int = 6
    rand: Callable[[], float] = random.random

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        ceiling = min(self.cap, self.base * 2**attempt)
        jittered = ceiling * (0.5 + 0.5 * self.rand())
        if retry_after is not None:
            return retry_after + min(1.0, 0.1 * retry_after + 0.05) * self.rand()
        return jittered


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (only the delta-seconds form is used by Bot Framework)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None
