"""Issue 18 through botbuilder and a fake Bot Framework connector: the group question's card
buttons before the first prompt, and an action's owner taking it on with a card button (the
same data posted by someone else is refused and changes nothing)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from storage.models import ActionRow, ProgressRow
from tests.teams.teams_round import card_text, submit_data
from tests.teams.test_round_fake_connector import HOST, Bot, running_bot


async def column(bot: Bot, model: type, name: str) -> list[object]:
    async with bot.app.db.sessions() as session:
        return list(await session.scalars(select(getattr(model, name))))


async def test_group_card_buttons_then_the_first_prompt(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.in_channel(HOST, 'start --segment "raadslid,griffier,anders"')
        user = "29:bram"
        first = bot.inbox(user)[0]
        assert "Tot welke groep behoor je?" in card_text(first)
        data = submit_data(first, "griffier")
        assert data is not None
        await bot.personal(user, value=data)
        reply = card_text(bot.inbox(user)[-1])
        assert "Nu de vragen" in reply and "Knel of kiem" in reply
        assert "griffier" not in reply, "the reply never repeats the group"
        await bot.personal("29:chloe", "wethouder")
        assert "staat er niet bij" in card_text(bot.inbox("29:chloe")[-1])
        assert sorted(map(str, await column(bot, ProgressRow, "segment"))) == [
            "None",
            "None",
            "None",
            "griffier",
        ]


async def test_owner_accepts_with_a_card_button(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.in_channel(HOST, 'start --theme "De bibliotheek"')
        await bot.in_channel(
            HOST,
            'actie "De bibliotheek blijft open" --eigenaar "<at>Bram Jansen</at>" --wanneer 3d',
        )
        assert "Nieuwe actie 1" in card_text(bot.chat("19:dialoog@thread.tacv2")[-1])
        offer = bot.inbox("29:bram")[-1]
        data = submit_data(offer, "Ik neem het op me")
        assert data is not None
        await bot.personal("29:daan", value=data)  # the same data, posted by someone else
        assert "niet aan jou toegewezen" in card_text(bot.inbox("29:daan")[-1])
        assert await column(bot, ActionRow, "accepted") == [False]
        await bot.personal("29:bram", value=data)
        assert "staat op jouw naam" in card_text(bot.inbox("29:bram")[-1])
        assert await column(bot, ActionRow, "accepted") == [True]
        assert "Bram Jansen heeft actie 1 op zich genomen" in card_text(bot.inbox(HOST)[-1])
