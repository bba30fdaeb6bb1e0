"""Prepare, then apply: a slow roster or synthesizer never holds the write lock that
people's answers wait for, and a summary prepared before the transaction is used only when
the answers are still the same, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.messages import Incoming
from bot.core.port import Member
from bot.core.summary import Summary, SynthesisRequest
from bot.runtime.app import App
from bot.synthesis import OfflineSynthesizer
from bot.testing import LocalDriver, LocalPlatform, ManualClock
from tests.conftest import (
    drop_postgres_database,
    fresh_postgres_database,
    make_settings,
    postgres_url_or_skip,
)
from tests.core.conversation import (
    CHANNEL,
    HOST,
    PEOPLE,
    answer_all,
    publish,
    setup_channel,
)

ROSTER_SECONDS = 3.0


class SlowRoster(LocalPlatform):
    """A platform whose channel roster takes seconds (Slack pages through ``users.list``)."""

    slow = False
    calls = 0

    async def list_members(self, workspace: str, channel_id: str) -> list[Member]:
        self.calls += 1
        if self.slow:
            await asyncio.sleep(ROSTER_SECONDS)
        return await super().list_members(workspace, channel_id)


class SlowSynthesizer:
    """The offline synthesizer, after a pause in which people can still answer."""

    def __init__(self) -> None:
        self.requests: list[SynthesisRequest] = []
        self.pause = 0.0
        self.started = asyncio.Event()

    async def synthesize(self, request: SynthesisRequest) -> Summary:
        self.requests.append(request)
        self.started.set()
        await asyncio.sleep(self.pause)
        return await OfflineSynthesizer().synthesize(request)


@pytest.fixture(params=["sqlite", "postgres"])
async def slow(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[LocalDriver, SlowRoster, SlowSynthesizer]]:
    base = postgres_url_or_skip() if request.param == "postgres" else None
    url = await fresh_postgres_database(base) if base else None
    synthesizer = SlowSynthesizer()
    app = await App.create(
        make_settings(tmp_path, url), clock=ManualClock(), synthesizer=synthesizer
    )
    platform = SlowRoster()
    app.add_platform(platform)
    yield LocalDriver(app, platform), platform, synthesizer
    await app.stop()
    if base and url:
        await drop_postgres_database(base, url)


def channel_command(local: LocalDriver, text: str) -> Incoming:
    return Incoming("local", "local", HOST, text, CHANNEL)


async def test_an_answer_is_confirmed_while_a_host_command_waits_for_a_slow_roster(
    slow: tuple[LocalDriver, SlowRoster, SlowSynthesizer],
) -> None:
    local, platform, _ = slow
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    participant = "U02BRAM"
    await local.say(participant, "knel")
    platform.slow = True
    host = asyncio.create_task(local.app.handle(channel_command(local, "remind")))
    await asyncio.sleep(0.1)
    began = time.monotonic()
    reply = await local.say(participant, "Het buurthuis ging dicht en niemand wist waarheen.")
    waited = time.monotonic() - began
    assert "krantenkop" in reply.fallback.casefold(), "the next question came back"
    assert waited < 0.2, f"the answer waited {waited:.2f} s behind the roster"
    assert not host.done(), "the host command is still waiting for its roster"
    await host
    await local.app.dispatcher.drain()
    assert "herinnering" in local.inbox(HOST)[-1].fallback.casefold()


async def test_a_summary_prepared_before_an_answer_arrived_is_made_again(
    slow: tuple[LocalDriver, SlowRoster, SlowSynthesizer],
) -> None:
    local, _, synthesizer = slow
    setup_channel(local)
    await local.command(HOST, CHANNEL, "start")
    people = list(PEOPLE)
    for n, user in enumerate(people[:3], start=1):
        await answer_all(local, user, n)
    synthesizer.pause = 0.5
    close = asyncio.create_task(local.app.handle(channel_command(local, "close")))
    await synthesizer.started.wait()
    await answer_all(local, people[3], 4)  # arrives while the first summary is being made
    await close
    await local.app.dispatcher.drain()
    await publish(local)
    final = local.channel(CHANNEL)[-1].fallback
    assert "4 deelnemers" in final, "the late answers are in the final summary"
    assert len(synthesizer.requests) >= 2, "the summary was made again"
    assert synthesizer.requests[0] != synthesizer.requests[-1]
