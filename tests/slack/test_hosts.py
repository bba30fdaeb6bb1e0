"""DIALOOG_HOSTS=channel-managers on Slack: workspace admins and owners and the channel's creator
may start rounds (as users.info and conversations.info report them); a plain member gets a
private (ephemeral) refusal and nothing is posted."""

from __future__ import annotations

from bot.testing.fake_slack import FakeSlack
from tests.slack.world import CHANNEL, World, people, text_of


async def test_only_channel_managers_start_rounds(world: World, fake: FakeSlack) -> None:
    await world.boot(DIALOOG_HOSTS="channel-managers")
    users = people(fake, 3)  # UHOST created the channel
    fake.add_user("UADMIN", "Ada Admin", is_admin=True)
    fake.channels[CHANNEL].append("UADMIN")

    await world.command(users[0], 'start --theme "Samen"')
    await world.settle()
    refusal = [m for m in fake.ephemeral if "beheerders van het kanaal" in text_of(m)]
    assert refusal and fake.posts(CHANNEL) == []
    assert fake.count("users.info") >= 1 and fake.count("conversations.info") >= 1

    await world.command("UADMIN", 'start --theme "Samen"')
    await world.settle()
    assert len(fake.posts(CHANNEL)) == 1
    await world.command("UADMIN", "close")
    await world.settle()

    before = len(fake.posts(CHANNEL))
    await world.command("UHOST", 'start --theme "Nog eens"')  # the channel's creator
    await world.settle()
    assert any("Nog eens" in text_of(m) for m in fake.posts(CHANNEL)[before:])
