"""DIALOOG_HOSTS=channel-managers on Teams: the team's owners (``userRole`` owner in the team
roster, asked through botbuilder's TeamsInfo against the fake connector) may start rounds; a
plain member gets the refusal in their personal chat and nothing is posted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.teams.teams_round import card_text
from tests.teams.test_round_fake_connector import CHANNEL, PEOPLE, Bot, running_bot


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    members = [
        {"id": u, "name": n, "userRole": "owner" if u == "29:chloe" else "user"}
        for u, n in PEOPLE.items()
    ]
    async with running_bot(tmp_path, members=members, DIALOOG_HOSTS="channel-managers") as driver:
        yield driver


async def test_only_team_owners_start_rounds(bot: Bot) -> None:
    assert await bot.in_channel("29:anna", 'start --theme "Samen"') in (200, 201)
    assert "beheerders van het kanaal" in card_text(bot.inbox("29:anna")[-1])
    assert bot.chat(CHANNEL) == []
    assert await bot.in_channel("29:chloe", 'start --theme "Samen"') in (200, 201)
    assert len(bot.chat(CHANNEL)) == 1
