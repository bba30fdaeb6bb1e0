"""Issue 18 on Slack, through the real bolt stack with signed requests: an exploratory round's
published themes come back to its host as buttons; one press starts the theme round in the
channel, whose invitation recaps the exploration; the form starts one with an opening story."""

from __future__ import annotations

import json

from bot.testing.fake_slack import FakeSlack, Message
from tests.core.test_series import EXPLORATION
from tests.slack.world import CHANNEL, World, people, text_of


def theme_offer(fake: FakeSlack, user: str) -> Message:
    for message in reversed(fake.private(user)):
        if "Start een themadialoog over" in json.dumps(message.blocks, ensure_ascii=False):
            return message
    raise AssertionError(f"no theme buttons for {user}")


def buttons(message: Message, prefix: str) -> list[dict[str, object]]:
    return [
        element
        for block in message.blocks
        if block.get("type") == "actions"
        for element in block["elements"]
        if str(element["text"]["text"]).startswith(prefix)
    ]


async def test_a_theme_button_starts_a_theme_round_with_one_press(
    world: World, fake: FakeSlack
) -> None:
    users = people(fake, 3)
    await world.boot()
    await world.command("UHOST", 'traject start "Samen in het dorp"')
    await world.command("UHOST", 'start verkenning --theme "Leven in het dorp"')
    await world.settle()
    for user, (topic, why) in zip(["UHOST", *users], EXPLORATION.values(), strict=True):
        await world.dm(user, topic)
        await world.dm(user, why)
        await world.settle()
    await world.command("UHOST", "close")
    await world.settle()
    for message in reversed(fake.private("UHOST")):
        if any(e.get("value") == "publish" for b in message.blocks for e in b.get("elements", [])):
            await world.press("UHOST", message, "publish")
            break
    await world.settle()
    published = text_of(fake.posts(CHANNEL)[-1])
    assert "Ronde 1 van het traject" in published

    offer = theme_offer(fake, "UHOST")
    for user in users:
        assert all("themadialoog" not in text_of(m) for m in fake.private(user))
    starts = buttons(offer, "Start een themadialoog over ")
    assert len(starts) >= 2
    label = str(starts[0]["text"]["text"])  # type: ignore[index]
    assert len(label) <= 75, "Slack's limit on a button's text"
    theme = label.removeprefix("Start een themadialoog over ")
    assert theme in published

    posts = len(fake.posts(CHANNEL))
    await world.press("UHOST", offer, str(starts[0]["value"]))
    await world.settle()
    assert len(fake.posts(CHANNEL)) == posts + 1
    assert theme in text_of(fake.posts(CHANNEL)[-1])
    assert "is gestart in het kanaal" in text_of(fake.private("UHOST")[-1])
    invitation = text_of(fake.private(users[1])[-1])
    assert theme in invitation and "Deze themadialoog komt uit de Verkenningsdialoog" in invitation
    assert "ronde 2 van het traject" in invitation

    # The form: pick the second theme and type an opening story (a Slack modal).
    entry = next(
        e
        for b in offer.blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("dialoog_entry:") and json.loads(e["value"])["ref"] == "2"
    )
    views = len(fake.views)
    await world.press("UHOST", offer, entry["value"])
    await world.settle()
    assert len(fake.views) == views + 1
    story = "Mijn dochter vond na drie jaar zoeken een huis, dankzij een buurman."
    status, _ = await world.submit("UHOST", fake.views[-1], {"text": story})
    assert status == 200
    await world.settle()
    assert len(fake.posts(CHANNEL)) == posts + 2
    second = text_of(fake.private(users[2])[-1])
    assert story in second and "ronde 3 van het traject" in second
    assert not fake.rejected(), fake.rejected()
