"""Dot-voting and reactions to the harvest on Slack, through bolt with signed requests and
the fake Web API (issue 17): five people vote with buttons (one moves a dot, one's press is
delivered twice), the result is posted with the counts worked out by hand; the buttons stay
within Slack's limits; then reactions give consensus and divisive statements."""

from __future__ import annotations

import itertools
from typing import Any

from bot.testing.fake_slack import FakeSlack, Message
from tests.slack.world import CHANNEL, World, button_press, people, text_of

LIST = 'stem "Buurtbus" "Langer open bibliotheek" "Bankjes op het plein" --punten 3 --per-optie 2'


async def closed_round(world: World, fake: FakeSlack) -> list[str]:
    users = people(fake, 5)
    await world.boot()
    await world.command("UHOST", "start --deadline 3d")
    await world.settle()
    for n, user in enumerate(users, start=1):
        for text in (
            "knel",
            f"Ons wijkhuis ging dicht en niemand wist waarheen, verhaal {n}.",
            f"Het kan dus wel {n}",
            "5",
            f"Een buurthuis dat elke dag open is voor iedereen, droom {n}.",
            f"De gemeente opent de school na vieren, idee {n}.",
        ):
            await world.dm(user, text)
        await world.settle()
    await world.command("UHOST", "close")
    await world.settle()
    return users


def latest(fake: FakeSlack, user: str, key: str) -> Message:
    """The newest private message to ``user`` with a row of ``key`` buttons."""
    for message in reversed(fake.private(user)):
        if any(str(b.get("block_id", "")).startswith(f"dialoog|{key}|") for b in message.blocks):
            return message
    raise AssertionError(f"no {key} buttons for {user}")


_triggers = itertools.count(1)


def payload(
    user: str, message: Message, key: str, value: str, item: str = "", trigger: str = ""
) -> dict[str, Any]:
    """A press on the ``value`` button of the ``key`` row (of statement ``item``) of
    ``message``, as Slack sends it: the whole message comes along."""
    block = next(
        b
        for b in message.blocks
        if str(b.get("block_id", "")).startswith(f"dialoog|{key}|")
        and (not item or str(b["block_id"]).split("|")[2].endswith(f":{item}"))
        and any(e.get("value") == value for e in b["elements"])
    )
    element = next(e for e in block["elements"] if e.get("value") == value)
    return button_press(
        user, message, block, element, trigger or f"trigger.ballot.{next(_triggers)}"
    )


async def press(
    world: World, fake: FakeSlack, user: str, key: str, value: str, item: str = ""
) -> None:
    message = latest(fake, user, key)
    await world.interaction(payload(user, message, key, value, item))
    await world.settle()


async def test_five_vote_on_slack_and_the_result_has_the_right_counts(
    world: World, fake: FakeSlack
) -> None:
    anna, bram, carla, daan, eva = await closed_round(world, fake)
    await world.command("UHOST", LIST)
    await world.settle()
    assert "De 6 leden" in text_of(fake.posts(CHANNEL)[-1])
    for user, values in {anna: "112", bram: "123", carla: "33", eva: "13"}.items():
        for value in values:
            await press(world, fake, user, "vote_add", value)
    await press(world, fake, bram, "vote_remove", "3")
    await press(world, fake, bram, "vote_add", "2")
    # Daan's press is delivered twice with the same trigger: one dot.
    twice = payload(daan, latest(fake, daan, "vote_add"), "vote_add", "2", trigger="trigger.daan")
    await world.interaction(twice)
    await world.interaction(twice)
    await world.settle()
    assert "Geplaatst: 1 van je 3 stippen" in text_of(fake.private(daan)[-1])
    for user in (anna, bram, carla, daan, eva, "UHOST"):
        for message in fake.private(user):
            assert len(message.blocks) <= 50
            assert all(len(b.get("elements", [])) <= 25 for b in message.blocks)
    await world.command("UHOST", "sluit")
    await world.settle()
    assert "kijkt de uitslag na" in text_of(fake.posts(CHANNEL)[-1])
    await press(world, fake, "UHOST", "stage_result", "publish")  # the host's review
    result = text_of(fake.posts(CHANNEL)[-1])
    assert "5 mensen stemden" in result
    assert "1. (gedeeld) Buurtbus: 4 stippen, van 3 stemmers (60%)" in result
    assert "1. (gedeeld) Langer open bibliotheek: 4 stippen, van 3 stemmers (60%)" in result
    assert "3. Bankjes op het plein: 3 stippen, van 2 stemmers (40%)" in result
    for name in ("Anna", "Bram", "Carla", "Daan", "Eva", "Hanna", anna):
        assert name not in result


async def test_reactions_on_slack_give_consensus_and_divisive_statements(
    world: World, fake: FakeSlack
) -> None:
    users = await closed_round(world, fake)
    await world.command("UHOST", "publiceer")
    await world.settle()
    await world.command("UHOST", "feedback")
    await world.settle()
    first = latest(fake, users[0], "react")
    statements = [
        b["text"]["text"].split(" ", 1)[1]
        for b in first.blocks
        if b.get("type") == "section" and b["text"]["text"][:3] in ("*1.", "*2.")
    ]
    # By hand: statement 1 four agree, one disagrees (80%: consensus); statement 2 three
    # agree, two disagree (40% on the smaller side: divisive).
    pattern = ["agree agree", "agree agree", "agree agree", "agree disagree", "disagree disagree"]
    for user, values in zip(users, pattern, strict=True):
        for item, value in enumerate(values.split(), start=1):
            await press(world, fake, user, "react", value, str(item))
    await world.command("UHOST", "sluit")
    await world.settle()
    await press(world, fake, "UHOST", "stage_result", "publish")
    result = text_of(fake.posts(CHANNEL)[-1])
    assert "5 mensen reageerden" in result
    consensus, divisive = result.index("*Breed gedeeld*"), result.index("*Verdeeld*")
    assert f"{statements[0]} (4 eens, 1 oneens, 0 pas; 80% eens)" in result[consensus:divisive]
    assert f"{statements[1]} (3 eens, 2 oneens, 0 pas; 60% eens)" in result[divisive:]
