"""Replies first: while invitations go out at the workspace's limit, a person who answers
hears back at once, after their own earlier messages and ahead of everybody else's."""

from __future__ import annotations

import asyncio

from bot.testing.fake_slack import FakeSlack
from tests.slack.world import CHANNEL, World, people

MEMBERS = 120


async def _until(condition: object, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


def _invited(fake: FakeSlack, users: list[str]) -> int:
    return sum(1 for u in users if fake.private(u))


async def test_a_confirmation_overtakes_the_fan_out_but_not_the_persons_own_invitation(
    world: World, fake: FakeSlack
) -> None:
    users = people(fake, MEMBERS)
    fake.limit(20, burst=2, channel_interval=0.05)
    await world.boot(SLACK_WORKSPACE_RATE=10, SLACK_WORKSPACE_RATE_MAX=20)
    await world.command("UHOST", 'start --theme "Voorrang" --min 3')
    first = users[0]
    await _until(lambda: fake.private(first))

    await world.dm(first, "kiem")
    await _until(lambda: len(fake.private(first)) == 2)
    # The confirmation (and the next prompt) came while most invitations still waited.
    assert _invited(fake, users) < MEMBERS // 2

    # Someone whose invitation has not gone out yet asks for help: their invitation goes
    # first (nothing is reordered for one person), the answer right after it.
    last = users[-1]
    assert not fake.private(last)
    await world.dm(last, "help")
    await _until(lambda: len(fake.private(last)) == 2)
    invitation, answer = fake.private(last)
    order = fake.messages.index
    assert order(invitation) < order(answer) <= order(invitation) + 3
    assert "Voorrang" in invitation.text + str(invitation.blocks)
    assert "Voorrang" not in answer.text + str(answer.blocks)

    await world.settle()
    assert _invited(fake, users) == MEMBERS
    keys = fake.delivery_keys()
    assert all(n == 1 for n in keys.values()), "nothing was sent twice"
    assert fake.posts(CHANNEL)
