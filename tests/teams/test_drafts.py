"""The host's review in Teams, through botbuilder's CloudAdapter and the fake connector: the
draft arrives as a card in the host's personal chat; its actions rename a theme (a list and a
text field on the card), remove a quote (a list) and publish; anyone else is refused."""

from __future__ import annotations

from typing import Any

from tests.teams.teams_round import card_text, submit_data
from tests.teams.test_round_fake_connector import (  # noqa: F401 (the fixture)
    CHANNEL,
    HOST,
    PEOPLE,
    Bot,
    bot,
)

ANSWERS = {
    "29:bram": (
        "Ik ben buurtsportcoach en ik wil dat kinderen buiten spelen op het grasveld.",
        "Kinderen spelen weer buiten",
        "Een wijk waar kinderen veilig buiten spelen, elke dag.",
        "Het grasveld opknappen, de gemeente en de buurtsportcoach samen.",
    ),
    "29:chloe": (
        "We zijn buren geworden in deze wijk toen het speelveld dichtging.",
        "Buren vinden elkaar",
        "Een wijk met een speelveld waar buren elkaar treffen.",
        "Een buurtfeest op het speelveld, bewoners organiseren het.",
    ),
    "29:daan": (
        "Als jonge boer ben ik bang dat het grasveld verdwijnt voor nieuwbouw.",
        "Grasveld blijft groen",
        "Een groene wijk met ruimte voor spelen en voor de boer.",
        "Bewoners praten mee over nieuwbouw, de gemeente nodigt uit.",
    ),
}


async def closed_with_a_draft(bot: Bot) -> dict[str, Any]:  # noqa: F811
    await bot.in_channel(HOST, "start")
    for user, texts in ANSWERS.items():
        for text in ("knel", *texts[:2], "5", *texts[2:]):
            await bot.personal(user, text)
    await bot.in_channel(HOST, "close")
    return latest_with(bot, HOST, "Publiceer")


def latest_with(bot: Bot, user: str, title: str) -> dict[str, Any]:  # noqa: F811
    for sent in reversed(bot.inbox(user)):
        if submit_data(sent, title) is not None:
            return sent
    raise AssertionError(f"no card with {title!r} for {user}")


def inputs(sent: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        element["id"]: element
        for attachment in sent.get("attachments") or []
        for element in (attachment.get("content") or {}).get("body") or []
        if str(element.get("type", "")).startswith("Input.")
    }


async def test_the_host_renames_removes_a_quote_and_publishes_from_cards(bot: Bot) -> None:  # noqa: F811
    draft = await closed_with_a_draft(bot)
    assert "kijkt de samenvatting na" in card_text(bot.chat(CHANNEL)[-1])
    assert "Concept: De ronde is gesloten" in card_text(draft)
    for title in ("Publiceer", "Hernoem thema", "Verwijder citaat", "Annuleer"):
        assert submit_data(draft, title) is not None, title

    # Hernoem thema: the card lists the themes beside a text field; Teams sends both back.
    await bot.personal(HOST, value=submit_data(draft, "Hernoem thema"))
    form = latest_with(bot, HOST, "Hernoem")
    fields = inputs(form)
    themes = fields["dialoog_ref"]["choices"]
    assert themes[0]["value"] == "1" and themes[0]["title"].startswith("1. ")
    assert fields["dialoog_value"]["type"] == "Input.Text"
    data = submit_data(form, "Hernoem")
    assert data is not None
    await bot.personal(
        HOST, value={**data, "dialoog_ref": "1", "dialoog_value": "Spelen in het groen"}
    )
    renamed = latest_with(bot, HOST, "Publiceer")
    assert "1. Spelen in het groen" in card_text(renamed)

    # Verwijder citaat: many quotes, so a list and one button.
    await bot.personal(HOST, value=submit_data(renamed, "Verwijder citaat"))
    listing = latest_with(bot, HOST, "Kies")
    first = next(line for line in card_text(listing).splitlines() if line.startswith("[1] "))
    gone = first[len("[1] ") :]
    choose = submit_data(listing, "Kies")
    assert choose is not None
    await bot.personal(HOST, value={**choose, "dialoog_value": "1"})
    edited = latest_with(bot, HOST, "Publiceer")
    assert gone not in card_text(edited)

    posts = len(bot.chat(CHANNEL))
    await bot.personal(HOST, value=submit_data(edited, "Publiceer"))
    published = card_text(bot.chat(CHANNEL)[-1])
    assert len(bot.chat(CHANNEL)) == posts + 1
    assert "De ronde is gesloten: de oogst" in published
    assert "Spelen in het groen" in published and gone not in published
    assert "[1]" not in published


async def test_another_member_cannot_publish_cancel_or_edit_the_draft(bot: Bot) -> None:  # noqa: F811
    draft = await closed_with_a_draft(bot)
    posts = len(bot.chat(CHANNEL))
    for title in ("Publiceer", "Annuleer", "Hernoem thema", "Verwijder citaat"):
        await bot.personal("29:bram", value=submit_data(draft, title))
        assert "Alleen de gespreksleider van deze ronde" in card_text(bot.inbox("29:bram")[-1]), (
            title
        )
    await bot.in_channel("29:chloe", "publiceer")
    assert "Alleen de gespreksleider van deze ronde" in card_text(bot.inbox("29:chloe")[-1])
    assert len(bot.chat(CHANNEL)) == posts
    await bot.personal(HOST, "publiceer")  # the host's own words in the personal chat
    assert "De ronde is gesloten: de oogst" in card_text(bot.chat(CHANNEL)[-1])
    assert PEOPLE[HOST] not in card_text(bot.chat(CHANNEL)[-1])
