"""The pacer spreads posts: one per channel interval, the workspace rate, pauses on 429."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest

from adapters.slack.pacing import MARGIN, Pacer
from adapters.slack.settings import SlackSettings
from adapters.slack.wiring import build
from bot.core.prompts import Catalog
from bot.core.templates import Templates
from bot.runtime.rates import AdaptiveRate
from bot.support.settings import SettingsError
from tests.clocks import ManualMonotonic
from tests.conftest import make_settings


async def test_the_workspace_rate_spreads_posts_to_different_people() -> None:
    t = ManualMonotonic()
    pacer = Pacer(10, clock=t.clock, sleep=t.sleep)
    for n in range(20):
        await pacer.acquire(f"U{n}")
    assert (
        abs(t.now - 1.9 / MARGIN) < 1e-9
    )  # 20 posts at 10/s (less the margin): the last leaves at 1.9 s


async def test_one_channel_gets_one_post_per_second() -> None:
    t = ManualMonotonic()
    pacer = Pacer(100, clock=t.clock, sleep=t.sleep)
    for _ in range(3):
        await pacer.acquire("C1")
    assert abs(t.now - 2.0 / MARGIN) < 1e-9


async def test_a_pause_holds_everyone_back() -> None:
    t = ManualMonotonic()
    pacer = Pacer(100, clock=t.clock, sleep=t.sleep)
    await pacer.acquire("U1")
    pacer.pause(5)
    await pacer.acquire("U2")
    assert t.now >= 5


async def test_the_workspace_rate_is_where_a_new_workspace_starts(tmp_path: Path) -> None:
    """SLACK_WORKSPACE_RATE is the starting point, SLACK_WORKSPACE_RATE_MAX the ceiling."""
    settings = make_settings(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
        SLACK_WORKSPACE_RATE=25,
        SLACK_WORKSPACE_RATE_MAX=40,
    )
    adapter = build(settings, _never, Catalog.load(), Templates.load())
    pacer = await adapter.platform.pacer("T1")
    assert pacer.interval == pytest.approx(1 / 25)
    assert pacer.rate.ceiling == 40
    # a rate learned below the ceiling is used as it is (it has its own margin under the
    # limit that drew the 429); the ceiling, which nobody measured, keeps a margin
    pacer.rate.rate = 40
    assert pacer.interval == pytest.approx(1 / (40 * MARGIN))
    with pytest.raises(SettingsError, match=r"^SLACK_WORKSPACE_RATE: .*greater than 0"):
        make_settings(tmp_path, SLACK_WORKSPACE_RATE=0).load(SlackSettings)


async def test_a_reply_goes_ahead_of_the_fan_out_waiting_in_line() -> None:
    """Forty invitations queue at 10/s; a confirmation asked for after them takes the next
    slot (at most two slots' wait), not the forty-first."""
    t = ManualMonotonic()
    pacer = Pacer(10, clock=t.clock, sleep=t.sleep)
    order: list[str] = []

    async def post(channel: str, urgent: bool) -> None:
        await pacer.acquire(channel, urgent)
        order.append(channel)

    bulk = [asyncio.create_task(post(f"U{n}", False)) for n in range(40)]
    await asyncio.sleep(0)
    reply = asyncio.create_task(post("UREPLY", True))
    await asyncio.gather(*bulk, reply)
    assert order.index("UREPLY") <= 2
    # the fan-out keeps its own order
    assert [c for c in order if c != "UREPLY"] == [f"U{n}" for n in range(40)]


async def test_the_rate_rises_while_posts_succeed_and_drops_on_a_429() -> None:
    t = ManualMonotonic()
    rate = AdaptiveRate(10, 200, clock=t.clock)
    pacer = Pacer(rate, clock=t.clock, sleep=t.sleep)
    for n in range(100):
        await pacer.acquire(f"U{n}")
        rate.succeeded()
    risen = rate.rate
    assert risen > 100  # slow start: many times the starting rate within seconds
    pacer.pause(1.0)
    assert rate.limited_at is not None and rate.rate < rate.limited_at <= risen


async def _never(_: object) -> None:
    raise AssertionError("nothing is handled here")


async def test_after_a_pause_posts_are_spaced_again_not_sent_in_a_burst() -> None:
    """Overdue posts after a 429's pause would draw the next 429 at once."""
    t = ManualMonotonic()
    pacer = Pacer(10, clock=t.clock, sleep=t.sleep)
    await pacer.acquire("U0")
    pacer.pause(1.0)
    times = []
    for n in range(1, 4):
        await pacer.acquire(f"U{n}")
        times.append(t.now)
    assert times[0] >= 1.0
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.1 - 1e-9
