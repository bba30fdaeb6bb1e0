"""Send rates that find a platform's real limit instead of guessing it, and remember it.

Slack publishes no workspace-wide figure for ``chat.postMessage`` and Teams throttles a tenant
by what it sees, so each workspace (tenant) gets an :class:`AdaptiveRate`: additive increase,
multiplicative decrease, as TCP congestion control does, with a slow start while no limit has
been met yet. A 429 costs everyone in the workspace a whole ``Retry-After`` pause, so once the
limit is known the rate stays just under it and probes above it only slowly.

:class:`Rates` keeps one per scope and stores what it learned in ``learned_rates``: a restart,
or another process on the same PostgreSQL database, starts at the learned rate.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import deque
from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from storage.database import Database
from storage.models import LearnedRateRow

log = logging.getLogger(__name__)

# Slow start: each success adds this many posts per second (the rate grows e^4 ≈ 55× a second
# while it is used): from 10/s, a workspace that takes 100/s is reached in about half a second,
# which in a fan-out of a thousand is most of what the ramp costs.
SLOW_START_GAIN = 4.0
# A 429 sets the limit at what the platform accepted over the last WINDOW seconds of sending
# (gaps longer than GAP, such as a Retry-After pause, left out), or at the rate that drew it
# when that is less: that rate says little, as answers come back late, so a slow start
# overshoots, and so does a rate resumed after a pause with the burst allowance refilled.
# Too few accepted to measure: the rate halves (TCP's answer to a loss).
WINDOW = 0.5
GAP = 0.1
# A platform that counts requests in a sliding window (Teams: a tenant's requests per second)
# lets a burst through at whatever rate it comes, then refuses everything until the window has
# moved on while the sender goes on with other conversations: measured as above, the refusals
# left out as gaps, the burst looks like the limit (50/s into a tenant that takes 20/s measured
# 45/s). Such a platform only says 429 while its window is full, so what went through in the
# last window before the 429 *is* its limit, however the sending went: that is the measure.
HISTORY = 4096  # successes remembered for that measure
# Then: down to DECREASE of that limit; back up to NEAR of it quickly (RECOVER of the gap per
# second), and above that probing slowly (PROBE of the limit per second), as TCP CUBIC does.
DECREASE = 0.97
NEAR = 0.97
RECOVER = 0.5
PROBE = 0.001
# The probe grows with the square of the time since the last 429 (so the rate climbs as a
# cubic, like CUBIC's): a right limit is probed gently for half a minute (a 429 costs a whole
# Retry-After second), one that was underestimated is found again within a minute.
CONVEX = 20.0
QUIET = 1.0  # 429s within this many seconds of a decrease are the same excess
SAVE_EVERY = 2.0  # seconds between writes of one scope's rate


class AdaptiveRate:
    """The current rate for one scope, in requests per second, between ``floor`` and
    ``ceiling``. ``limited_at`` is the rate that last drew a 429 (None: none yet). ``window``:
    the platform counts requests in a sliding window of that many seconds (None: it does not
    say, as Slack does not)."""

    def __init__(
        self,
        start: float,
        ceiling: float,
        floor: float = 0.5,
        limited_at: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        window: float | None = None,
    ) -> None:
        self.ceiling = ceiling
        self.floor = min(floor, ceiling)
        self.rate = min(ceiling, max(self.floor, start))
        self.limited_at = limited_at
        self.window = window
        self._clock = clock
        self._recent: deque[float] = deque(maxlen=HISTORY)
        self._quiet_until = 0.0
        self._doubted = -1e9
        self._lowered = clock()

    @property
    def slow_start(self) -> bool:
        return self.limited_at is None

    def succeeded(self) -> bool:
        """One request went through; True when the rate changed. The rate only rises while
        it is used: a success long after the previous one says nothing about the limit."""
        now = self._clock()
        busy = bool(self._recent) and now - self._recent[-1] < 2.0 / self.rate
        self._recent.append(now)
        if not busy or self.rate >= self.ceiling:
            return False
        if self.limited_at is None:
            self.rate += SLOW_START_GAIN
        else:
            probe = PROBE * self.limited_at * (1 + ((now - self._lowered) / CONVEX) ** 2)
            per_second = probe + RECOVER * max(0.0, NEAR * self.limited_at - self.rate)
            self.rate += per_second / self.rate
        self.rate = min(self.rate, self.ceiling)
        return True

    def accepted(self) -> float | None:
        """Requests per second that went through over the last ``WINDOW`` seconds of sending:
        a gap longer than ``GAP`` and two intervals at the current rate (a pause, or nothing to
        send) is left out. With a sliding ``window``: how many went through in the last window,
        per second. None when too few went through to tell."""
        if self.window is not None:
            since = self._clock() - self.window
            through = 0
            for at in reversed(self._recent):
                if at <= since:
                    break
                through += 1
            return through / self.window if through else None
        spent = 0.0
        gaps = 0
        longest = max(GAP, 2.0 / self.rate)  # a longer gap was a pause, or nothing to send
        later: float | None = None
        for at in reversed(self._recent):
            if later is not None and later - at <= longest:
                spent += later - at
                gaps += 1
                if spent >= WINDOW and gaps >= 4:
                    break
            later = at
        if gaps < 4 or spent <= 0:
            return None
        return gaps / spent

    def limited(self) -> bool:
        """The platform said 429: slow down (once per excess). True when the rate changed."""
        now = self._clock()
        if now < self._quiet_until:
            return False
        self._quiet_until = now + QUIET
        busy = sum(1 for at in self._recent if at > now - 1.0) >= 3
        if not busy and now - self._doubted > 10.0:
            # A 429 after a quiet spell says a burst was too big, not that the rate is: it
            # counts only when another comes soon after.
            self._doubted = now
            return False
        measured = self.accepted()
        if measured is None:
            # Too few went through since the last pause to tell: far too fast. Halve, as TCP
            # does on a loss; the rate that drew the 429 stays the limit to come back to.
            self.limited_at = self.rate
            self.rate = max(self.floor, self.rate / 2)
        else:
            limit = max(self.floor, min(self.rate, max(self.rate / 2, measured)))
            self.limited_at = limit
            self.rate = max(self.floor, limit * DECREASE)
        self._lowered = now
        return True


class Rates:
    """One :class:`AdaptiveRate` per workspace or tenant of ``platform``, stored in the
    database (``db`` None: kept in memory only). ``window``: the platform's sliding window
    (seconds), if it counts requests in one."""

    def __init__(
        self,
        platform: str,
        start: float,
        ceiling: float,
        db: Database | None = None,
        floor: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        window: float | None = None,
    ) -> None:
        self.platform = platform
        self.window = window
        self.start = min(start, ceiling)
        self.ceiling = ceiling
        self.floor = floor
        self.db = db
        self._clock = clock
        self._rates: dict[str, AdaptiveRate] = {}
        self._loading: dict[str, asyncio.Future[AdaptiveRate]] = {}
        self._saved: dict[str, float] = {}
        self._saving: set[asyncio.Task[None]] = set()

    def cached(self, scope: str) -> AdaptiveRate | None:
        return self._rates.get(scope)

    async def get(self, scope: str) -> AdaptiveRate:
        """The scope's rate, loaded from the database the first time it is asked for."""
        if scope in self._rates:
            return self._rates[scope]
        if scope in self._loading:
            return await self._loading[scope]
        future: asyncio.Future[AdaptiveRate] = asyncio.get_running_loop().create_future()
        self._loading[scope] = future
        try:
            stored = await self._load(scope)
            if stored is None:
                rate = AdaptiveRate(
                    self.start, self.ceiling, self.floor, clock=self._clock, window=self.window
                )
            else:
                rate = AdaptiveRate(
                    stored.rate,
                    self.ceiling,
                    self.floor,
                    stored.limited_at,
                    clock=self._clock,
                    window=self.window,
                )
            self._rates[scope] = rate
            future.set_result(rate)
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: whoever awaits it sees it too
            raise
        finally:
            del self._loading[scope]
        return rate

    def succeeded(self, scope: str) -> None:
        rate = self._rates.get(scope)
        if rate is not None and rate.succeeded():
            self._changed(scope, rate, urgent=False)

    def limited(self, scope: str) -> None:
        rate = self._rates.get(scope)
        if rate is not None and rate.limited():
            log.info("%s %s: rate limited; now %.1f requests/s", self.platform, scope, rate.rate)
            self._changed(scope, rate, urgent=True)

    def _changed(self, scope: str, rate: AdaptiveRate, urgent: bool) -> None:
        if self.db is None:
            return
        now = self._clock()
        if not urgent and now - self._saved.get(scope, -SAVE_EVERY) < SAVE_EVERY:
            return
        self._saved[scope] = now
        task = asyncio.get_running_loop().create_task(
            self._store(scope, rate.rate, rate.limited_at)
        )
        self._saving.add(task)
        task.add_done_callback(self._saving.discard)

    async def flush(self) -> None:
        """Store every scope's current rate and wait for writes under way (at shutdown)."""
        if self.db is None:
            return
        for scope, rate in list(self._rates.items()):
            await self._store(scope, rate.rate, rate.limited_at)
        if self._saving:
            await asyncio.gather(*self._saving, return_exceptions=True)

    async def _load(self, scope: str) -> LearnedRateRow | None:
        if self.db is None:
            return None
        try:
            async with self.db.sessions() as session:
                return await session.get(LearnedRateRow, (self.platform, scope))
        except Exception:
            log.warning("cannot read the learned rate of %s %s", self.platform, scope)
            return None

    async def _store(self, scope: str, rate: float, limited_at: float | None) -> None:
        assert self.db is not None
        values = {"rate": rate, "limited_at": limited_at, "updated": dt.datetime.now(dt.UTC)}
        key = (LearnedRateRow.platform == self.platform) & (LearnedRateRow.scope == scope)
        try:
            for _ in range(2):
                try:
                    async with self.db.writing() as session:
                        done = await session.execute(
                            update(LearnedRateRow).where(key).values(values)
                        )
                        if done.rowcount == 0:  # type: ignore[attr-defined]
                            row = LearnedRateRow(platform=self.platform, scope=scope, **values)
                            session.add(row)
                    return
                except IntegrityError:  # another process inserted it first: update theirs
                    continue
        except Exception:
            log.warning("cannot store the learned rate of %s %s", self.platform, scope)

    async def stored(self, scope: str) -> float | None:
        """The rate in the database for ``scope`` (for tests and the benchmarks)."""
        row = await self._load(scope)
        return row.rate if row is not None else None
