"""A series (traject) in a channel on the local adapter: an exploratory round whose published
themes come back to the gespreksleider as buttons, theme rounds started from them (two at
once in one channel, each person's answers in the round they are in), each invitation recaps
what the round before produced, and the series' harvest in the summary, ``traject`` and the
export (issue 18 items 1, 2 and 6)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.core.messages import Attachment, Entry, Outgoing
from bot.testing import LocalDriver, ManualClock
from storage.models import AnswerRow, ProgressRow, RoundRow, SeriesRow
from tests.core.conversation import CHANNEL, PEOPLE, choices, setup_channel
from tests.core.test_drafts import drafts_in

HOST = "U01ANNA"
# What each person wants to talk about (the first question) and why (the second): two
# subjects, so the exploration's summary has (at least) two themes.
EXPLORATION = {
    "U01ANNA": (
        "Betaalbare woningen voor jongeren in het dorp, want starters vinden geen huis.",
        "Jongeren trekken weg als er geen woningen zijn.",
    ),
    "U02BRAM": (
        "Woningen voor starters en jongeren: de wachtlijst voor een huurhuis is jaren.",
        "Zonder woningen geen jonge gezinnen en geen school.",
    ),
    "U03CHLOE": (
        "Eenzaamheid onder ouderen in de wijk, veel ouderen zitten alleen thuis.",
        "Ouderen hebben elkaar nodig en niemand ziet ze.",
    ),
    "U04DAAN": (
        "Ouderen die eenzaam zijn en alleen wonen, zonder bezoek in de wijk.",
        "Eenzaamheid maakt ouderen ziek.",
    ),
}


def theme_buttons(local: LocalDriver, user: str) -> list[Outgoing]:
    return [m for m in local.inbox(user) if any(c.key == "theme_round" for c in choices(m))]


async def explore(local: LocalDriver) -> str:
    """Start a series and its exploratory round, everyone answers, the host closes and
    publishes; returns the exploratory round's id."""
    setup_channel(local)
    started = await local.command(
        HOST, CHANNEL, 'traject start "Samen in het dorp" --doel "Weten wat leeft"'
    )
    assert "Het traject staat" in started.fallback, started.fallback
    post = local.channel(CHANNEL)[-1].fallback
    assert "Traject gestart: Samen in het dorp" in post and "Weten wat leeft" in post
    await local.command(HOST, CHANNEL, 'start verkenning --theme "Leven in het dorp"')
    invitation = local.inbox("U02BRAM")[-1].fallback
    assert "Verkenningsdialoog" in invitation
    assert "Waar wil je het over hebben, rond dit onderwerp?" in invitation
    assert "ronde 1 van het traject *Samen in het dorp*" in invitation
    for user, (topic, why) in EXPLORATION.items():
        await local.say(user, topic)
        await local.say(user, why)
    await local.command(HOST, CHANNEL, "close")
    draft = drafts_in(local, HOST)[-1]
    assert not theme_buttons(local, HOST), "no buttons before the summary is published"
    round_id = next(c for c in choices(draft) if c.key == "draft").round_id
    assert round_id is not None
    await local.press(HOST, "draft", "publish", round_id)
    return round_id


async def test_an_exploration_seeds_theme_rounds_that_recap_it(local: LocalDriver) -> None:
    exploration = await explore(local)
    published = local.channel(CHANNEL)[-1].fallback
    # Under the summary: its place in the series and the series' harvest so far.
    assert "Ronde 1 van het traject *Samen in het dorp*" in published
    assert "Traject Samen in het dorp: de oogst" in published

    async with local.app.db.sessions() as session:
        row = await session.get(RoundRow, exploration)
        assert row is not None and row.outcome is not None
        themes = json.loads(row.outcome)
    assert len(themes) >= 2, themes
    for theme in themes:
        assert theme in published, (theme, published)

    # The host (and nobody else) got a button per published theme, and a form for a story.
    (offer,) = theme_buttons(local, HOST)
    for user in PEOPLE:
        if user != HOST:
            assert not theme_buttons(local, user)
    buttons = next(c for c in choices(offer) if c.key == "theme_round")
    assert buttons.round_id == exploration
    assert [o.label for o in buttons.options] == [
        f"Start een themadialoog over {theme}" for theme in themes
    ]
    form = next(b for b in offer.blocks if isinstance(b, Entry))
    assert form.key == "theme_round_story" and form.round_id == exploration

    # One press starts an appreciative-inquiry round on the first theme, in the channel.
    reply = await local.press(HOST, "theme_round", "1", exploration)
    assert f"De themadialoog over *{themes[0]}* is gestart" in reply.fallback
    started = local.channel(CHANNEL)[-1].fallback
    assert "Waarderend onderzoeken" in started and themes[0] in started
    invitation = local.inbox("U03CHLOE")[-1].fallback
    assert f"Het thema: *{themes[0]}*" in invitation
    assert "ronde 2 van het traject *Samen in het dorp*" in invitation
    # The recap: what the exploration produced, before the first question.
    assert "Deze themadialoog komt uit de Verkenningsdialoog: Leven in het dorp" in invitation
    for theme in themes:
        assert theme in invitation
    assert invitation.index("komt uit de") < invitation.index("Knel of kiem")

    # Bram begins the first theme round; then the second theme's round starts, with the
    # host's own opening story, while the first is still open.
    await local.say("U02BRAM", "kiem")
    await local.say("U02BRAM", "In ons dorp bouwden we samen tien tiny houses voor starters.")
    story = "Mijn dochter vond na drie jaar zoeken een huis, dankzij een buurman."
    await local.press(HOST, "theme_round_story", f"2\t{story}", exploration)
    second = local.inbox("U03CHLOE")[-1].fallback
    assert f"Het thema: *{themes[1]}*" in second and story in second
    assert "ronde 3 van het traject" in second
    async with local.app.db.sessions() as session:
        open_rounds = (
            await session.scalars(select(RoundRow).where(RoundRow.status == "open"))
        ).all()
    assert {r.theme for r in open_rounds} == {themes[0], themes[1]}
    assert {r.origin_id for r in open_rounds} == {exploration}

    # Bram's next message belongs to the round he is in, not to the newer one.
    await local.say("U02BRAM", "Tien huizen, tien kansen")
    async with local.app.db.sessions() as session:
        first = await session.scalar(select(RoundRow).where(RoundRow.theme == themes[0]))
        assert first is not None
        counted = await session.scalar(
            select(func.count()).select_from(AnswerRow).where(AnswerRow.round_id == first.id)
        )
    assert counted == 2

    # At the end of the first theme round, Bram hears of the second and its first question;
    # his next answer goes there.
    await local.say("U02BRAM", "5")
    await local.say("U02BRAM", "Een dorp waar elke starter binnen een jaar een huis vindt.")
    end = await local.say("U02BRAM", "De gemeente wijst grond aan voor tiny houses.")
    assert "Je hebt alle vragen beantwoord" in end.fallback
    assert f"nog een ronde waarvoor je bent uitgenodigd: *Waarderend onderzoeken: {themes[1]}*" in (
        end.fallback
    )
    assert end.fallback.rindex("Knel of kiem") > end.fallback.index("nog een ronde")
    await local.say("U02BRAM", "knel")
    async with local.app.db.sessions() as session:
        other = await session.scalar(select(RoundRow).where(RoundRow.theme == themes[1]))
        assert other is not None
        progress = await session.scalar(
            select(func.count())
            .select_from(ProgressRow)
            .where(ProgressRow.round_id == other.id, ProgressRow.choice == "knel")
        )
    assert progress == 1

    # The same theme again, while its round is open: refused, nothing started.
    again = await local.press(HOST, "theme_round", "1", exploration)
    assert f"Over *{themes[0]}* loopt in dat kanaal al een themadialoog" in again.fallback

    # Two rounds hosted in one channel: a bare `sluit` asks which; `--thema` names it.
    which = await local.command(HOST, CHANNEL, "sluit")
    assert "meer dan één ronde" in which.fallback and themes[1] in which.fallback
    closed = await local.command(HOST, CHANNEL, f'sluit --thema "{themes[1]}"')
    assert "gesloten" in closed.fallback
    async with local.app.db.sessions() as session:
        still = (await session.scalars(select(RoundRow).where(RoundRow.status == "open"))).all()
    assert [r.theme for r in still] == [themes[0]]

    # `traject` shows every round in order with what each published.
    harvest = await local.command("U04DAAN", CHANNEL, "traject")
    text = harvest.fallback
    assert text.index("*1. Verkenningsdialoog") < text.index("*2. Waarderend onderzoeken")
    assert text.index("*2. Waarderend") < text.index("*3. Waarderend")
    assert f"Thema's: {', '.join(themes)}" in text

    # The export of the series: a Markdown file, privately to whoever started the series.
    before = len(local.inbox(HOST))
    done = await local.command(HOST, CHANNEL, "export traject")
    assert "De oogst van het traject staat als bestand (md)" in done.fallback
    (file,) = [b for m in local.inbox(HOST)[before:] for b in m.blocks if isinstance(b, Attachment)]
    document = file.data.decode("utf-8")
    assert file.filename == "traject.md" and "# Traject Samen in het dorp: de oogst" in document
    assert "**1. Verkenningsdialoog: Leven in het dorp**" in document
    for theme in themes:
        assert theme in document


async def test_the_next_round_of_a_series_recaps_the_previous_one(local: LocalDriver) -> None:
    await explore(local)
    published = json.loads(
        (await _scalar(local, select(RoundRow.outcome).where(RoundRow.template == "verkenning")))
        or "[]"
    )
    await local.command(HOST, CHANNEL, 'start --theme "Wonen"')
    invitation = local.inbox("U04DAAN")[-1].fallback
    assert "ronde 2 van het traject *Samen in het dorp*" in invitation
    assert "De vorige ronde (Verkenningsdialoog: Leven in het dorp) leverde deze thema's op" in (
        invitation
    )
    for theme in published:
        assert theme in invitation


async def test_a_series_with_a_method_takes_its_sessions_in_order(
    local: LocalDriver, clock: ManualClock
) -> None:
    setup_channel(local)
    await local.command(HOST, CHANNEL, 'traject start "Alliantie" --methode wwh')
    assert "Methode: Waarom, wat en hoe" in local.channel(CHANNEL)[-1].fallback
    await local.command(HOST, CHANNEL, "start")
    first = local.inbox("U02BRAM")[-1].fallback
    assert "1A Wijsheid van de aanwezigen" in first
    await local.command(HOST, CHANNEL, "close")
    await local.command(HOST, CHANNEL, "start")
    second = local.inbox("U02BRAM")[-1].fallback
    assert "1B Het waarom doorleven" in second and "ronde 2 van het traject" in second
    # An explicit template still wins over the method's next session.
    await local.command(HOST, CHANNEL, "close")
    await local.command(HOST, CHANNEL, "start stakeholder")
    assert "Stakeholderdialoog" in local.inbox("U02BRAM")[-1].fallback
    # Ending the series: only its starter can; then new rounds stand alone.
    refused = await local.command("U02BRAM", CHANNEL, "traject sluit")
    assert "Alleen wie het traject startte" in refused.fallback
    await local.command(HOST, CHANNEL, "close")
    ended = await local.command(HOST, CHANNEL, "traject sluit")
    assert "afgerond" in ended.fallback
    clock.advance(hours=2)  # past the limit of starts per hour in a channel
    await local.command(HOST, CHANNEL, "start")
    alone = local.inbox("U02BRAM")[-1].fallback
    assert "van het traject" not in alone and "Knel of kiem" in alone


async def _scalar(local: LocalDriver, query: object) -> str | None:
    async with local.app.db.sessions() as session:
        return await session.scalar(query)  # type: ignore[call-overload]


async def test_bad_series_and_theme_input_gets_a_clear_reply_and_changes_nothing(
    local: LocalDriver,
) -> None:
    setup_channel(local)

    async def counts() -> tuple[int, int]:
        async with local.app.db.sessions() as session:
            series = await session.scalar(select(func.count()).select_from(SeriesRow))
            rounds = await session.scalar(select(func.count()).select_from(RoundRow))
        return series or 0, rounds or 0

    unknown = await local.command(HOST, CHANNEL, 'traject start "X" --methode 9v')
    assert "De methode `9v` bestaat niet" in unknown.fallback and "7v" in unknown.fallback
    assert await counts() == (0, 0)
    english = await local.command(HOST, CHANNEL, 'series start "X" --method nope --lang en')
    assert "There is no method `nope`" in english.fallback
    assert "`fr`" in (await local.command(HOST, CHANNEL, 'series start "X" --lang fr')).fallback
    long = await local.command(HOST, CHANNEL, f'traject start "{"x" * 201}"')
    assert "hoogstens 200 tekens" in long.fallback
    assert "traject start" in (await local.command(HOST, CHANNEL, "traject")).fallback
    assert "traject start" in (await local.command(HOST, CHANNEL, "traject sluit")).fallback
    assert "traject start" in (await local.command(HOST, CHANNEL, "traject blabla")).fallback
    assert (
        "`export traject md`"
        in (await local.command(HOST, CHANNEL, "export traject xlsx")).fallback
    )
    assert "geen traject" in (await local.command(HOST, CHANNEL, "export traject")).fallback
    assert await counts() == (0, 0)
    await local.command(HOST, CHANNEL, 'traject start "Een"')
    twice = await local.command(HOST, CHANNEL, 'traject start "Twee"')
    assert "loopt al een traject: *Een*" in twice.fallback
    assert await counts() == (1, 0)

    # A theme button whose exploration is gone, or that names no theme it published.
    exploration = await _exploration_published(local)
    before = await counts()
    gone = await local.press(HOST, "theme_round", "1", "0" * 32)
    assert "Die verkenning bestaat niet meer" in gone.fallback
    stale = await local.press(HOST, "theme_round", "99", exploration)
    assert "al voorbij" in stale.fallback
    other = await local.press("U02BRAM", "theme_round", "1", exploration)
    assert "Alleen de gespreksleider van de verkenning" in other.fallback
    async with local.app.db.writing() as session:
        row = await session.get(RoundRow, exploration)
        assert row is not None
        await session.delete(row)
    deleted = await local.press(HOST, "theme_round", "1", exploration)
    assert "Die verkenning bestaat niet meer" in deleted.fallback
    assert await counts() == (before[0], before[1] - 1)


async def _exploration_published(local: LocalDriver) -> str:
    await local.command(HOST, CHANNEL, "start verkenning")
    for user, (topic, why) in EXPLORATION.items():
        await local.say(user, topic)
        await local.say(user, why)
    await local.command(HOST, CHANNEL, "close")
    round_id = next(c for c in choices(drafts_in(local, HOST)[-1]) if c.key == "draft").round_id
    assert round_id is not None
    await local.press(HOST, "draft", "publish", round_id)
    assert theme_buttons(local, HOST)
    return round_id


async def test_the_weekly_digest_shows_the_series_harvest(
    local: LocalDriver, clock: ManualClock
) -> None:
    await local.command(HOST, CHANNEL, "digest weekly monday 10:00")
    exploration = await explore(local)
    themes = json.loads(
        (await _scalar(local, select(RoundRow.outcome).where(RoundRow.id == exploration))) or "[]"
    )
    await local.press(HOST, "theme_round", "1", exploration)
    await local.say("U02BRAM", "kiem")
    await local.say("U02BRAM", "In ons dorp bouwden we samen tien tiny houses voor starters.")
    posts = len(local.channel(CHANNEL))
    clock.advance(days=7)
    fired = await local.app.scheduler.run_due()  # the exploration's thank-you (issue 18) too
    assert [job for job in fired if job.startswith("digest:")] == fired[-1:], fired
    await local.app.dispatcher.drain()
    overview = local.channel(CHANNEL)[posts].fallback
    assert "Traject Samen in het dorp: de oogst" in overview
    assert "*1. Verkenningsdialoog: Leven in het dorp* (gesloten)" in overview
    assert f"*2. Waarderend onderzoeken: {themes[0]}* (loopt)" in overview
    assert f"Thema's: {', '.join(themes)}" in overview
    assert "tiny houses" not in overview, "the harvest holds only what was published"


# Six people, three on each of two subjects: each theme reaches the threshold of three.
PRIORITIES = {
    "U01ANNA": "Betaalbare woningen voor starters: jonge starters vinden geen betaalbare woning.",
    "U02BRAM": "Woningen voor starters, want starters wachten jaren op een betaalbare woning.",
    "U05EVA": "Meer betaalbare woningen bouwen, starters moeten een woning kunnen vinden.",
    "U03CHLOE": "De buurtbus rijdt niet meer, dus zonder auto kom je het dorp niet uit.",
    "U04DAAN": "Zonder buurtbus en zonder bushalte kom je zonder auto nergens, de bus is nodig.",
    "U06FENNA": "Breng de buurtbus terug: ouderen zonder auto kunnen niet meer naar de bushalte.",
}
SIX = {**PEOPLE, "U05EVA": "Eva Smit", "U06FENNA": "Fenna Mulder"}


async def test_7v_prioritises_by_vote_then_deepens_a_theme_from_its_button(
    local: LocalDriver,
) -> None:
    """7V's voorkeuren session in a series: a question, then dot-voting on its themes when
    it closes (the vote kind); once its summary is published, its themes start deep-dive
    rounds (7v-verdiepen) that recap it."""
    from tests.core.test_ballots import buttons, press, publish_result

    setup_channel(local, SIX)
    await local.command(HOST, CHANNEL, 'traject start "Regionale samenwerking" --methode 7v')
    await local.command(HOST, CHANNEL, "start 7v-voorkeuren")
    invitation = local.inbox("U02BRAM")[-1].fallback
    assert "7V-dialoog: 5 Voorkeuren" in invitation and "Vraag 1 van 1" in invitation
    for user, priority in PRIORITIES.items():
        await local.say(user, priority)
    await local.command(HOST, CHANNEL, "close")
    ballot = local.inbox("U02BRAM")[-1]
    assert "stippen" in ballot.fallback
    add = buttons(ballot, "vote_add")
    for user in SIX:
        await press(local, user, "vote_add", "1", add.round_id)
    await local.command(HOST, CHANNEL, "sluit")
    await publish_result(local)  # the result, too, reaches the host first (PRODUCT.md §3)
    assert "6 stippen, van 6 stemmers (100%)" in "\n".join(
        m.fallback for m in local.channel(CHANNEL)[-3:]
    )
    draft = drafts_in(local, HOST)[-1]
    round_id = next(c for c in choices(draft) if c.key == "draft").round_id
    await local.press(HOST, "draft", "publish", round_id)
    (offer,) = theme_buttons(local, HOST)
    assert "7V-dialoog: 6 Verdiepen" in offer.fallback
    first = next(c for c in choices(offer) if c.key == "theme_round").options[0]
    theme = first.label.removeprefix("Start een themadialoog over ")
    await local.press(HOST, "theme_round", "1", round_id)
    deep = local.inbox("U03CHLOE")[-1].fallback
    assert "7V-dialoog: 6 Verdiepen" in deep and f"Het thema: *{theme}*" in deep
    assert "Deze themadialoog komt uit de 7V-dialoog: 5 Voorkeuren" in deep
    assert "ronde 2 van het traject *Regionale samenwerking*" in deep
