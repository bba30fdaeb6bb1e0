"""Pacing to Teams' published limits and back-off, on a manual clock (nothing sleeps)."""

from __future__ import annotations

import itertools

from adapters.teams.pacing import TENANT_RATE, Backoff, Pacer
from bot.runtime.rates import Rates
from tests.clocks import ManualMonotonic


async def grant_times(
    pacer: Pacer, time: ManualMonotonic, n: int, conversation: str
) -> list[float]:
    times = []
    for _ in range(n):
        await pacer.acquire("tenant", conversation)
        times.append(time.now)
    return times


async def test_one_conversation_gets_seven_a_second_then_eight_per_two_seconds() -> None:
    time = ManualMonotonic()
    pacer = Pacer(margin=1.0, spread=False, clock=time.clock, sleep=time.sleep)
    times = await grant_times(pacer, time, 9, "a:chat")
    assert times[:7] == [0.0] * 7
    assert times[7] == 1.0  # the 8th waits for the 1 s window
    assert times[8] == 2.0  # the 9th for the 8-per-2 s window


async def test_sixty_per_thirty_seconds_in_one_conversation() -> None:
    time = ManualMonotonic()
    pacer = Pacer(margin=1.0, spread=False, clock=time.clock, sleep=time.sleep)
    times = await grant_times(pacer, time, 61, "19:channel")
    assert times[59] < 30.0
    assert times[60] >= 30.0


async def test_fifty_a_second_per_tenant_over_many_conversations() -> None:
    time = ManualMonotonic()
    pacer = Pacer(margin=1.0, spread=False, clock=time.clock, sleep=time.sleep)
    times = []
    for n in range(101):
        await pacer.acquire("tenant", f"a:chat-{n}")
        times.append(time.now)
    assert times[49] == 0.0 and times[50] == 1.0 and times[100] == 2.0


async def test_a_paused_conversation_waits_out_the_retry_after() -> None:
    time = ManualMonotonic()
    pacer = Pacer(margin=1.0, spread=False, clock=time.clock, sleep=time.sleep)
    await pacer.acquire("tenant", "a:chat")
    pacer.pause("tenant", "a:chat", 5.0)
    await pacer.acquire("tenant", "a:chat")
    assert time.now == 5.0


def test_backoff_grows_with_jitter_and_never_undercuts_retry_after() -> None:
    low = Backoff(base=0.5, cap=30.0, rand=lambda: 0.0)
    high = Backoff(base=0.5, cap=30.0, rand=lambda: 1.0)
    assert [low.delay(n, None) for n in range(4)] == [0.25, 0.5, 1.0, 2.0]
    assert [high.delay(n, None) for n in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert high.delay(10, None) == 30.0
    assert low.delay(0, 7.0) == 7.0 and 7.0 < high.delay(0, 7.0) <= 8.0


async def test_spread_spaces_a_tenants_requests_evenly() -> None:
    time = ManualMonotonic()
    pacer = Pacer(margin=1.0, clock=time.clock, sleep=time.sleep)
    times = []
    for n in range(51):
        await pacer.acquire("tenant", f"a:chat-{n}")
        times.append(time.now)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(abs(gap - 0.02) < 1e-9 for gap in gaps)


async def test_a_tenant_that_answers_429_is_paced_slower_and_recovers() -> None:
    """The tenant's rate is learned: a 429 lowers it below the published 50/s, successes
    bring it back, and the per-conversation windows never loosen."""
    time = ManualMonotonic()
    rates = Rates("teams", TENANT_RATE, TENANT_RATE, clock=time.clock)
    pacer = Pacer(margin=1.0, clock=time.clock, sleep=time.sleep, rates=rates)

    async def second_of_grants() -> int:
        start, n = time.now, 0
        while time.now - start < 1.0:
            await pacer.acquire("tenant", f"a:chat-{n}")
            pacer.succeeded("tenant")
            n += 1
        return n

    assert await second_of_grants() >= 49
    pacer.pause("tenant", None, 0.0)  # a 429 after a busy second
    slower = await second_of_grants()
    assert slower < 49
    for _ in range(30):
        await second_of_grants()
    assert await second_of_grants() > slower
    rate = await rates.get("tenant")
    assert rate.rate <= TENANT_RATE
    times = await grant_times(pacer, time, 9, "a:one-chat")
    assert times[8] - times[0] >= 2.0  # 8 per 2 s in one conversation, whatever the tenant
