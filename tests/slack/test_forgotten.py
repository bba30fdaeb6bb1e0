"""On Slack (the fake Web API, real bolt stack): *vergeet mij* sticks, and while Slack
rate-limits, nothing queued in the database puts a person next to what they said (issue 13,
items 3 and 4; PRODUCT.md §4.1 and §4.9)."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import inspect, text

from bot.testing.fake_slack import FakeSlack
from tests.slack.world import CHANNEL, World, text_of

MEMBERS = {
    "UHOST": "Ben de Groot",
    "U0001": "Wil Janssen",
    "U0002": "Piet de Boer",
    "U0003": "Sanne de Jong",
}
STORIES = {
    "UHOST": "Ik ben buurtsportcoach en ik zie dat kinderen weer buiten spelen",
    "U0001": "We zijn buren geworden in deze wijk dankzij het wijkfeest",
    "U0002": "Als jonge boer ben ik bang dat de dijk het niet houdt",
    "U0003": "Het buurthuis ging dicht en niemand wist waarheen",
}
CHOSEN = {"UHOST": "kiem", "U0001": "knel", "U0002": "kiem", "U0003": "knel"}


def channel_of(fake: FakeSlack) -> None:
    for user, name in MEMBERS.items():
        fake.add_user(user, name)
    fake.add_channel(CHANNEL, [*MEMBERS, "UBOT0001"])


async def dump(world: World) -> list[str]:
    """Every row of every table, the adapters' included, as text."""
    assert world.app is not None
    rows: list[str] = []
    async with world.app.db.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
        for table in tables:
            result = await connection.execute(text(f'SELECT * FROM "{table}"'))
            rows.extend(f"{table}: " + " | ".join(map(str, row)) for row in result)
    return rows


async def test_forget_me_on_slack_no_reminder_and_the_same_invited_count(
    world: World, fake: FakeSlack
) -> None:
    channel_of(fake)
    await world.boot()
    await world.command("UHOST", 'start --deadline 3d --theme "Samen in de wijk"')
    await world.settle()
    for user in ("U0001", "U0002"):
        await world.dm(user, CHOSEN[user])
        await world.dm(user, STORIES[user])
    await world.settle()
    await world.command("UHOST", "status")
    await world.settle()
    assert "Uitgenodigd: 4" in text_of(fake.ephemeral[-1])

    await world.dm("U0001", "vergeet mij")
    await world.settle()
    assert "Gewist: 1 antwoord in 1 open ronde." in text_of(fake.private("U0001")[-1])
    heard = len(fake.private("U0001"))

    await world.command("UHOST", "remind")
    await world.settle()
    assert len(fake.private("U0001")) == heard, "the reminder does not reach them"
    for user in ("UHOST", "U0002", "U0003"):
        assert "herinnering" in text_of(fake.private(user)[-1]), user
    await world.command("UHOST", "status")
    await world.settle()
    assert "Uitgenodigd: 4" in text_of(fake.ephemeral[-1]), "no count tells someone left"


async def test_rows_queued_under_429_hold_no_answer_or_choice_next_to_a_user_id(
    world: World, fake: FakeSlack
) -> None:
    channel_of(fake)
    await world.boot()
    await world.command("UHOST", 'start --theme "Samen in de wijk"')
    await world.settle()

    fake.storm(6.0)  # every post is refused with 429 + Retry-After: replies queue up
    for user in MEMBERS:
        # Chosen by typing (a pressed button is confirmed the same way, test_round.py).
        await world.dm(user, CHOSEN[user])
        await world.dm(user, STORIES[user])
        await world.dm(user, f"Kop van {user}")
    await world.adapter.settle()
    await asyncio.sleep(0.3)  # the dispatcher tries, hears 429, puts the rows back
    assert world.adapter.platform.stats["rate_limited"] > 0

    rows = await dump(world)
    assert time.monotonic() < fake.limits.storm_until, "dumped while Slack refused posts"
    assert world.app is not None
    async with world.app.db.engine.connect() as connection:
        queued = (
            await connection.execute(text("SELECT user_id, payload FROM outbox ORDER BY id"))
        ).all()
    with_user = {user: [p for u, p in queued if u == user] for user in MEMBERS}
    assert all(len(found) >= 3 for found in with_user.values()), (
        "replies wait in the outbox",
        {u: len(f) for u, f in with_user.items()},
        [u for u, _ in queued],
    )
    said = [*STORIES.values(), *(f"Kop van {user}" for user in MEMBERS)]
    for row in rows:
        if any(user in row for user in MEMBERS):
            assert not any(answer in row for answer in said), f"answer next to a user id: {row}"
            assert "knel" not in row.casefold() and "kiem" not in row.casefold(), (
                f"a choice next to a user id: {row}"
            )
    # Stronger: what waits for a person does not depend on what they chose or said. Wil
    # (knel) and Piet (kiem) are at the same point and their queued messages are the same.
    assert sorted(with_user["U0001"]) == sorted(with_user["U0002"])

    await world.settle()  # the storm passes; everything queued is delivered
    for user in MEMBERS:
        got = [text_of(m) for m in fake.private(user)]
        assert any("ontvangen" in t and "vraag 1" in t for t in got), user
    assert [row for row in await dump(world) if row.startswith("outbox:")] == []
