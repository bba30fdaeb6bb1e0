"""The pacer spreads posts: one per channel interval, the workspace rate, pauses on 429."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.slack.pacing import MARGIN, Pacer
from adapters.slack.settings import SlackSettings
from adapters.slack.wiring import build
from bot.core.prompts import Catalog
from bot.core.templates import Templates
from bot.support.settings import SettingsError
from tests.clocks import ManualMonotonic
from tests.conftest import make_settings


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


def test_the_workspace_rate_is_a_setting(tmp_path: Path) -> None:
    """A workspace that allows more (or less) than the careful default of 10/s."""
    settings = make_settings(
        tmp_path, SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="s", SLACK_WORKSPACE_RATE=25
    )
    adapter = build(settings, _never, Catalog.load(), Templates.load())
    assert adapter.platform.pacer("T1").interval == pytest.approx(1 / (25 * MARGIN))
    with pytest.raises(SettingsError, match=r"^SLACK_WORKSPACE_RATE: .*greater than 0"):
        make_settings(tmp_path, SLACK_WORKSPACE_RATE=0).load(SlackSettings)


async def _never(_: object) -> None:
    raise AssertionError("nothing is handled here")
