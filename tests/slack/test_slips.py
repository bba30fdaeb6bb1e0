"""Issue 16, item 4 on Slack: a slip gets help and is not stored; a very short first story is
confirmed with buttons, pressed through the real slack-bolt stack against the fake Web API."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.core.pseudonyms import Keyring
from bot.testing.fake_slack import FakeSlack
from storage.models import AnswerRow
from tests.slack.world import CHANNEL, World, people, text_of


async def stored(world: World) -> list[tuple[str | None, str | None]]:
    found: list[tuple[str | None, str | None]] = []
    async with world.app.db.sessions() as session:
        for row in await session.scalars(select(AnswerRow)):
            key = world.app.keyring.round_key(row.round_id)
            assert key is not None and row.sealed is not None
            text = Keyring.open_sealed(key, row.round_id, row.id, row.sealed)
            found.append((text, row.choice))
    return found


async def test_a_slip_gets_help_and_a_short_story_gets_confirm_buttons(
    world: World, fake: FakeSlack
) -> None:
    user = people(fake, 3)[0]
    await world.boot()
    await world.command("UHOST", 'start --theme "Samen in de wijk"')
    await world.settle()
    await world.dm(user, "wat moet ik hier eigenlijk doen?")
    await world.settle()
    assert "niet opgeslagen" in text_of(world.last_private(user))
    async with world.app.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AnswerRow)) == 0

    await world.dm(user, "knel")
    await world.dm(user, "Bibliotheek dicht")
    await world.settle()
    ask = world.last_private(user)
    assert "Klopt dit, of wil je meer vertellen?" in text_of(ask)
    buttons = [
        e["text"]["text"]
        for b in ask.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["value"] in ("keep", "more")
    ]
    assert buttons == ["Klopt zo", "Ik vertel meer"]
    await world.press(user, ask, "keep")
    await world.settle()
    assert "Krantenkop" in text_of(world.last_private(user))
    assert await stored(world) == [("Bibliotheek dicht", "knel")]
    assert all(CHANNEL != m.channel for m in fake.private(user))
