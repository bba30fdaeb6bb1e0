"""A summary is never lost because of the synthesiser: a round whose every answer is the same
closes with its summary, and when synthesis raises, a close (by the host or at the deadline)
still closes the round and posts the counts and every answer, logging only the error's type.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.core.summary import Summary, SynthesisRequest
from bot.runtime.app import App
from bot.support.settings import Settings
from bot.testing import LocalDriver, LocalPlatform, ManualClock
from storage.models import RoundRow
from tests.core.conversation import CHANNEL, HOST, PEOPLE, publish, setup_channel

SAME = "Geen idee eigenlijk"


class Broken:
    """A synthesizer that fails the way a bug or an LLM outage would, with the answers in
    its message (which must never reach the log)."""

    async def synthesize(self, request: SynthesisRequest) -> Summary:
        texts = " | ".join(a.text for a in request.answers)
        raise ValueError(f"Eigenvalues did not converge for {texts}")


@pytest.fixture
async def broken(settings: Settings, clock: ManualClock) -> AsyncIterator[LocalDriver]:
    app = await App.create(settings, clock=clock, synthesizer=Broken())
    platform = LocalPlatform()
    app.add_platform(platform)
    yield LocalDriver(app, platform)
    await app.stop()


async def answer_the_same(local: LocalDriver, user: str, n: int) -> None:
    await local.say(user, "knel")
    await local.say(user, f"{SAME}, verhaal {n}")
    await local.say(user, SAME)
    await local.say(user, "5")
    await local.say(user, SAME)
    await local.say(user, SAME)


async def status_and_keys(local: LocalDriver) -> tuple[str, int]:
    async with local.app.db.sessions() as session:
        status = await session.scalar(select(RoundRow.status))
    keys = len(local.app.keyring.key_files.round_ids())
    assert status is not None
    return status, keys


async def test_everyone_answering_the_same_closes_with_a_summary(local: LocalDriver) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    for n, user in enumerate(PEOPLE, start=1):
        await answer_the_same(local, user, n)
    await local.command(HOST, CHANNEL, "close")
    await publish(local)
    summary = local.channel(CHANNEL)[-1].fallback
    assert "4 deelnemers" in summary
    assert SAME in summary
    assert "zoals ze zijn gegeven" not in summary, "the real synthesizer did the work"
    assert await status_and_keys(local) == ("closed", 0)


async def test_a_failing_synthesizer_still_closes_and_lists_every_answer(
    broken: LocalDriver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    setup_channel(broken)
    await broken.command(HOST, CHANNEL, "start")
    for n, user in enumerate(PEOPLE, start=1):
        await answer_the_same(broken, user, n)
    reply = await broken.command(HOST, CHANNEL, "close")
    assert "gesloten" in reply.fallback
    await publish(broken)
    summary = broken.channel(CHANNEL)[-1].fallback
    assert "4 deelnemers" in summary
    assert "Knel: 4" in summary or "knel: 4" in summary
    for n in range(1, len(PEOPLE) + 1):
        assert f"{SAME}, verhaal {n}" in summary, "every story is listed"
    assert "zoals ze zijn gegeven" in summary
    assert await status_and_keys(broken) == ("closed", 0), "closed, key destroyed"
    logged = [r.getMessage() for r in caplog.records]
    assert any("synthesis failed (ValueError)" in line for line in logged)
    assert not any(SAME in line for line in logged), "no answer text in the log"


async def test_a_failing_synthesizer_at_the_deadline_still_posts(
    broken: LocalDriver, clock: ManualClock
) -> None:
    setup_channel(broken)
    await broken.command(HOST, CHANNEL, "start --deadline 1d --remind off")
    for n, user in enumerate(PEOPLE, start=1):
        await answer_the_same(broken, user, n)
    posts = len(broken.channel(CHANNEL))
    clock.advance(days=1, minutes=1)
    fired = await broken.app.scheduler.run_due()
    await broken.app.dispatcher.drain()
    assert len(fired) == 1 and fired[0].startswith("close:")
    final = broken.channel(CHANNEL)[posts:]
    assert len(final) == 1 and "kijkt de samenvatting na" in final[0].fallback
    await publish(broken)  # the deadline drafted the summary for its host
    final = broken.channel(CHANNEL)[posts:]
    assert len(final) == 2
    assert "4 deelnemers" in final[1].fallback
    assert f"{SAME}, verhaal 1" in final[1].fallback
    assert await status_and_keys(broken) == ("closed", 0)
