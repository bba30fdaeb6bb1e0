"""A short series on Slack (issue 18, *Done when*), through bolt with signed requests and the
fake Web API: an exploration, a theme round started with one press on its button, a vote on
the theme round's ideas with the counts worked out by hand, and an action taken on by its
owner with the button; ``traject`` then lists both rounds in order."""

from __future__ import annotations

import copy
import io

import docx
from sqlalchemy import select

from bot.testing.fake_slack import FakeSlack
from storage.models import ActionRow, RoundRow
from tests.core.test_series import EXPLORATION
from tests.slack.test_ballots import latest, press
from tests.slack.test_drafts import with_button
from tests.slack.test_theme_rounds import buttons, theme_offer
from tests.slack.world import CHANNEL, World, people, text_of


async def publish_draft(world: World, fake: FakeSlack) -> None:
    await world.press("UHOST", with_button(fake, "UHOST", "publish"), "publish")
    await world.settle()


async def test_exploration_theme_round_vote_and_action_on_slack(
    world: World, fake: FakeSlack
) -> None:
    users = people(fake, 3)
    everyone = ["UHOST", *users]
    await world.boot()
    await world.command("UHOST", 'traject start "Samen in het dorp"')
    await world.command("UHOST", 'start verkenning --theme "Leven in het dorp"')
    await world.settle()
    for user, (topic, why) in zip(everyone, EXPLORATION.values(), strict=True):
        await world.dm(user, topic)
        await world.dm(user, why)
        await world.settle()
    await world.command("UHOST", "close")
    await world.settle()
    await publish_draft(world, fake)

    # One press on the first theme's button starts its round; the invitation recaps.
    offer = theme_offer(fake, "UHOST")
    start = buttons(offer, "Start een themadialoog over ")[0]
    theme = str(start["text"]["text"]).removeprefix("Start een themadialoog over ")  # type: ignore[index]
    await world.press("UHOST", offer, str(start["value"]))
    await world.settle()
    invitation = text_of(fake.private(users[0])[-1])
    assert f"Het thema: *{theme}*" in invitation and "ronde 2 van het traject" in invitation
    assert "Deze themadialoog komt uit de Verkenningsdialoog" in invitation

    # Everyone answers the theme round; its ideas are put to the vote.
    ideas = (
        "Laat vrijwilligers de buurtbus rijden.",
        "Bouw tiny houses voor starters op gemeentegrond.",
        "Open het buurthuis elke ochtend voor koffie.",
        "Bouw tiny houses voor starters op gemeentegrond.",
    )
    for n, user in enumerate(everyone):
        for text in (
            "kiem",
            f"In ons dorp hielpen buren elkaar toen het nodig was, verhaal {n}.",
            f"Buren helpen buren {n}",
            "4",
            f"Een dorp waar iedereen een plek heeft, droom {n}.",
            ideas[n],
        ):
            await world.dm(user, text)
        await world.settle()
    await world.command("UHOST", "close")
    await world.settle()
    await world.command("UHOST", "stem over ideeen --punten 2")
    await world.settle()
    ballot = text_of(latest(fake, users[0], "vote_add"))
    lines = [line for line in ballot.splitlines() if line.startswith("*") and ".* " in line]
    options = {line.split(".* ", 1)[1]: line[1 : line.index(".")] for line in lines}
    houses = next(v for k, v in options.items() if "tiny houses" in k)
    bus = next(v for k, v in options.items() if "buurtbus" in k)
    # By hand: tiny houses gets a dot from all four, the bus from the host and Anna.
    for user in everyone:
        await press(world, fake, user, "vote_add", houses)
    for user in ("UHOST", users[0]):
        await press(world, fake, user, "vote_add", bus)
    await world.command("UHOST", "sluit")
    await world.settle()
    await press(world, fake, "UHOST", "stage_result", "publish")  # the host's review
    result = "\n".join(text_of(m) for m in fake.posts(CHANNEL)[-3:])
    assert "4 mensen stemden" in result, result
    assert "tiny houses voor starters op gemeentegrond: 4 stippen, van 4 stemmers (100%)" in (
        result
    ), result
    assert "buurtbus rijden: 2 stippen, van 2 stemmers (50%)" in result, result
    await publish_draft(world, fake)

    # An action from the round, taken on by its owner (named by his full name) with the button.
    owner = users[1]
    await world.command(
        "UHOST", 'actie "Grond zoeken voor tiny houses" --eigenaar "Bram Jansen" --wanneer 14d'
    )
    await world.settle()
    # Named as people see him: his full name, not all the names Slack knows him by.
    post = text_of(fake.posts(CHANNEL)[-1])
    assert "Nieuwe actie 1" in post and "— Bram Jansen (nog niet bevestigd)" in post, post
    assert world.app is not None
    async with world.app.db.sessions() as session:
        (action,) = (await session.scalars(select(ActionRow))).all()
        theme_round = await session.scalar(select(RoundRow).where(RoundRow.theme == theme))
    assert theme_round is not None and action.round_id == theme_round.id
    await world.press(owner, copy.deepcopy(with_button(fake, owner, action.id)), action.id)
    await world.settle()
    assert "staat op jouw naam" in text_of(world.last_private(owner))
    async with world.app.db.sessions() as session:
        assert (await session.scalars(select(ActionRow.accepted))).all() == [True]

    await world.command(users[2], "traject")
    await world.settle()
    (harvest,) = [text_of(m) for m in fake.ephemeral if m.user == users[2]]
    first = harvest.index("1. Verkenningsdialoog: Leven in het dorp")
    assert first < harvest.index(f"2. Waarderend onderzoeken: {theme}")

    # The series' harvest as a Word file, uploaded into the host's private chat only.
    await world.command("UHOST", "export traject docx")
    await world.settle()
    (shared,) = fake.files_in("UHOST")
    assert shared.filename == "traject.docx" and shared.data is not None
    word = docx.Document(io.BytesIO(shared.data))
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "1. Verkenningsdialoog: Leven in het dorp (gesloten)",
        f"2. Waarderend onderzoeken: {theme} (gesloten)",
    ], headings
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Stemming: Bouw tiny houses voor starters op gemeentegrond (4 stippen)" in text
    assert "Actie 1. Grond zoeken voor tiny houses — Bram Jansen, uiterlijk" in text, text
    assert fake.files_in(CHANNEL) == [] and all(fake.files_in(u) == [] for u in users)
    assert not fake.rejected(), fake.rejected()
