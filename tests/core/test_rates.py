"""Send rates find the platform's limit: they rise while calls succeed, drop on a 429, stay
within their ceiling, and what was learned is still there after a restart (and for another
process on the same PostgreSQL database)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.runtime.adapters import database
from bot.runtime.rates import AdaptiveRate, Rates
from storage.database import Database
from tests.clocks import ManualMonotonic
from tests.conftest import make_settings


@settings(max_examples=200, deadline=None)
@given(
    start=st.floats(0.1, 500),
    ceiling=st.floats(1, 500),
    events=st.lists(st.tuples(st.booleans(), st.floats(0, 3)), max_size=300),
)
def test_the_rate_stays_within_floor_and_ceiling_and_moves_the_right_way(
    start: float, ceiling: float, events: list[tuple[bool, float]]
) -> None:
    t = ManualMonotonic()
    rate = AdaptiveRate(start, ceiling, clock=t.clock)
    for ok, pause in events:
        t.now += pause
        before = rate.rate
        if ok:
            rate.succeeded()
            assert rate.rate >= before
        else:
            rate.limited()
            assert rate.rate <= before
        assert rate.floor <= rate.rate <= ceiling


def _send_at_limit(rate: AdaptiveRate, t: ManualMonotonic, limit: float, seconds: float) -> int:
    """Drive ``rate`` against a token bucket of ``limit``/s (a tenth of a second's burst);
    returns the number of 429s."""
    burst = tokens = max(1.0, limit / 10)
    last = t.now
    limited = 0
    paused = 0.0
    end = t.now + seconds
    while t.now < end:
        t.now = max(t.now + 1 / rate.rate, paused)
        tokens = min(burst, tokens + (t.now - last) * limit)
        last = t.now
        if tokens >= 1:
            tokens -= 1
            rate.succeeded()
        else:
            limited += 1
            rate.limited()
            paused = t.now + 1.0
    return limited


def test_from_the_careful_start_the_rate_finds_the_limit_and_stays_just_under_it() -> None:
    for limit in (20.0, 50.0, 100.0):
        t = ManualMonotonic()
        rate = AdaptiveRate(10, 200, clock=t.clock)
        _send_at_limit(rate, t, limit, 30)
        assert 0.8 * limit <= rate.rate <= 1.1 * limit, (limit, rate.rate)
        # once found, it is not lost again and again: few 429s in the next minute
        assert _send_at_limit(rate, t, limit, 60) <= 6


def test_a_rate_never_rises_when_it_is_not_used() -> None:
    """One post a minute says nothing about the limit."""
    t = ManualMonotonic()
    rate = AdaptiveRate(10, 200, clock=t.clock)
    for _ in range(50):
        t.now += 60
        rate.succeeded()
    assert rate.rate == 10


async def _db(tmp_path: Path, url: str | None = None) -> Database:
    db = database(make_settings(tmp_path, url))
    await db.upgrade()
    return db


async def _learn(rates: Rates, scope: str, t: ManualMonotonic, limit: float = 50) -> float:
    rate = await rates.get(scope)
    _send_at_limit(rate, t, limit, 20)
    await rates.flush()
    return rate.rate


async def test_the_learned_rate_survives_a_restart(tmp_path: Path) -> None:
    t = ManualMonotonic()
    db = await _db(tmp_path)
    first = Rates("slack", 10, 200, db, clock=t.clock)
    learned = await _learn(first, "T1", t)
    assert learned > 30
    await db.dispose()

    db = await _db(tmp_path)
    again = Rates("slack", 10, 200, db, clock=t.clock)
    rate = await again.get("T1")
    assert rate.rate == learned and not rate.slow_start
    assert (await again.get("T2")).rate == 10  # another workspace starts where it starts
    # a lower ceiling set since is still obeyed
    lower = Rates("slack", 10, 20, db, clock=t.clock)
    assert (await lower.get("T1")).rate == 20
    await db.dispose()


async def test_two_processes_on_postgres_share_the_learned_rate(
    pg_url: str, tmp_path: Path
) -> None:
    t = ManualMonotonic()
    one, two = await _db(tmp_path, pg_url), await _db(tmp_path, pg_url)
    try:
        learned = await _learn(Rates("teams", 50, 50, one, clock=t.clock), "tenant-1", t, 30)
        assert learned < 50  # the tenant allowed fewer than the published 50/s
        other = Rates("teams", 50, 50, two, clock=t.clock)
        assert (await other.get("tenant-1")).rate == learned
        # and both write the same row without tripping over each other
        await other.flush()
        await Rates("teams", 50, 50, one, clock=t.clock).flush()
        assert await other.stored("tenant-1") == learned
    finally:
        await one.dispose()
        await two.dispose()


def _bucket_run(
    rate: AdaptiveRate, t: ManualMonotonic, limit: float, burst: float, seconds: float
) -> tuple[int, int]:
    """Send as fast as ``rate`` allows for ``seconds`` against a token bucket of ``limit``/s
    with ``burst`` tokens, pausing a whole second after each 429 (Retry-After: 1, as Slack
    sends whole seconds); answers take 5 ms. Returns (accepted, 429s)."""
    tokens, last, paused = burst, t.now, 0.0
    accepted = refused = 0
    end = t.now + seconds
    sent = t.now
    while t.now < end:
        sent = max(sent + 1 / rate.rate, paused)
        t.now = sent + 0.005  # the answer arrives
        tokens = min(burst, tokens + (sent - last) * limit)
        last = sent
        if tokens >= 1:
            tokens -= 1
            accepted += 1
            rate.succeeded()
        else:
            refused += 1
            rate.limited()
            paused = t.now + 1.0
    return accepted, refused


@settings(max_examples=60, deadline=None)
@given(
    limit=st.floats(3, 150),
    burst_seconds=st.floats(0.05, 0.5),
    start=st.floats(1, 60),
)
def test_from_any_start_the_rate_converges_just_under_any_limit(
    limit: float, burst_seconds: float, start: float
) -> None:
    """Whatever the workspace allows (below the ceiling) and however big its bursts, within a
    minute the rate is near the limit, and over the next minute at least 85% of what the limit
    allows goes through, 429s and their pauses included. (Just above the limit is where the
    probe goes looking; a big burst allowance lets it go further before the 429 comes.)"""
    t = ManualMonotonic()
    rate = AdaptiveRate(start, 200, clock=t.clock)
    burst = max(1.0, limit * burst_seconds)
    _bucket_run(rate, t, limit, burst, 60)
    assert 0.8 * limit <= rate.rate <= 1.25 * limit, rate.rate
    accepted, refused = _bucket_run(rate, t, limit, burst, 60)
    assert accepted >= 0.85 * limit * 60
    assert refused <= 10


@settings(max_examples=100, deadline=None)
@given(limit=st.floats(3, 150), ceiling=st.floats(1, 200), floor=st.floats(0.1, 5))
def test_against_any_limit_the_rate_stays_between_floor_and_ceiling(
    limit: float, ceiling: float, floor: float
) -> None:
    t = ManualMonotonic()
    rate = AdaptiveRate(10, ceiling, floor, clock=t.clock)
    for _ in range(20):
        _bucket_run(rate, t, limit, max(1.0, limit / 10), 1)
        assert rate.floor <= rate.rate <= ceiling


def test_slow_start_reaches_ten_times_its_start_within_a_second() -> None:
    """A cold start at 10/s must reach a workspace that allows 100/s quickly: every second
    spent ramping up is most of a second lost in a fan-out of a thousand."""
    t = ManualMonotonic()
    rate = AdaptiveRate(10, 200, clock=t.clock)
    while t.now < 0.8:
        t.now += 1 / rate.rate
        rate.succeeded()
    assert rate.rate >= 100


def test_a_429_right_after_a_pause_lowers_the_rate_to_what_was_accepted() -> None:
    """Resumed after a Retry-After pause, a rate far too high draws a 429 within a few posts
    (the burst allowance refilled during the pause). The rate then drops to what went through
    while sending, the pause left out, not a few percent per 429, one 429 a second."""
    t = ManualMonotonic()
    rate = AdaptiveRate(40, 200, limited_at=42, clock=t.clock)
    for _ in range(20):  # half a second at the 40/s the platform accepted
        t.now += 1 / 40
        rate.succeeded()
    assert rate.limited()
    t.now += 1.0  # the pause
    for _ in range(3):
        t.now += 1 / 40
        rate.succeeded()
    t.now += 1.0
    lowered = rate.rate
    for _ in range(3):
        t.now += 0.01
        rate.succeeded()
    assert rate.limited()
    assert rate.rate <= 0.97 * 40 * 1.02, (lowered, rate.rate)
    assert rate.accepted() is not None and rate.accepted() == pytest.approx(40, rel=0.25)


def _sliding_run(
    rate: AdaptiveRate, t: ManualMonotonic, limit: int, seconds: float
) -> tuple[int, int]:
    """Send as fast as ``rate`` allows for ``seconds`` against a sliding window of ``limit``
    requests per second, as Teams counts a tenant's: a 429 holds back only its conversation,
    so the next request (to someone else) goes at the next slot all the same; answers take
    5 ms. Returns (accepted, 429s)."""
    window: list[float] = []
    accepted = refused = 0
    end = t.now + seconds
    sent = t.now
    while t.now < end:
        sent += 1 / rate.rate
        t.now = sent + 0.005
        window = [at for at in window if at > sent - 1.0]
        if len(window) < limit:
            window.append(sent)
            accepted += 1
            rate.succeeded()
        else:
            refused += 1
            rate.limited()
    return accepted, refused


@settings(max_examples=60, deadline=None)
@given(limit=st.integers(3, 49), start=st.floats(1, 50))
def test_against_a_sliding_window_the_rate_settles_just_under_it(limit: int, start: float) -> None:
    """A sliding window lets a burst through at whatever rate it comes, then refuses the rest
    of the second while the sender goes on with other conversations. Told the window, the rate
    counts that refused time as sending: it settles near the limit (not at the burst's rate),
    and over the next minute nearly everything goes through, with few 429s."""
    t = ManualMonotonic()
    rate = AdaptiveRate(start, 50, window=1.0, clock=t.clock)
    _sliding_run(rate, t, limit, 30)
    assert 0.8 * limit <= rate.rate <= 1.1 * limit, rate.rate
    accepted, refused = _sliding_run(rate, t, limit, 60)
    assert accepted >= 0.85 * limit * 60
    assert refused <= 0.05 * accepted
