"""Fixtures: a running fake Slack API and a dialoogbot wired to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.slack.fake_slack import FakeSlack
from tests.slack.world import World


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack(page_size=3)  # small pages so pagination is exercised
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def world(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[World]:
    w = World(fake, tmp_path)
    yield w
    await w.shutdown()
