"""``dialoogbot bench slack`` on a small scale: a fan-out under a workspace limit the bot is
not told, SIGKILLed half-way and resumed by a new process, loses nothing and sends nothing
twice; the bot learns the limit (few 429s)."""

from __future__ import annotations

from benchmarks.slack import fanout
from bot.testing.fake_slack import SPEC_PARTS
from tests.conftest import shared_data


async def test_a_fan_out_killed_half_way_loses_nothing_and_sends_nothing_twice() -> None:
    spec = shared_data(*SPEC_PARTS)
    result = await fanout(120, 50.0, 0.0, None, spec, kill=True)
    assert result["delivered"] == 122
    assert result["lost"] == 0
    assert result["twice"] == 0
    assert result["restart_s"] > 0
    assert result["rate_limited"] < 20  # it found the limit, it did not lean on 429s
