"""Dot-voting and reactions to the harvest in Teams, through botbuilder and the fake connector
(issue 17): five people vote on cards (one moves a dot, one's submit arrives twice), the result
has the counts worked out by hand; reactions give consensus and divisive statements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.teams.teams_round import activity, card_text
from tests.teams.test_round_fake_connector import CHANNEL, TENANT, Bot, running_bot

FIVE = {
    "29:anna": "Anna de Vries",
    "29:bram": "Bram Jansen",
    "29:chloe": "Chloé Bakker",
    "29:daan": "Daan Visser",
    "29:eva": "Eva Smit",
}
HOST = "29:anna"
LIST = 'stem "Buurtbus" "Langer open bibliotheek" "Bankjes op het plein" --punten 3 --per-optie 2'


def data(sent: dict[str, Any], key: str, value: str, item: str = "") -> dict[str, Any] | None:
    """The submit data of the ``key`` button with ``value`` (of statement ``item``)."""
    for attachment in sent.get("attachments") or []:
        for element in (attachment.get("content") or {}).get("body") or []:
            for action in element.get("actions") or []:
                found = action.get("data") or {}
                if found.get("dialoog_action") != key or found.get("dialoog_value") != value:
                    continue
                if item and not str(found.get("dialoog_round", "")).endswith(f":{item}"):
                    continue
                return dict(found)
    return None


async def submit(bot: Bot, user: str, key: str, value: str, item: str = "") -> None:
    for sent in reversed(bot.inbox(user)):
        found = data(sent, key, value, item)
        if found is not None:
            await bot.personal(user, value=found)
            return
    raise AssertionError(f"no {key} {value} card for {user}")


async def closed_round(bot: Bot) -> None:
    await bot.in_channel(HOST, "start")
    for n, user in enumerate(FIVE, start=1):
        for text in (
            "knel",
            f"Ons wijkhuis ging dicht en niemand wist waarheen, verhaal {n}.",
            f"Het kan dus wel {n}",
            "5",
            f"Een buurthuis dat elke dag open is voor iedereen, droom {n}.",
            f"De gemeente opent de school na vieren, idee {n}.",
        ):
            await bot.personal(user, text)
    await bot.in_channel(HOST, "close")


async def test_five_vote_in_teams_and_the_result_has_the_right_counts(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FIVE) as bot:
        await closed_round(bot)
        await bot.in_channel(HOST, LIST)
        assert "De 5 leden" in card_text(bot.chat(CHANNEL)[-1])
        for user, values in {
            "29:anna": "112",
            "29:bram": "123",
            "29:chloe": "33",
            "29:eva": "13",
        }.items():
            for value in values:
                await submit(bot, user, "vote_add", value)
        await submit(bot, "29:bram", "vote_remove", "3")
        await submit(bot, "29:bram", "vote_add", "2")
        # Daan's submit arrives twice (Teams retried the same activity): one dot.
        found = next(d for s in bot.inbox("29:daan") if (d := data(s, "vote_add", "2")))
        body = activity(
            service_url=bot.connector.url,
            tenant=TENANT,
            user=("29:daan", FIVE["29:daan"]),
            conversation={"id": "a:personal-29:daan", "conversationType": "personal"},
            value=found,
        )
        await bot.post(body)
        await bot.post(body)
        assert "Geplaatst: 1 van je 3 stippen" in card_text(bot.inbox("29:daan")[-1])
        await bot.in_channel(HOST, "sluit")
        assert "kijkt de uitslag na" in card_text(bot.chat(CHANNEL)[-1])
        await submit(bot, HOST, "stage_result", "publish")  # the host's review
        result = card_text(bot.chat(CHANNEL)[-1])
        assert "5 mensen stemden" in result
        assert "1. (gedeeld) Buurtbus: 4 stippen, van 3 stemmers (60%)" in result
        assert "1. (gedeeld) Langer open bibliotheek: 4 stippen, van 3 stemmers (60%)" in result
        assert "3. Bankjes op het plein: 3 stippen, van 2 stemmers (40%)" in result
        for name in ("Anna", "Bram", "Daan", "Eva", "29:"):
            assert name not in result


async def test_reactions_in_teams_give_consensus_and_divisive_statements(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FIVE) as bot:
        await closed_round(bot)
        await bot.in_channel(HOST, "publiceer")
        await bot.in_channel(HOST, "feedback")
        first = card_text(bot.inbox("29:bram")[-1]).splitlines()
        statements = [line.split(" ", 1)[1] for line in first if line[:5] in ("**1.*", "**2.*")]
        assert len(statements) == 2, first
        # By hand: statement 1 four agree, one disagrees (80%: consensus); statement 2
        # three agree, two disagree (40% on the smaller side: divisive).
        pattern = [
            "agree agree",
            "agree agree",
            "agree agree",
            "agree disagree",
            "disagree disagree",
        ]
        for user, values in zip(FIVE, pattern, strict=True):
            for item, value in enumerate(values.split(), start=1):
                await submit(bot, user, "react", value, str(item))
        await bot.in_channel(HOST, "sluit")
        await submit(bot, HOST, "stage_result", "publish")
        result = card_text(bot.chat(CHANNEL)[-1])
        assert "5 mensen reageerden" in result
        consensus, divisive = result.index("Breed gedeeld**"), result.index("Verdeeld**")
        assert f"{statements[0]} (4 eens, 1 oneens, 0 pas; 80% eens)" in result[consensus:divisive]
        assert f"{statements[1]} (3 eens, 2 oneens, 0 pas; 60% eens)" in result[divisive:]


async def test_a_long_list_in_teams_is_paged_with_small_cards(tmp_path: Path) -> None:
    async with running_bot(tmp_path, FIVE) as bot:
        await closed_round(bot)
        options = " ".join(f'"Optie {n}"' for n in range(1, 13))
        await bot.in_channel(HOST, f"stem {options}")
        card = bot.inbox("29:bram")[-1]
        buttons = [
            action
            for attachment in card["attachments"]
            for element in attachment["content"]["body"]
            for action in element.get("actions") or []
        ]
        assert len(buttons) <= 6, "a small card: five options and Next"
        assert "Bladzijde 1 van 3" in card_text(card) and "Volgende ▶" in card_text(card)
        await submit(bot, "29:bram", "vote_page", "1")
        second = card_text(bot.inbox("29:bram")[-1])
        assert "Optie 6" in second and "Optie 5" not in second and "◀ Vorige" in second
        await submit(bot, "29:bram", "vote_add", "7")
        assert "*7.* Optie 7  ●" in card_text(bot.inbox("29:bram")[-1]).replace("**", "*")
