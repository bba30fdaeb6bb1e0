"""A whole appreciative-inquiry round on the local adapter, read like a conversation."""

from __future__ import annotations

from adapters.local import LocalDriver
from bot.messages import Choices, Outgoing, Quote

CHANNEL = "C-TEAM"
PEOPLE = {
    "U01ANNA": "Anna de Vries",
    "U02BRAM": "Bram Jansen",
    "U03CHLOE": "Chloé Bakker",
    "U04DAAN": "Daan Visser",
}


def setup_channel(local: LocalDriver) -> None:
    local.platform.add_channel(CHANNEL, [local.member(u, n) for u, n in PEOPLE.items()])


def choices(message: Outgoing) -> list[Choices]:
    return [b for b in message.blocks if isinstance(b, Choices)]


HEADLINES = ["Buurt zonder dak", "Het kan dus wel", "Ondernemers in de kou", "Oma leert bellen"]


async def answer_all(local: LocalDriver, user: str, n: int) -> None:
    await local.say(user, "knel")
    await local.say(user, f"Ons wijkhuis ging dicht en niemand wist waarheen, verhaal {n}.")
    await local.say(user, HEADLINES[n - 1])
    await local.say(user, "5")
    await local.say(user, f"Een buurthuis dat elke dag open is voor iedereen, droom {n}.")
    await local.say(user, f"De gemeente opent de school na vieren, idee {n}.")


async def test_host_starts_four_answer_summary_has_headlines_and_no_names(
    local: LocalDriver,
) -> None:
    setup_channel(local)
    reply = await local.command("U01ANNA", CHANNEL, 'start --theme "Samen in de wijk"')
    assert "host" in reply.fallback
    for user in PEOPLE:
        first = local.inbox(user)[0]
        assert "Samen in de wijk" in first.fallback
        assert [c.key for c in choices(first)] == ["knel_kiem", "skip"]
    announcement = local.channel(CHANNEL)[0].fallback
    assert "4 leden" in announcement
    for n, user in enumerate(PEOPLE, start=1):
        await answer_all(local, user, n)
        assert "alle vragen beantwoord" in local.inbox(user)[-1].fallback
    status = await local.command("U01ANNA", CHANNEL, "status")
    assert "klaar: 4" in status.fallback
    closed = await local.command("U01ANNA", CHANNEL, "close")
    assert "gesloten" in closed.fallback
    summary = local.channel(CHANNEL)[-1]
    text = summary.fallback
    for headline in HEADLINES:
        assert headline in text
    for user, name in PEOPLE.items():
        assert user not in text
        for part in name.split():
            if len(part) > 2:
                assert part not in text
    assert any(isinstance(b, Quote) for b in summary.blocks)
