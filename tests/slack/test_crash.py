"""Nothing lost after an acknowledgement (issue 14): 200 people answer at once through a real
``dialoogbot serve`` process, which crashes in the middle (SIGKILL), is stopped (SIGTERM), or
loses its PostgreSQL server for a moment (fast and immediate shutdown, on a server of the test's
own). Slack then re-sends only what was not acknowledged. Every acknowledged answer is stored
exactly once, and every stored answer confirmed exactly once."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.testing.fake_slack import SPEC_PARTS, FakeSlack
from tests.conftest import (
    shared_data,
)
from tests.slack.crash import OwnPostgres, Scenario, bot_crash, database_restart

PEOPLE = 200


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack(shared_data(*SPEC_PARTS), page_size=100)
    await server.start()
    yield server
    await server.stop()


# database_url: the sqlite/postgres fixture of tests/slack/conftest.py


def report(outcome_summary: dict[str, object]) -> str:
    line = json.dumps(outcome_summary)
    print(f"\ncrash run: {line}")
    return line


@pytest.mark.parametrize("how", ["kill", "term"])
async def test_a_crash_mid_burst_loses_no_acknowledged_answer(
    tmp_path: Path, fake: FakeSlack, database_url: str, how: str
) -> None:
    scenario = Scenario(tmp_path, fake, database_url, PEOPLE)
    try:
        outcome = await bot_crash(scenario, how, seed=random.randrange(1 << 30))
    finally:
        await scenario.close()
    line = report(outcome.summary())
    assert 0 < len(outcome.acknowledged_first) < PEOPLE or how == "term", line
    outcome.check()


@pytest.fixture
def own_postgres() -> AsyncIterator[OwnPostgres]:
    server = OwnPostgres()
    server.start()
    yield server
    server.remove()


@pytest.mark.parametrize("mode", ["fast", "immediate"])
async def test_a_database_restart_mid_burst_loses_no_acknowledged_answer(
    tmp_path: Path, fake: FakeSlack, own_postgres: OwnPostgres, mode: str
) -> None:
    scenario = Scenario(tmp_path, fake, own_postgres.url, PEOPLE)
    try:
        outcome = await database_restart(scenario, own_postgres, mode, random.randrange(1 << 30))
    finally:
        await scenario.close()
    line = report(outcome.summary())
    assert len(outcome.acknowledged_first) < PEOPLE, f"the restart came after the burst: {line}"
    outcome.check()
