"""Socket Mode: with SLACK_APP_TOKEN the bot connects to Slack itself; no public URL."""

from __future__ import annotations

import asyncio

from bot.testing.fake_slack import APP_TOKEN, TEAM, FakeSlack, message_event
from tests.slack.world import CHANNEL, World, people


async def _until(condition: object, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def test_a_round_starts_and_an_answer_arrives_over_socket_mode(
    world: World, fake: FakeSlack
) -> None:
    users = people(fake, 3)
    await world.boot(SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET=None)
    await _until(lambda: fake.sockets)
    command = {
        "team_id": TEAM,
        "channel_id": CHANNEL,
        "user_id": "UHOST",
        "user_name": "hanna",
        "command": "/dialoog",
        "text": 'start --theme "Over de socket"',
        "trigger_id": "trigger.socket",
    }
    envelope = await fake.push("slash_commands", command)
    await _until(lambda: envelope in fake.socket_acks)
    await _until(lambda: all(fake.private(u) for u in users))
    await world.settle()

    answer = await fake.push("events_api", message_event(users[0], "kiem", "EvSocket1"))
    await _until(lambda: answer in fake.socket_acks)
    await _until(lambda: len(fake.private(users[0])) == 2)
    assert "Over de socket" in fake.posts(CHANNEL)[0].text
    assert not fake.rejected()
