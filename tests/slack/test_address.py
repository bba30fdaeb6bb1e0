"""Issue 16, item 1 on Slack: the start form offers the form of address (its default from
``DIALOOG_ADDRESS``), and the round then speaks to everyone in it with *je* or with *u*:
invitation, prompts, confirmations, help inside the round."""

from __future__ import annotations

import html

import pytest

from bot.core.prompts import Catalog
from bot.testing.fake_slack import FakeSlack
from tests.core.test_address import informal
from tests.slack.world import World, people, text_of


@pytest.mark.parametrize(("default", "chosen"), [("je", "u"), ("u", "je"), ("u", None)])
async def test_the_form_chooses_the_form_of_address(
    world: World, fake: FakeSlack, default: str, chosen: str | None
) -> None:
    catalog = Catalog.load()
    users = people(fake, 3)
    await world.boot(DIALOOG_ADDRESS=default)
    await world.command("UHOST", "start")
    await world.settle()
    view = fake.views[0]
    field = next(b for b in view["blocks"] if b["block_id"] == "address")
    assert field["element"]["initial_option"]["value"] == default
    assert [o["value"] for o in field["element"]["options"]] == ["je", "u"]

    values = {"theme": "Samen in de wijk", "threshold": "3"}
    if chosen is not None:
        values["address"] = chosen
    status, answer = await world.submit("UHOST", view, values)
    assert status == 200, answer
    await world.settle()
    address = chosen or default
    voice = "nl-u" if address == "u" else "nl"

    user = users[0]
    invitation = world.last_private(user)
    heading = catalog.text(voice, "invite.heading", template="Waarderend onderzoeken")
    assert heading in text_of(invitation)
    await world.press(user, invitation, "kiem")
    await world.dm(user, "Ons wijkhuis ging weer open en de hele straat kwam kijken.")
    await world.settle()
    stored = text_of(world.last_private(user))
    await world.dm(user, "hulp")
    await world.settle()
    helped = text_of(world.last_private(user))
    assert catalog.text(voice, "help.private") in html.unescape(helped)  # Slack escapes <>
    read = "\n".join(m.text for m in fake.private(user))  # each message's whole text
    assert "uitgenodigd" in read and "Vraag 2 van 4" in read
    if address == "u":
        assert "Dank u." in stored and "Vat uw verhaal samen" in stored
        assert not informal(read), informal(read)
    else:
        assert "Dank je." in stored and "Vat je verhaal samen" in stored
        assert "uw " not in read.casefold()
