"""A short series in Teams (issue 18, *Done when*), through botbuilder's CloudAdapter and the
fake Bot Framework connector: an exploration, a theme round started with one press on its card,
a vote on the theme round's ideas with the counts worked out by hand, and an action taken on
by its owner with the card button; ``traject`` then lists both rounds in order."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from storage.models import ActionRow, RoundRow
from tests.core.test_series import EXPLORATION
from tests.teams.teams_round import card_text, submit_data
from tests.teams.test_ballots import submit
from tests.teams.test_drafts import latest_with
from tests.teams.test_round_fake_connector import CHANNEL, HOST, running_bot

USERS = ["29:anna", "29:bram", "29:chloe", "29:daan"]
IDEAS = (
    "Laat vrijwilligers de buurtbus rijden.",
    "Bouw tiny houses voor starters op gemeentegrond.",
    "Open het buurthuis elke ochtend voor koffie.",
    "Bouw tiny houses voor starters op gemeentegrond.",
)


async def test_exploration_theme_round_vote_and_action_in_teams(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as bot:
        await bot.in_channel(HOST, 'traject start "Samen in het dorp"')
        await bot.in_channel(HOST, 'start verkenning --theme "Leven in het dorp"')
        for user, (topic, why) in zip(USERS, EXPLORATION.values(), strict=True):
            await bot.personal(user, topic)
            await bot.personal(user, why)
        await bot.in_channel(HOST, "close")
        draft = latest_with(bot, HOST, "Publiceer")
        await bot.personal(HOST, value=submit_data(draft, "Publiceer"))

        offer = latest_with(bot, HOST, "Start met dit verhaal")
        first = next(
            str(action["title"])
            for attachment in offer.get("attachments") or []
            for element in (attachment.get("content") or {}).get("body") or []
            for action in element.get("actions") or []
            if str(action.get("title", "")).startswith("Start een themadialoog over")
        )
        theme = first.removeprefix("Start een themadialoog over ")
        await bot.personal(HOST, value=submit_data(offer, first))
        invitation = card_text(bot.inbox("29:chloe")[-1])
        assert f"Het thema: **{theme}**" in invitation and "ronde 2 van het traject" in invitation
        assert "Deze themadialoog komt uit de Verkenningsdialoog" in invitation

        for n, user in enumerate(USERS):
            for text in (
                "kiem",
                f"In ons dorp hielpen buren elkaar toen het nodig was, verhaal {n}.",
                f"Buren helpen buren {n}",
                "4",
                f"Een dorp waar iedereen een plek heeft, droom {n}.",
                IDEAS[n],
            ):
                await bot.personal(user, text)
        await bot.in_channel(HOST, "close")
        await bot.in_channel(HOST, "stem over ideeen --punten 2")
        ballot = next(
            card_text(m) for m in reversed(bot.inbox("29:bram")) if "Geplaatst:" in card_text(m)
        )
        numbers = {
            line.split(".** ", 1)[1]: line.removeprefix("**").split(".", 1)[0]
            for line in ballot.splitlines()
            if line.startswith("**") and ".** " in line
        }
        houses = next(v for k, v in numbers.items() if "tiny houses" in k)
        bus = next(v for k, v in numbers.items() if "buurtbus" in k)
        # By hand: tiny houses gets a dot from all four, the bus from Anna and Bram.
        for user in USERS:
            await submit(bot, user, "vote_add", houses)
        for user in ("29:anna", "29:bram"):
            await submit(bot, user, "vote_add", bus)
        await bot.in_channel(HOST, "sluit")
        await submit(bot, HOST, "stage_result", "publish")  # the host's review
        result = "\n".join(card_text(m) for m in bot.chat(CHANNEL)[-3:])
        assert "4 mensen stemden" in result, result
        assert "tiny houses voor starters op gemeentegrond: 4 stippen, van 4 stemmers (100%)" in (
            result
        ), result
        assert "buurtbus rijden: 2 stippen, van 2 stemmers (50%)" in result, result
        draft = latest_with(bot, HOST, "Publiceer")
        await bot.personal(HOST, value=submit_data(draft, "Publiceer"))

        await bot.in_channel(
            HOST,
            'actie "Grond zoeken voor tiny houses" --eigenaar "<at>Chloé Bakker</at>"'
            " --wanneer 14d",
        )
        assert "Nieuwe actie 1" in card_text(bot.chat(CHANNEL)[-1])
        offer = bot.inbox("29:chloe")[-1]
        await bot.personal("29:chloe", value=submit_data(offer, "Ik neem het op me"))
        assert "staat op jouw naam" in card_text(bot.inbox("29:chloe")[-1])
        async with bot.app.db.sessions() as session:
            (action,) = (await session.scalars(select(ActionRow))).all()
            theme_round = await session.scalar(select(RoundRow).where(RoundRow.theme == theme))
        assert action.accepted and theme_round is not None
        assert action.round_id == theme_round.id

        await bot.in_channel("29:daan", "traject")
        harvest = card_text(bot.inbox("29:daan")[-1])
        first_at = harvest.index("1. Verkenningsdialoog: Leven in het dorp")
        assert first_at < harvest.index(f"2. Waarderend onderzoeken: {theme}"), harvest
