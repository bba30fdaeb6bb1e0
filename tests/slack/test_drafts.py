"""The host's review on Slack, through the real bolt stack with signed requests: `close` sends
the draft to the host's private chat; its buttons rename a theme (in a form), remove a quote
and publish; a forged press by anyone else is refused and changes nothing."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.testing.fake_slack import FakeSlack, Message
from storage.models import RoundRow
from tests.slack.world import CHANNEL, World, people, text_of

ANSWERS = [
    (
        "Ik ben buurtsportcoach en ik wil dat kinderen buiten spelen op het grasveld.",
        "Kinderen spelen weer buiten",
        "Een wijk waar kinderen veilig buiten spelen, elke dag.",
        "Het grasveld opknappen, de gemeente en de buurtsportcoach samen.",
    ),
    (
        "We zijn buren geworden in deze wijk toen het speelveld dichtging.",
        "Buren vinden elkaar",
        "Een wijk met een speelveld waar buren elkaar treffen.",
        "Een buurtfeest op het speelveld, bewoners organiseren het.",
    ),
    (
        "Als jonge boer ben ik bang dat het grasveld verdwijnt voor nieuwbouw.",
        "Grasveld blijft groen",
        "Een groene wijk met ruimte voor spelen en voor de boer.",
        "Bewoners praten mee over nieuwbouw, de gemeente nodigt uit.",
    ),
]


async def three_answer(world: World, fake: FakeSlack, start: str = "start --deadline 3d") -> None:
    users = people(fake, 3)
    await world.boot()
    await world.command("UHOST", start)
    await world.settle()
    for user, (story, headline, dream, idea) in zip(users, ANSWERS, strict=True):
        for text in ("knel", story, headline, "5", dream, idea):
            await world.dm(user, text)
        await world.settle()


def with_button(fake: FakeSlack, user: str, value: str) -> Message:
    """The newest private message to ``user`` with a button whose value is ``value``."""
    for message in reversed(fake.private(user)):
        for block in message.blocks:
            if any(e.get("value") == value for e in block.get("elements", [])):
                return message
    raise AssertionError(f"no message with a {value!r} button for {user}")


def quotes(message: Message) -> str:
    return "\n".join(
        b["text"]["text"]
        for b in message.blocks
        if b.get("type") == "section" and b["text"]["type"] == "plain_text"
    )


async def test_close_drafts_then_rename_in_a_form_remove_a_quote_and_publish(
    world: World, fake: FakeSlack
) -> None:
    await three_answer(world, fake)
    await world.command("UHOST", "close")
    await world.settle()
    posts = fake.posts(CHANNEL)
    assert "kijkt de samenvatting na" in text_of(posts[-1])
    assert "[1]" not in "".join(text_of(p) for p in posts), "no quote reached the channel yet"

    draft = with_button(fake, "UHOST", "publish")
    assert "Concept: De ronde is gesloten" in text_of(draft)
    labels = [
        e["text"]["text"] for b in draft.blocks if b.get("type") == "actions" for e in b["elements"]
    ]
    assert labels == ["Publiceer", "Hernoem thema", "Verwijder citaat", "Annuleer"]

    # Hernoem thema: a message with a button per theme; a theme's button opens a form.
    await world.press("UHOST", draft, "rename")
    await world.settle()
    form_message = fake.private("UHOST")[-1]
    entry = next(
        e
        for b in form_message.blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("dialoog_entry:")
    )
    assert json.loads(entry["value"])["ref"] == "1"
    views = len(fake.views)
    await world.press("UHOST", form_message, entry["value"])
    await world.settle()
    assert len(fake.views) == views + 1
    form = fake.views[-1]
    assert form["title"]["text"] == "Hernoem"
    status, _ = await world.submit("UHOST", form, {"text": "Spelen in het groen"})
    assert status == 200
    await world.settle()
    renamed = with_button(fake, "UHOST", "publish")
    assert "1. Spelen in het groen" in text_of(renamed)

    # Verwijder citaat: the quotes are listed with a button each.
    await world.press("UHOST", renamed, "remove")
    await world.settle()
    listing = with_button(fake, "UHOST", "1")
    first_quote = next(line for line in quotes(listing).splitlines() if line.startswith("[1] "))
    gone = first_quote[len("[1] ") :]
    await world.press("UHOST", listing, "1")
    await world.settle()
    edited = with_button(fake, "UHOST", "publish")
    assert gone not in quotes(edited)

    await world.press("UHOST", edited, "publish")
    await world.settle()
    published = "\n".join(text_of(m) for m in fake.posts(CHANNEL)[len(posts) :])
    assert "De ronde is gesloten: de oogst" in published
    assert "Spelen in het groen" in published
    assert gone not in published and "[1]" not in published
    assert "staat nu in het kanaal" in text_of(fake.private("UHOST")[-1])
    for dangerous in ("<!channel>", "<!here>", "<@U"):
        assert dangerous not in published
    assert not fake.rejected(), fake.rejected()


async def test_a_forged_press_by_another_member_is_refused_and_changes_nothing(
    world: World, fake: FakeSlack
) -> None:
    await three_answer(world, fake)
    await world.command("UHOST", "close")
    await world.settle()
    draft = with_button(fake, "UHOST", "publish")
    posts, updates = len(fake.posts(CHANNEL)), fake.count("chat.update")
    for value in ("publish", "discard", "remove", "rename"):
        await world.press("U0001", draft, value)  # the host's message, another member's press
        await world.settle()
        assert "Alleen de gespreksleider van deze ronde" in text_of(fake.private("U0001")[-1]), (
            value
        )
    await world.command("U0002", "publiceer")
    await world.settle()
    assert len(fake.posts(CHANNEL)) == posts, "nothing published"
    assert fake.count("chat.update") == updates, "the host's buttons were left alone"
    # The host's own draft is still there, untouched: publishing it works.
    await world.command("UHOST", "publiceer")
    await world.settle()
    assert "De ronde is gesloten: de oogst" in text_of(fake.posts(CHANNEL)[-1])


async def test_the_start_form_offers_direct_publishing_and_the_floor(
    world: World, fake: FakeSlack
) -> None:
    people(fake, 3)
    await world.boot(DIALOOG_MIN_RESPONDENTS=4)
    await world.command("UHOST", "start")
    await world.settle()
    view = fake.views[-1]
    threshold = next(b for b in view["blocks"] if b["block_id"] == "threshold")
    assert threshold["element"]["initial_value"] == "4" and "Minstens 4" in str(threshold)
    status, answer = await world.submit("UHOST", view, {"threshold": "3"})
    assert status == 200 and "4 of meer" in answer["errors"]["threshold"]
    assert fake.posts(CHANNEL) == [], "a threshold under the floor starts nothing"
    status, _ = await world.submit("UHOST", view, {"publish": "direct", "threshold": "4"})
    assert status == 200
    await world.settle()
    invitation = text_of(fake.private("U0001")[0])
    assert "minstens 4 mensen" in invitation, "the invitation states the real threshold"
    assert world.app is not None
    async with world.app.db.sessions() as session:
        row = await session.scalar(select(RoundRow))
    assert row is not None and row.publish == "direct" and row.min_respondents == 4
