"""A whole 7V series on the local adapter, with eight people (issue 18, *Done when*): the
series started with its method, each session a round of its own a week apart, the exploration,
the enrichment, the prioritising round with its vote (the counts worked out by hand below),
a deep-dive round on the top theme started from the gespreksleider's button, actions with
owners who take them on with the button, the owners' reminders at the manual clock, the news
to the invitees when an action is done, and the series' harvest (``traject`` and
``export traject``) with every round in order. Each step checks what people read: the recap in
the next invitation, the counts, the order."""

from __future__ import annotations

import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import docx
from sqlalchemy import select

from bot.core.messages import Attachment, Outgoing
from bot.testing import LocalDriver, ManualClock
from storage.models import ActionRow, RoundRow
from tests.core.conversation import CHANNEL, PEOPLE, choices, publish, setup_channel
from tests.core.test_actions import accept_button
from tests.core.test_ballots import buttons, press, publish_result
from tests.core.test_schedules import tick

HOST = "U01ANNA"
EIGHT = {
    **PEOPLE,
    "U05EVA": "Eva Smit",
    "U06FENNA": "Fenna Mulder",
    "U07GIJS": "Gijs de Boer",
    "U08HANNA": "Hanna Peters",
}
# Three people on housing, three on the bus, two on loneliness: the first two subjects reach
# the threshold of three, the third does not (and so never shows as a theme on its own).
HOUSING = ("U01ANNA", "U02BRAM", "U05EVA")
BUS = ("U03CHLOE", "U04DAAN", "U06FENNA")
LONELY = ("U07GIJS", "U08HANNA")
TITLE = "Regionale samenwerking"

# What each person answers in each text session: (housing, bus, loneliness) variants.
SESSIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "vinden": (
        (
            "De woningcorporatie en starters die een betaalbare woning zoeken.",
            "Starters op de woningmarkt en de woningcorporatie, zij zoeken een betaalbare woning.",
            "De woningcorporatie, want starters vinden geen betaalbare woning.",
        ),
        (
            "De vervoerder van de buurtbus en de chauffeurs van de buurtbus.",
            "Vrijwilligers van de buurtbus en de vervoerder.",
            "De vervoerder: zonder buurtbus komen ouderen nergens.",
        ),
        (
            "De ouderenbond en de mantelzorgers.",
            "Mantelzorgers en de huisarts.",
        ),
    ),
    "verzamelen": (
        (
            "Cijfers over de wachtlijst voor een betaalbare woning voor starters.",
            "Hoe lang starters wachten op een betaalbare woning.",
            "Welke betaalbare woning er voor starters wordt gebouwd.",
        ),
        (
            "De dienstregeling van de buurtbus en waar de bushalte staat.",
            "Hoeveel mensen de buurtbus nemen en welke bushalte verdwijnt.",
            "Wat de buurtbus kost en welke bushalte het drukst is.",
        ),
        (
            "Hoeveel ouderen alleen wonen.",
            "Wat de huisarts ziet.",
        ),
    ),
    "verkennen": (
        (
            "Betaalbare woningen voor starters: jonge starters vinden geen betaalbare woning.",
            "Woningen voor starters, want starters wachten jaren op een betaalbare woning.",
            "Meer betaalbare woningen bouwen, starters moeten een woning kunnen vinden.",
        ),
        (
            "De buurtbus rijdt niet meer, dus zonder auto kom je het dorp niet uit.",
            "Zonder buurtbus en zonder bushalte kom je zonder auto nergens, de bus is nodig.",
            "Breng de buurtbus terug: ouderen zonder auto kunnen niet meer naar de bushalte.",
        ),
        (
            "Eenzaamheid onder ouderen in de wijk: veel ouderen zitten eenzaam alleen thuis.",
            "Ouderen die eenzaam zijn en alleen wonen, eenzaamheid zonder bezoek in de wijk.",
        ),
    ),
    "verrijken": (
        (
            "Bouw tiny houses als betaalbare woning voor starters op grond van de gemeente.",
            "Geef starters voorrang bij een betaalbare woning in hun eigen dorp.",
            "Laat de woningcorporatie elk jaar tien betaalbare woningen voor starters bouwen.",
        ),
        (
            "Laat vrijwilligers de buurtbus rijden op vaste tijden langs elke bushalte.",
            "Een belbus voor ouderen als de buurtbus niet rijdt, met een bushalte bij de kerk.",
            "De gemeente betaalt de buurtbus zolang de vervoerder geen lijn rijdt.",
        ),
        (
            "Een koffieochtend in het buurthuis.",
            "Bezoekjes door vrijwilligers.",
        ),
    ),
    "voorkeuren": (
        (
            "Betaalbare woningen voor starters: jonge starters vinden geen betaalbare woning.",
            "Woningen voor starters, want starters wachten jaren op een betaalbare woning.",
            "Meer betaalbare woningen bouwen, starters moeten een woning kunnen vinden.",
        ),
        (
            "De buurtbus rijdt niet meer, dus zonder auto kom je het dorp niet uit.",
            "Zonder buurtbus en zonder bushalte kom je zonder auto nergens, de bus is nodig.",
            "Breng de buurtbus terug: ouderen zonder auto kunnen niet meer naar de bushalte.",
        ),
        (
            "Eenzaamheid onder ouderen in de wijk: veel ouderen zitten eenzaam alleen thuis.",
            "Ouderen die eenzaam zijn en alleen wonen, eenzaamheid zonder bezoek in de wijk.",
        ),
    ),
}


def answers(session: str) -> dict[str, str]:
    housing, bus, lonely = SESSIONS[session]
    return {
        **dict(zip(HOUSING, housing, strict=True)),
        **dict(zip(BUS, bus, strict=True)),
        **dict(zip(LONELY, lonely, strict=True)),
    }


async def rounds(local: LocalDriver) -> list[RoundRow]:
    async with local.app.db.sessions() as session:
        return list(await session.scalars(select(RoundRow).order_by(RoundRow.seq)))


async def themes_of(local: LocalDriver, round_id: str) -> list[str]:
    async with local.app.db.sessions() as session:
        row = await session.get(RoundRow, round_id)
    assert row is not None and row.outcome is not None
    return list(json.loads(row.outcome))


def thanked(local: LocalDriver, user: str) -> int:
    return sum("Dank je wel voor je inbreng" in m.fallback for m in local.inbox(user))


async def next_week(local: LocalDriver, clock: ManualClock) -> list[str]:
    """A week passes between sessions; the timers due by then fire (the thank-yous)."""
    clock.advance(days=7)
    return await tick(local)


async def session_round(
    local: LocalDriver, clock: ManualClock, place: int, title: str, session: str
) -> tuple[RoundRow, Outgoing]:
    """``start`` takes the method's next session; everyone answers its one question; the
    host closes and publishes. Returns the round and Bram's invitation."""
    await local.command(HOST, CHANNEL, "start")
    invitation = local.inbox("U02BRAM")[-1]
    assert f"7V-dialoog: {title}" in invitation.fallback, invitation.fallback
    assert f"Dit is ronde {place} van het traject *{TITLE}*" in invitation.fallback
    for user, text in answers(session).items():
        await local.say(user, text)
    await local.command(HOST, CHANNEL, "close")
    await publish(local)
    row = (await rounds(local))[-1]
    assert row.series_place == place and row.status == "closed"
    return row, invitation


def dutch(day: dt.date) -> str:
    return f"{day.day}-{day.month}-{day.year}"


def recap_line(title: str, themes: list[str]) -> str:
    return f"De vorige ronde (7V-dialoog: {title}) leverde deze thema's op: {', '.join(themes)}."


async def test_a_whole_7v_series_with_eight_people(local: LocalDriver, clock: ManualClock) -> None:
    setup_channel(local, EIGHT)
    started = await local.command(
        HOST, CHANNEL, f'traject start "{TITLE}" --methode 7v --doel "Samen kiezen wat eerst moet"'
    )
    assert "Het traject staat" in started.fallback
    post = local.channel(CHANNEL)[-1].fallback
    assert f"Traject gestart: {TITLE}" in post and "Methode: 7V-dialoog" in post

    # 1-4: find, gather, explore, enrich; each invitation recaps the round before.
    titles = ["1 Vinden", "2 Verzamelen", "3 Verkennen", "4 Verrijken"]
    produced: list[list[str]] = []
    for place, (title, session) in enumerate(
        zip(titles, ("vinden", "verzamelen", "verkennen", "verrijken"), strict=True), start=1
    ):
        row, invitation = await session_round(local, clock, place, title, session)
        if place == 1:
            assert "De vorige ronde" not in invitation.fallback
        else:
            assert produced[-1], f"round {place - 1} published no themes"
            assert recap_line(titles[place - 2], produced[-1]) in invitation.fallback
            # the recap comes before the question
            assert invitation.fallback.index("De vorige ronde") < invitation.fallback.index(
                "Vraag 1 van 1"
            )
        produced.append(await themes_of(local, row.id))
        fired = await next_week(local, clock)
        assert fired == [f"thanks:{row.id}"], fired
        for user in EIGHT:
            assert thanked(local, user) == place, user
    exploration, enrichment = produced[2], produced[3]
    assert any("woning" in t for t in exploration) and any("buurtbus" in t for t in exploration)
    assert not any("eenzaam" in t for t in exploration), "two people are below the threshold"
    assert any("woning" in t for t in enrichment), enrichment

    # 5: prioritise. The question, then at its close the vote on its themes.
    await local.command(HOST, CHANNEL, "start")
    invitation = local.inbox("U07GIJS")[-1].fallback
    assert "7V-dialoog: 5 Voorkeuren" in invitation
    assert recap_line("4 Verrijken", enrichment) in invitation
    for user, text in answers("voorkeuren").items():
        await local.say(user, text)
    await local.command(HOST, CHANNEL, "close")
    ballot = local.inbox("U02BRAM")[-1]
    add = buttons(ballot, "vote_add")
    stage = add.round_id
    options = [line for line in ballot.fallback.splitlines() if line.startswith("*")]
    labels = [line.split("* ", 1)[1] for line in options]
    assert len(labels) == 2 and [o.value for o in add.options] == ["1", "2"], ballot.fallback
    # The template's three dots, at most one per option, on two options: two to place.
    assert "Je hebt 2 stippen om te verdelen" in ballot.fallback, ballot.fallback
    assert "Geplaatst: 0 van je 2 stippen" in ballot.fallback
    housing = 1 if "woning" in labels[0] else 2
    bus = 3 - housing
    assert "buurtbus" in labels[bus - 1]
    # By hand: the bus gets a dot from all eight, housing from Anna, Bram and Eva (its three)
    # and from Gijs; Hanna places none. Chloé first puts hers on housing, then moves it.
    votes = {user: [str(bus)] for user in EIGHT if user != "U08HANNA"}
    for user in (*HOUSING, "U07GIJS"):
        votes[user].append(str(housing))
    votes["U08HANNA"] = [str(bus)]
    for user, values in votes.items():
        for value in values:
            await press(local, user, "vote_add", value, stage)
    await press(local, "U03CHLOE", "vote_add", str(housing), stage)
    await press(local, "U03CHLOE", "vote_remove", str(housing), stage)
    # Bus: 8 dots from 8 voters (100%); housing: 4 dots from 4 of the 8 voters (50%).
    posts = len(local.channel(CHANNEL))
    await local.command(HOST, CHANNEL, "sluit")
    assert "kijkt de uitslag na" in local.channel(CHANNEL)[-1].fallback
    waiting = (await local.command("U04DAAN", CHANNEL, "traject")).fallback
    assert "Stemming" not in waiting and "stippen" not in waiting, "not before it is published"
    await publish_result(local)  # the host reviews the result first (PRODUCT.md §3)
    result = "\n".join(m.fallback for m in local.channel(CHANNEL)[posts:])
    assert "8 mensen stemden" in result, result
    top, second = labels[bus - 1], labels[housing - 1]
    assert f"1. {top}: 8 stippen, van 8 stemmers (100%)" in result, result
    assert f"2. {second}: 4 stippen, van 4 stemmers (50%)" in result, result
    await publish(local)
    prioritise = (await rounds(local))[-1]
    assert prioritise.series_place == 5
    published = local.channel(CHANNEL)[-1].fallback
    assert "Ronde 5 van het traject" in published

    # 6: the deep-dive on the top theme, from the host's button.
    offers = [m for m in local.inbox(HOST) if any(c.key == "theme_round" for c in choices(m))]
    (offer,) = offers
    theme_buttons = next(c for c in choices(offer) if c.key == "theme_round")
    by_label = {
        o.label.removeprefix("Start een themadialoog over "): o.value for o in theme_buttons.options
    }
    assert top in by_label, (top, by_label)
    # In the order of the vote: the bus (8 dots) first, though the summary named housing
    # first; each button still names the theme's number in the published summary.
    assert list(by_label) == [top, second], by_label
    assert "Op volgorde van de stemming" in offer.fallback
    summary_order = await themes_of(local, prioritise.id)
    assert by_label[top] == str(summary_order.index(top) + 1)
    clock.advance(days=7)
    await tick(local)
    reply = await local.press(HOST, "theme_round", by_label[top], prioritise.id)
    assert f"De themadialoog over *{top}* is gestart" in reply.fallback
    deep = local.inbox("U06FENNA")[-1].fallback
    assert "7V-dialoog: 6 Verdiepen" in deep and f"Het thema: *{top}*" in deep
    assert "Dit is ronde 6 van het traject" in deep
    assert "Deze themadialoog komt uit de 7V-dialoog: 5 Voorkeuren" in deep
    # and what the vote there gave, before the first question
    vote = f"Stemming: {top} (8 stippen), {second} (4 stippen)."
    assert deep.index("komt uit de") < deep.index(vote) < deep.index("Vraag 1 van 2"), deep
    for n, user in enumerate(EIGHT, start=1):
        await local.say(
            user, f"Toen de buurtbus stopte, bracht een buurman me naar de markt ({n})."
        )
        await local.say(
            user, f"Laat vrijwilligers de buurtbus elke dinsdag naar de markt rijden ({n})."
        )
    await local.command(HOST, CHANNEL, f'sluit --thema "{top}"')
    await publish(local)
    dive = (await rounds(local))[-1]
    assert dive.series_place == 6 and dive.theme == top and dive.origin_id == prioritise.id

    # Actions: one of the deep-dive's ideas and one the host words; owners accept by button.
    zone = ZoneInfo("Europe/Amsterdam")
    today = clock.now().astimezone(zone).date()
    due_first = today + dt.timedelta(days=14)
    due_second = today + dt.timedelta(days=21)
    first = await local.command(
        HOST,
        CHANNEL,
        f"actie --idee 1 --eigenaar @bram --wanneer {dutch(due_first)}",
    )
    assert "Actie 1 staat genoteerd" in first.fallback, first.fallback
    other = await local.command(
        HOST,
        CHANNEL,
        'actie "De gemeente vraagt de vervoerder om een nieuwe buurtbuslijn" --eigenaar "Chloé"'
        f" --wanneer {dutch(due_second)}",
    )
    assert "Actie 2 staat genoteerd" in other.fallback, other.fallback
    for owner, number in (("U02BRAM", 1), ("U03CHLOE", 2)):
        button = accept_button(local.inbox(owner)[-1])
        accepted = await local.press(owner, "action_accept", button.options[0].value, None)
        assert "staat op jouw naam" in accepted.fallback and f"Actie {number}" in accepted.fallback
    async with local.app.db.sessions() as session:
        stored = list(await session.scalars(select(ActionRow).order_by(ActionRow.number)))
    assert [(a.owner_id, a.accepted, a.round_id) for a in stored] == [
        ("U02BRAM", True, dive.id),
        ("U03CHLOE", True, dive.id),
    ]
    assert "buurtbus" in stored[0].text and "markt" in stored[0].text
    listed = await local.command("U08HANNA", CHANNEL, "acties")
    assert "2 afgesproken acties" in listed.fallback
    assert listed.fallback.index("Bram Jansen") < listed.fallback.index("Chloé Bakker")

    # 7: continue; its invitation recaps the deep-dive.
    clock.advance(days=1)
    await local.command(HOST, CHANNEL, "start")
    invitation = local.inbox("U05EVA")[-1].fallback
    assert "7V-dialoog: 7 Voortzetten" in invitation and "Dit is ronde 7" in invitation
    dive_themes = await themes_of(local, dive.id)
    assert dive_themes, "the deep-dive published themes"
    assert (
        f"De vorige ronde (7V-dialoog: 6 Verdiepen: {top}) leverde deze thema's op: "
        f"{', '.join(dive_themes)}" in invitation
    )
    for user in EIGHT:
        await local.say(user, "Elke maand een bericht in het kanaal over de acties.")
        await local.say(user, "Per bericht: wat er af is en wat nog niet.")
    await local.command(HOST, CHANNEL, "close")
    await publish(local)

    # The owners' reminders: a day before each due moment (17:00 in Amsterdam), once each.
    def reminder_moment(day: dt.date) -> dt.datetime:
        due = dt.datetime.combine(day, dt.time(17, 0), zone) - dt.timedelta(days=1)
        return due.astimezone(dt.UTC)

    for owner, day in (("U02BRAM", due_first), ("U03CHLOE", due_second)):
        clock.set(reminder_moment(day) - dt.timedelta(minutes=1))
        assert not [j for j in await tick(local) if j.startswith("action:")]
        before = len(local.inbox(owner))
        clock.advance(minutes=2)
        fired = [j for j in await tick(local) if j.startswith("action:")]
        assert len(fired) == 1, fired
        reminders = [m.fallback for m in local.inbox(owner)[before:]]
        assert len(reminders) == 1 and "Herinnering" in reminders[0], reminders
        if owner == "U02BRAM":
            assert "markt" in reminders[0]
            # Bram finishes his; everyone the deep-dive invited hears what happened.
            counts = {user: len(local.inbox(user)) for user in EIGHT}
            done = await local.command(owner, CHANNEL, "actie 1 klaar")
            assert "klaar" in done.fallback
            for user in EIGHT:
                news = [m.fallback for m in local.inbox(user)[counts[user] :]]
                told = [t for t in news if "Wat er met je inbreng gebeurde" in t]
                assert len(told) == 1, (user, news)
                assert top in told[0] and "markt" in told[0]

    # The series' harvest: all seven rounds in order, with what each published.
    harvest = (await local.command("U04DAAN", CHANNEL, "traject")).fallback
    expected = [
        "*1. 7V-dialoog: 1 Vinden* (gesloten)",
        "*2. 7V-dialoog: 2 Verzamelen* (gesloten)",
        "*3. 7V-dialoog: 3 Verkennen* (gesloten)",
        "*4. 7V-dialoog: 4 Verrijken* (gesloten)",
        "*5. 7V-dialoog: 5 Voorkeuren* (gesloten)",
        f"*6. 7V-dialoog: 6 Verdiepen: {top}* (gesloten)",
        "*7. 7V-dialoog: 7 Voortzetten* (gesloten)",
    ]
    at = [harvest.index(line) for line in expected]
    assert at == sorted(at), harvest
    assert f"Thema's: {', '.join(exploration)}" in harvest
    # Beside the themes: the vote's result under round 5, the actions under round 6.
    done_line = f"Actie 1. {stored[0].text} — Bram Jansen, uiterlijk"
    open_line = f"Actie 2. {stored[1].text} — Chloé Bakker, uiterlijk"
    assert vote in harvest, harvest
    assert at[4] < harvest.index(vote) < at[5], harvest
    assert at[5] < harvest.index(done_line) < harvest.index(open_line) < at[6], harvest
    assert "(klaar)" in harvest[harvest.index(done_line) : harvest.index(open_line)]

    before = len(local.inbox(HOST))
    done = await local.command(HOST, CHANNEL, "export traject")
    assert "(md)" in done.fallback
    (file,) = [b for m in local.inbox(HOST)[before:] for b in m.blocks if isinstance(b, Attachment)]
    document = file.data.decode("utf-8")
    at = [document.index(line.replace("*", "**")) for line in expected]
    assert at == sorted(at), document

    # The same harvest as a Word file, through the series' export formats.
    before = len(local.inbox(HOST))
    done = await local.command(HOST, CHANNEL, "export traject docx")
    assert "De oogst van het traject staat als bestand (docx)" in done.fallback
    (file,) = [b for m in local.inbox(HOST)[before:] for b in m.blocks if isinstance(b, Attachment)]
    assert file.filename == "traject.docx"
    word = docx.Document(io.BytesIO(file.data))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [line.replace("*", "") for line in expected], headings
    assert word.paragraphs[0].text == f"Traject {TITLE}: de oogst"
    assert word.core_properties.title == "Oogst van het traject"
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Doel: Samen kiezen wat eerst moet" in text
    assert f"Thema's: {', '.join(exploration)}" in text
    assert vote in text and done_line in text and open_line in text


async def test_a_late_invitation_by_reminder_carries_the_series_recap(
    local: LocalDriver, clock: ManualClock
) -> None:
    """Someone who joins the channel after a series round started gets its invitation with
    the next reminder: with the round's place and what the round before produced, as the
    first invitations had; and with a group question, that question first, not the first
    prompt beside it."""
    from tests.core.test_series import explore

    exploration = await explore(local)
    themes = await themes_of(local, exploration)
    clock.advance(hours=2)
    await local.command(HOST, CHANNEL, 'start --theme "Wonen" --segment "raadslid, griffier"')
    first = local.inbox("U02BRAM")[-1].fallback
    late = "U09IRIS"
    local.platform.add_channel(
        CHANNEL, [local.member(u, n) for u, n in {**PEOPLE, late: "Iris Kok"}.items()]
    )
    reply = await local.command(HOST, CHANNEL, "herinner")
    assert "5 herinneringen verstuurd" in reply.fallback, reply.fallback
    (invitation,) = local.inbox(late)
    text = invitation.fallback
    recap = (
        "De vorige ronde (Verkenningsdialoog: Leven in het dorp) leverde deze thema's op: "
        f"{', '.join(themes)}."
    )
    for expected in ("Dit is ronde 2 van het traject *Samen in het dorp*", recap):
        assert expected in first and expected in text, (expected, text)
    # The group question comes first and alone, as in the first invitations: the very same
    # message.
    assert "Knel of kiem" not in text and [c.key for c in choices(invitation)] == ["segment"]
    assert text == first
