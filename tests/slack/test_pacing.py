"""The pacer spreads posts: one per channel interval, the workspace rate, pauses on 429."""

from __future__ import annotations

from adapters.slack.pacing import MARGIN, Pacer
from tests.clocks import ManualMonotonic


async def test_the_workspace_rate_spreads_posts_to_different_people() -> None:
    t = ManualMonotonic()
    pacer = Pacer(workspace_rate=10, clock=t.clock, sleep=t.sleep)
    for n in range(20):
        await pacer.acquire(f"U{n}")
    assert (
        abs(t.now - 1.9 / MARGIN) < 1e-9
    )  # 20 posts at 10/s (less the margin): the last leaves at 1.9 s


async def test_one_channel_gets_one_post_per_second() -> None:
    t = ManualMonotonic()
    pacer = Pacer(workspace_rate=100, clock=t.clock, sleep=t.sleep)
    for _ in range(3):
        await pacer.acquire("C1")
    assert abs(t.now - 2.0 / MARGIN) < 1e-9


async def test_a_pause_holds_everyone_back() -> None:
    t = ManualMonotonic()
    pacer = Pacer(workspace_rate=100, clock=t.clock, sleep=t.sleep)
    await pacer.acquire("U1")
    pacer.pause(5)
    await pacer.acquire("U2")
    assert t.now >= 5
