"""Helpers for conversation tests on the local adapter."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.messages import Choices, Outgoing
from bot.core.pseudonyms import Keyring
from bot.testing import LocalDriver
from storage.models import AnswerRow

CHANNEL = "C-TEAM"
PEOPLE = {
    "U01ANNA": "Anna de Vries",
    "U02BRAM": "Bram Jansen",
    "U03CHLOE": "Chloé Bakker",
    "U04DAAN": "Daan Visser",
}
HOST = "U01ANNA"
HEADLINES = ["Buurt zonder dak", "Het kan dus wel", "Ondernemers in de kou", "Oma leert bellen"]


def setup_channel(local: LocalDriver, people: dict[str, str] | None = None) -> None:
    local.platform.add_channel(CHANNEL, [local.member(u, n) for u, n in (people or PEOPLE).items()])


def choices(message: Outgoing) -> list[Choices]:
    return [b for b in message.blocks if isinstance(b, Choices)]


def story(n: int) -> str:
    return f"Ons wijkhuis ging dicht en niemand wist waarheen; dat raakte me, verhaal {n}."


async def answer_all(local: LocalDriver, user: str, n: int) -> None:
    await local.say(user, "knel")
    await local.say(user, story(n))
    await local.say(user, HEADLINES[(n - 1) % len(HEADLINES)])
    await local.say(user, "5")
    await local.say(user, f"Een buurthuis dat elke dag open is voor iedereen, droom {n}.")
    await local.say(user, f"De gemeente opent de school na vieren, idee {n}.")


async def publish(local: LocalDriver, host: str = HOST) -> Outgoing:
    """The host publishes the draft that ``summary``, ``close`` or the deadline made
    (PRODUCT.md §3, Publishing); returns the host's private reply."""
    reply = await local.command(host, CHANNEL, "publiceer")
    assert "in het kanaal" in reply.fallback or "in the channel" in reply.fallback, reply.fallback
    return reply


async def stored_answers(local: LocalDriver) -> list[tuple[str | None, str | None]]:
    """Every stored answer's (text, choice): plain after close, else opened with the round's
    key as the bot opens it (answers are sealed while their round is open)."""
    found: list[tuple[str | None, str | None]] = []
    async with local.app.db.sessions() as session:
        for row in await session.scalars(select(AnswerRow).order_by(AnswerRow.id)):
            text = row.text
            key = local.app.keyring.round_key(row.round_id)
            if text is None and row.sealed is not None and key is not None:
                text = Keyring.open_sealed(key, row.round_id, row.id, row.sealed)
            found.append((text, row.choice))
    return found
