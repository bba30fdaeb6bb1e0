"""Issue 18 on Slack, through the real bolt stack with signed requests: the group question's
buttons before the first prompt, and an action's owner taking it on with a button (a press
by anyone else is refused and changes nothing)."""

from __future__ import annotations

import copy

from sqlalchemy import select

from bot.testing.fake_slack import FakeSlack
from storage.models import ActionRow, ProgressRow
from tests.slack.test_drafts import with_button
from tests.slack.world import World, people, text_of


async def stored(world: World, model: type, column: str) -> list[object]:
    assert world.app is not None
    async with world.app.db.sessions() as session:
        return list(await session.scalars(select(getattr(model, column))))


async def test_group_buttons_then_the_first_prompt(world: World, fake: FakeSlack) -> None:
    users = people(fake, 3)
    await world.boot()
    await world.command("UHOST", 'start --segment "raadslid,griffier,anders"')
    await world.settle()
    invitation = world.last_private(users[0])
    assert "Tot welke groep behoor je?" in text_of(invitation)
    assert "Knel of kiem" not in text_of(invitation), "no prompt before the group"
    await world.press(users[0], with_button(fake, users[0], "2"), "2")
    await world.settle()
    assert "Nu de vragen" in text_of(world.last_private(users[0]))
    assert "Knel of kiem" in text_of(world.last_private(users[0]))
    await world.dm(users[1], "wethouder")  # typed, and not offered
    await world.settle()
    assert "staat er niet bij" in text_of(world.last_private(users[1]))
    assert sorted(map(str, await stored(world, ProgressRow, "segment"))) == [
        "None",
        "None",
        "None",
        "griffier",
    ]


async def test_owner_accepts_with_a_button_others_are_refused(
    world: World, fake: FakeSlack
) -> None:
    users = people(fake, 3)
    await world.boot()
    await world.command("UHOST", 'start --theme "De bibliotheek"')
    await world.settle()
    owner = users[1]
    await world.command(
        "UHOST", f'actie "De bibliotheek blijft open" --eigenaar <@{owner}> --wanneer 3d'
    )
    await world.settle()
    (action_id,) = await stored(world, ActionRow, "id")
    offer = copy.deepcopy(with_button(fake, owner, str(action_id)))
    assert "Ik neem het op me" in text_of(offer)
    # a forged press by someone else (on a copy: a press replaces the buttons it was on)
    await world.press(users[0], copy.deepcopy(offer), str(action_id))
    await world.settle()
    assert "niet aan jou toegewezen" in text_of(world.last_private(users[0]))
    assert await stored(world, ActionRow, "accepted") == [False]
    await world.press(owner, copy.deepcopy(offer), str(action_id))
    await world.settle()
    assert "staat op jouw naam" in text_of(world.last_private(owner))
    assert await stored(world, ActionRow, "accepted") == [True]
    assert "heeft actie 1 op zich genomen" in text_of(world.last_private("UHOST"))
