"""Issue 18 on Teams, through botbuilder's CloudAdapter and the fake connector: an exploratory
round's published themes come back to its host as a card with an Action.Submit per theme;
one press starts the theme round in the channel, whose invitation recaps the exploration."""

from __future__ import annotations

from tests.core.test_series import EXPLORATION
from tests.teams.teams_round import card_text, submit_data
from tests.teams.test_drafts import latest_with
from tests.teams.test_round_fake_connector import (  # noqa: F401 (the fixture)
    CHANNEL,
    HOST,
    Bot,
    bot,
)

# The explorers: the Teams roster's people, with the local test's answers.
USERS = ["29:anna", "29:bram", "29:chloe", "29:daan"]


async def test_a_theme_card_starts_a_theme_round_with_one_press(bot: Bot) -> None:  # noqa: F811
    await bot.in_channel(HOST, 'traject start "Samen in het dorp"')
    await bot.in_channel(HOST, 'start verkenning --theme "Leven in het dorp"')
    for user, (topic, why) in zip(USERS, EXPLORATION.values(), strict=True):
        await bot.personal(user, topic)
        await bot.personal(user, why)
    await bot.in_channel(HOST, "close")
    draft = latest_with(bot, HOST, "Publiceer")
    await bot.personal(HOST, value=submit_data(draft, "Publiceer"))
    published = card_text(bot.chat(CHANNEL)[-1])
    assert "Ronde 1 van het traject **Samen in het dorp**" in published

    offer = latest_with(bot, HOST, "Start met dit verhaal")
    buttons = [
        action["title"]
        for attachment in offer.get("attachments") or []
        for element in (attachment.get("content") or {}).get("body") or []
        for action in element.get("actions") or []
        if str(action.get("title", "")).startswith("Start een themadialoog over")
    ]
    assert len(buttons) >= 2, card_text(offer)
    theme = buttons[0].removeprefix("Start een themadialoog over ")
    assert theme in published
    for user in USERS[1:]:
        assert not any("Start een themadialoog" in card_text(m) for m in bot.inbox(user))

    posts = len(bot.chat(CHANNEL))
    await bot.personal(HOST, value=submit_data(offer, buttons[0]))
    assert f"De themadialoog over **{theme}** is gestart" in card_text(bot.inbox(HOST)[-1])
    assert len(bot.chat(CHANNEL)) == posts + 1
    assert theme in card_text(bot.chat(CHANNEL)[-1])
    invitation = card_text(bot.inbox("29:chloe")[-1])
    assert f"Het thema: **{theme}**" in invitation
    assert "Deze themadialoog komt uit de Verkenningsdialoog" in invitation
    assert "ronde 2 van het traject" in invitation
    # The same press again while that round is open: refused, nothing new in the channel.
    await bot.personal(HOST, value=submit_data(offer, buttons[0]))
    assert "loopt in dat kanaal al een themadialoog" in card_text(bot.inbox(HOST)[-1])
    assert len(bot.chat(CHANNEL)) == posts + 1

    # The form: the second theme with the host's opening story (a list and a text field).
    form = submit_data(offer, "Start met dit verhaal")
    assert form is not None
    story = "Mijn dochter vond na drie jaar zoeken een huis, dankzij een buurman."
    await bot.personal(HOST, value={**form, "dialoog_ref": "2", "dialoog_value": story})
    assert len(bot.chat(CHANNEL)) == posts + 2
    second = card_text(bot.inbox("29:daan")[-1])
    assert story in second and "ronde 3 van het traject" in second
