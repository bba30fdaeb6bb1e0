"""Dot-voting and reactions to the draft harvest on the local adapter (issue 17): a round, then
a vote with five people (one moves a dot, one's press arrives twice), then the result with the
counts worked out by hand; a feedback stage with consensus and divisive statements; bad input
refused privately with nothing changed; nothing published below the threshold."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st
from sqlalchemy import select

from bot.core.commands import CommandError, parse
from bot.core.feedback import classify
from bot.core.messages import Choices, Entry, Incoming, Outgoing
from bot.core.prompts import Catalog
from bot.core.pseudonyms import SecretError
from bot.core.stages import opening_of
from bot.core.voting import ranked
from bot.runtime.app import App
from bot.support.settings import Settings
from bot.testing import LocalDriver, LocalPlatform, ManualClock
from storage.models import BallotRow, StageRow
from tests.conftest import make_settings
from tests.core.conversation import CHANNEL, HOST, PEOPLE, answer_all, choices, setup_channel

FIVE = {**PEOPLE, "U05EVA": "Eva Smit"}
LIST = 'stem "Buurtbus" "Langer open bibliotheek" "Bankjes op het plein" --punten 3 --per-optie 2'


async def closed_round(local: LocalDriver, people: dict[str, str] = FIVE) -> None:
    setup_channel(local, people)
    await local.command(HOST, CHANNEL, "start")
    for n, user in enumerate(people, start=1):
        await answer_all(local, user, n)
    await local.command(HOST, CHANNEL, "close")


def buttons(message: Outgoing, key: str) -> Choices:
    return next(c for c in choices(message) if c.key == key)


async def press(
    local: LocalDriver, user: str, key: str, value: str, ref: str | None, event: str | None = None
) -> Outgoing:
    return await local.exchange(
        Incoming(
            "local", "local", user, "", None, action=key, value=value, round_id=ref, event_id=event
        )
    )


async def publish_result(local: LocalDriver, value: str = "publish") -> Outgoing:
    """The host's press on the result waiting for review (PRODUCT.md §3, Publishing)."""
    for message in reversed(local.inbox(HOST)):
        found = [c for c in choices(message) if c.key == "stage_result"]
        if found:
            return await press(local, HOST, "stage_result", value, found[0].round_id)
    raise AssertionError("no result waiting for the host")


async def ballots(local: LocalDriver) -> list[str]:
    async with local.app.db.sessions() as session:
        return sorted((await session.scalars(select(BallotRow.choices))).all())


async def test_five_vote_one_moves_a_dot_one_press_arrives_twice_and_the_counts_are_right(
    local: LocalDriver,
) -> None:
    await closed_round(local)
    reply = await local.command(HOST, CHANNEL, LIST)
    assert "klaar bij iedereen" in reply.fallback
    assert "De 5 leden" in local.channel(CHANNEL)[-1].fallback
    ballot = local.inbox("U02BRAM")[-1]
    add = buttons(ballot, "vote_add")
    stage = add.round_id
    assert [o.value for o in add.options] == ["1", "2", "3"]
    assert "3 stippen" in ballot.fallback and "hoogstens 2 stippen per optie" in ballot.fallback
    # Worked out by hand: Anna 1,1,2  Bram 1,2 (+ a 3 moved to 2)  Chloé 3,3  Daan 2
    # (its press delivered twice)  Eva 1,3.  Option 1: 2+1+1 = 4 dots from 3 voters;
    # option 2: 1+2+1 = 4 dots from 3; option 3: 2+1 = 3 dots... see below.
    for user, values in {
        "U01ANNA": ["1", "1", "2"],
        "U02BRAM": ["1", "2", "3"],
        "U03CHLOE": ["3", "3"],
        "U05EVA": ["1", "3"],
    }.items():
        for value in values:
            await press(local, user, "vote_add", value, stage)
    # Bram changes his mind: the dot on 3 goes to 2.
    moved = await press(local, "U02BRAM", "vote_remove", "3", stage)
    moved = await press(local, "U02BRAM", "vote_add", "2", stage)
    assert (
        "Geplaatst: 3 van je 3 stippen" in moved.fallback
        and "*2.* Langer open bibliotheek  ●●" in moved.fallback
    )
    # Daan's press arrives twice (the platform retried the same delivery): one dot.
    await press(local, "U04DAAN", "vote_add", "2", stage, event="ev-daan-1")
    await press(local, "U04DAAN", "vote_add", "2", stage, event="ev-daan-1")
    assert '{"2": 1}' in await ballots(local)
    status = await local.command(HOST, CHANNEL, "status")
    assert "Gestemd: 5 van de 5 uitgenodigden" in status.fallback
    closed = await local.command(HOST, CHANNEL, "sluit")
    assert "vernietigd" in closed.fallback and "concept" in closed.fallback
    assert "kijkt de uitslag na" in local.channel(CHANNEL)[-1].fallback
    draft = next(m for m in reversed(local.inbox(HOST)) if "Concept: de uitslag" in m.fallback)
    assert "1. (gedeeld) Buurtbus: 4 stippen" in draft.fallback, "the host sees it first"
    outsider = await press(local, "U02BRAM", "stage_result", "publish", stage)
    assert "host" in outsider.fallback or "gespreksleider" in outsider.fallback
    assert "kijkt de uitslag na" in local.channel(CHANNEL)[-1].fallback, "nothing posted"
    assert "in het kanaal" in (await publish_result(local)).fallback
    result = local.channel(CHANNEL)[-1].fallback
    # Option 1: Anna 2, Bram 1, Eva 1 = 4 dots, 3 of 5 voters (60%).
    # Option 2: Anna 1, Bram 2, Daan 1 = 4 dots, 3 of 5 (60%): tied with option 1.
    # Option 3: Chloé 2, Eva 1 = 3 dots, 2 of 5 (40%).
    assert "5 mensen stemden" in result
    assert "1. (gedeeld) Buurtbus: 4 stippen, van 3 stemmers (60%)" in result
    assert "1. (gedeeld) Langer open bibliotheek: 4 stippen, van 3 stemmers (60%)" in result
    assert "3. Bankjes op het plein: 3 stippen, van 2 stemmers (40%)" in result
    assert local.app.keyring.key_files.round_ids() == [], "the stage's key is destroyed"
    late = await press(local, "U02BRAM", "vote_add", "1", stage)
    assert "al gesloten" in late.fallback


async def test_bad_votes_are_refused_privately_and_change_nothing(local: LocalDriver) -> None:
    await closed_round(local)
    await local.command(HOST, CHANNEL, LIST)
    stage = buttons(local.inbox("U02BRAM")[-1], "vote_add").round_id
    for value in ("1", "1"):
        await press(local, "U02BRAM", "vote_add", value, stage)
    before = await ballots(local)
    refused = {
        "vote_add:1": "hoogstens 2 stippen",
        "vote_add:9": "er zijn 3 opties",
        "vote_add:x": "er zijn 3 opties",
        "vote_remove:2": "geen stip van jou",
    }
    for pressed, says in refused.items():
        key, value = pressed.split(":")
        reply = await press(local, "U02BRAM", key, value, stage)
        assert says in reply.fallback, (pressed, reply.fallback)
    assert await ballots(local) == before, "a refused press changes nothing"
    await press(local, "U02BRAM", "vote_add", "2", stage)
    reply = await press(local, "U02BRAM", "vote_add", "3", stage)
    assert "al je 3 stippen" in reply.fallback
    outsider = await press(local, "U99ZOE", "vote_add", "1", stage)
    assert "niet uitgenodigd" in outsider.fallback
    assert '{"1": 2, "2": 1}' in await ballots(local)  # only the good presses counted
    for words, says in {
        "stem over koffie": "niet over `koffie`",
        "stem --punten 0": "van 1 tot en met 20",
        "stem --theme x": "ken ik niet bij `stem`",
        "stem --punten 2 --per-optie 3": "niet meer stippen",
        'stem "Alleen deze"': "minstens twee verschillende",
        LIST: "loopt al een stemming",
    }.items():
        reply = await local.command(HOST, CHANNEL, words)
        assert says in reply.fallback, (words, reply.fallback)
    not_host = await local.command("U02BRAM", CHANNEL, "sluit")
    assert "host" in not_host.fallback or "gespreksleider" in not_host.fallback


async def test_below_the_threshold_nothing_about_the_vote_is_published(local: LocalDriver) -> None:
    await closed_round(local)
    await local.command(HOST, CHANNEL, LIST)
    stage = buttons(local.inbox("U02BRAM")[-1], "vote_add").round_id
    await press(local, "U02BRAM", "vote_add", "1", stage)
    await press(local, "U03CHLOE", "vote_add", "2", stage)
    posted = len(local.channel(CHANNEL))
    await local.command(HOST, CHANNEL, "sluit")
    result = local.channel(CHANNEL)[posted:]
    text = "\n".join(m.fallback for m in result)
    assert "Te weinig mensen" in text
    assert "Buurtbus" not in text and "stip" not in text
    async with local.app.db.sessions() as session:
        row = await session.scalar(select(StageRow))
    assert row is not None and row.results == '{"published": false}'


def test_consensus_and_divisive_worked_out_by_hand() -> None:
    assert classify(5, 0, 0, 3) == "consensus_agree"
    assert classify(7, 3, 0, 3) == "consensus_agree"  # exactly 70%
    assert classify(1, 4, 0, 3) == "consensus_disagree"
    assert classify(3, 2, 0, 3) == "divisive"  # 40% on the smaller side
    assert classify(6, 4, 0, 3) == "divisive"
    assert classify(1, 1, 3, 3) == "unclear"  # five reacted, only two took a side
    assert classify(1, 1, 0, 3) is None  # too few reacted: not shown
    assert ranked([4, 4, 3, 0]) == [1, 1, 3, 4]


async def test_feedback_on_the_harvest_gives_consensus_divisive_and_comments(
    local: LocalDriver,
) -> None:
    await closed_round(local)
    await local.command(HOST, CHANNEL, "publiceer")
    reply = await local.command(HOST, CHANNEL, "feedback")
    assert "uitspraken staan klaar" in reply.fallback
    first = local.inbox("U02BRAM")[-1]
    reacts = [c for c in choices(first) if c.key == "react"]
    assert len(reacts) == 3 and [o.label for o in reacts[0].options] == ["Eens", "Oneens", "Pas"]
    refs = [c.round_id for c in reacts]
    statements = [line for line in first.fallback.splitlines() if line[:3] in ("*1.", "*2.", "*3.")]
    texts = [line.split(" ", 1)[1] for line in statements]
    stage = str(refs[0]).split(":")[0]
    # By hand: statement 1 all five agree (consensus); statement 2 three agree, two disagree
    # (40% on the smaller side: divisive); statement 3 one agree, one disagree, three pass
    # (unclear). Nobody reacts to the others: fewer than three, so they are not shown.
    pattern = {
        "U01ANNA": ("agree", "agree", "pass"),
        "U02BRAM": ("agree", "agree", "pass"),
        "U03CHLOE": ("agree", "agree", "agree"),
        "U04DAAN": ("agree", "disagree", "disagree"),
        "U05EVA": ("agree", "disagree", "pass"),
    }
    for user, values in pattern.items():
        for ref, value in zip(refs, values, strict=True):
            await press(local, user, "react", value, ref)
    comment = await press(
        local, "U03CHLOE", "react_comment", "2\tVraag het Bram Jansen eens!", stage
    )
    assert "bewaard" in comment.fallback
    entry = next(b for b in first.blocks if isinstance(b, Entry))
    assert entry.key == "react_comment" and entry.round_id == stage
    before = await ballots(local)
    wrong = await press(local, "U03CHLOE", "react", "maybe", refs[0])
    assert wrong.fallback and await ballots(local) == before
    status = await local.command(HOST, CHANNEL, "status")
    assert "Gereageerd: 5 van de 5 uitgenodigden" in status.fallback
    await local.command(HOST, CHANNEL, "sluit")
    review = await publish_result(local, "x")  # a stale value: refused, nothing changes
    assert "voorbij" in review.fallback
    await publish_result(local)
    result = local.channel(CHANNEL)[-1].fallback
    assert "5 mensen reageerden" in result
    consensus = result.index("*Breed gedeeld*")
    divisive = result.index("*Verdeeld*")
    unclear = result.index("*Geen duidelijk beeld*")
    assert f"{texts[0]} (5 eens, 0 oneens, 0 pas; 100% eens)" in result[consensus:divisive]
    assert f"{texts[1]} (3 eens, 2 oneens, 0 pas; 60% eens)" in result[divisive:unclear]
    assert f"{texts[2]} (1 eens, 1 oneens, 3 pas; 50% eens)" in result[unclear:]
    assert "Vraag het [naam] eens!" in result and "Bram" not in result
    for user in FIVE:
        assert user not in result


@examples(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=6))
def test_any_vote_words_parse_or_get_a_clear_refusal(words: list[str]) -> None:
    """Odd input to `stem`: a command with a valid number of dots, or a catalog refusal."""
    try:
        command = parse("stem " + " ".join(shlex.quote(w) for w in words))
    except CommandError as error:
        assert Catalog.load().text("nl", error.key, **error.values)
        return
    opening = opening_of(command)
    assert 1 <= opening.per_option <= opening.dots <= 20
    assert opening.source in ("themes", "ideas", "list")


async def test_the_harvest_shows_priorities_and_agreement_beside_the_themes(
    local: LocalDriver,
) -> None:
    """Issue 17, item 3: after a vote on the themes and reactions to the harvest, the export
    (Markdown, Word, Excel) shows them beside the themes they are about."""
    import io

    import docx
    import openpyxl

    from tests.core.test_export import exported, exported_file

    await closed_round(local)
    await local.command(HOST, CHANNEL, "publiceer")
    await local.command(HOST, CHANNEL, "stem over thema's --punten 1")
    add = buttons(local.inbox("U02BRAM")[-1], "vote_add")
    first_theme = local.inbox("U02BRAM")[-1].fallback.split("*1.* ", 1)[1].split("\n")[0]
    for user in FIVE:
        await press(local, user, "vote_add", "1", add.round_id)
    await local.command(HOST, CHANNEL, "sluit")
    await publish_result(local)
    await local.command(HOST, CHANNEL, "feedback")
    react = next(c for c in choices(local.inbox("U02BRAM")[-1]) if c.key == "react")
    for user in FIVE:
        await press(local, user, "react", "agree", react.round_id)
    await local.command(HOST, CHANNEL, "sluit")
    await publish_result(local)

    await local.command(HOST, CHANNEL, "export md")
    found = exported(local, HOST)
    assert found is not None
    markdown = found[1]
    beside = "stemming: 1e plaats, 5 stippen · breed gedeeld: 100% eens"  # in the order held
    theme_line = next(
        line
        for line in markdown.splitlines()
        if line.startswith("#") and line.lstrip("# ").startswith(f"{first_theme} (")
    )
    assert theme_line.endswith(beside), theme_line
    assert "## Prioriteiten (stemming)" in markdown
    assert f"- 1. {first_theme}: 5 stippen, van 5 stemmers (100%)" in markdown
    assert "## Instemming (reacties op de oogst)" in markdown
    assert "- Breed gedeeld: Een belangrijk thema is:" in markdown

    await local.command(HOST, CHANNEL, "export docx")
    report = exported_file(local, HOST)
    assert report is not None
    paragraphs = [p.text for p in docx.Document(io.BytesIO(report[1].data)).paragraphs]
    assert any(p.endswith(beside) for p in paragraphs)
    await local.command(HOST, CHANNEL, "export xlsx")
    book_file = exported_file(local, HOST)
    assert book_file is not None
    book = openpyxl.load_workbook(io.BytesIO(book_file[1].data))
    assert "Prioriteiten (stemming)" in book.sheetnames


async def test_forget_me_erases_a_ballot_in_an_open_vote(local: LocalDriver) -> None:
    await closed_round(local)
    await local.command(HOST, CHANNEL, LIST)
    stage = buttons(local.inbox("U02BRAM")[-1], "vote_add").round_id
    await press(local, "U02BRAM", "vote_add", "1", stage)
    assert '{"1": 1}' in await ballots(local)
    reply = await local.say("U02BRAM", "vergeet mij")
    assert "stippen en reacties" in reply.fallback
    assert '{"1": 1}' not in await ballots(local)
    assert len(await ballots(local)) == 5, "the invited count does not change"


async def test_a_vote_closes_itself_at_its_deadline(local: LocalDriver, clock: ManualClock) -> None:
    from tests.core.test_schedules import tick

    await closed_round(local)
    await local.command(HOST, CHANNEL, LIST + " --deadline 2d")
    assert "Dit sluit op" in local.channel(CHANNEL)[-1].fallback
    stage = buttons(local.inbox("U02BRAM")[-1], "vote_add").round_id
    for user in ("U01ANNA", "U02BRAM", "U03CHLOE"):
        await press(local, user, "vote_add", "2", stage)
    clock.advance(days=1)
    assert await tick(local) == []
    clock.advance(days=1, hours=9)
    assert await tick(local) == [f"stage:{stage}"]
    assert "Concept: de uitslag" in local.inbox(HOST)[-1].fallback, "the deadline finds the host"
    await publish_result(local)
    result = local.channel(CHANNEL)[-1].fallback
    assert "1. Langer open bibliotheek: 3 stippen, van 3 stemmers (100%)" in result
    assert "2. (gedeeld) Buurtbus: 0 stippen" in result
    assert await tick(local) == []


async def test_a_long_list_is_paged_five_at_a_time(local: LocalDriver) -> None:
    await closed_round(local)
    options = " ".join(f'"Optie {n}"' for n in range(1, 13))
    await local.command(HOST, CHANNEL, f"stem {options}")
    ballot = local.inbox("U02BRAM")[-1]
    add = buttons(ballot, "vote_add")
    assert [o.value for o in add.options] == ["1", "2", "3", "4", "5"]
    assert "Bladzijde 1 van 3" in ballot.fallback
    turn = buttons(ballot, "vote_page")
    assert [o.label for o in turn.options] == ["Volgende ▶"]
    second = await press(local, "U02BRAM", "vote_page", "1", add.round_id)
    assert [o.value for o in buttons(second, "vote_add").options] == ["6", "7", "8", "9", "10"]
    assert [o.label for o in buttons(second, "vote_page").options] == ["◀ Vorige", "Volgende ▶"]
    last = await press(local, "U02BRAM", "vote_add", "12", add.round_id)
    assert "Bladzijde 3 van 3" in last.fallback and "*12.* Optie 12  ●" in last.fallback
    assert [o.value for o in buttons(last, "vote_remove").options] == ["12"]


async def test_below_the_threshold_nothing_about_the_feedback_is_published(
    local: LocalDriver,
) -> None:
    await closed_round(local)
    await local.command(HOST, CHANNEL, "feedback --min 3")
    react = next(c for c in choices(local.inbox("U02BRAM")[-1]) if c.key == "react")
    for user in ("U02BRAM", "U03CHLOE"):
        await press(local, user, "react", "agree", react.round_id)
    posted = len(local.channel(CHANNEL))
    await local.command(HOST, CHANNEL, "sluit")
    text = "\n".join(m.fallback for m in local.channel(CHANNEL)[posted:])
    assert "Te weinig mensen" in text and "eens" not in text.casefold()
    low = await local.command(HOST, CHANNEL, "feedback --min 2")
    assert "kan alleen omhoog" in low.fallback


STAGED = """[template]
key = "stemronde"
name.nl = "Ronde met stemming"
name.en = "Round with a vote"

[[phases]]
key = "idee"
kind = "ideas"
title.nl = "Ideeën"
title.en = "Ideas"
prompt.nl = "Wat zou de buurt moeten doen?"
prompt.en = "What should the neighbourhood do?"

[[phases]]
key = "stemming"
kind = "vote"
title.nl = "Stemming"
title.en = "Vote"
options.nl = ["Buurtbus", "Langer open bibliotheek"]
options.en = ["Community bus", "Library open longer"]
dots = 2

[[phases]]
key = "reacties"
kind = "feedback"
title.nl = "Reacties"
title.en = "Reactions"
"""


async def test_a_template_opens_its_vote_at_close_and_its_feedback_after_the_vote(
    tmp_path: Path,
) -> None:
    from tests.core.test_phases import prompts_with

    root = prompts_with(tmp_path, "stemronde.toml", STAGED)
    app = await App.create(make_settings(tmp_path, DIALOOG_PROMPTS_DIR=root), clock=ManualClock())
    platform = LocalPlatform()
    app.add_platform(platform)
    local = LocalDriver(app, platform)
    try:
        setup_channel(local)
        await local.command(HOST, CHANNEL, "start stemronde")
        assert "Vraag 1 van 1" in local.inbox("U02BRAM")[-1].fallback
        for n, user in enumerate(PEOPLE, start=1):
            await local.say(user, f"De gemeente opent de school na vieren, idee {n}.")
        await local.command(HOST, CHANNEL, "close")
        ballot = local.inbox("U02BRAM")[-1]
        add = buttons(ballot, "vote_add")
        assert "2 stippen" in ballot.fallback and "*1.* Buurtbus" in ballot.fallback
        for user in PEOPLE:
            await press(local, user, "vote_add", "1", add.round_id)
        await local.command(HOST, CHANNEL, "sluit")
        assert "uitspraken privé" in local.channel(CHANNEL)[-1].fallback
        await publish_result(local)
        assert (
            "1. Buurtbus: 4 stippen, van 4 stemmers (100%)" in local.channel(CHANNEL)[-1].fallback
        )
        assert any(c.key == "react" for c in choices(local.inbox("U02BRAM")[-1]))
    finally:
        await app.stop()


async def test_the_host_takes_a_comment_out_of_the_result_or_discards_it(
    local: LocalDriver,
) -> None:
    """PRODUCT.md §3, Publishing: a result with comments reaches the host first; a comment
    taken out never reaches the channel, and a discarded result is in no harvest."""
    from tests.core.test_export import exported

    await closed_round(local)
    await local.command(HOST, CHANNEL, "feedback")
    react = next(c for c in choices(local.inbox("U02BRAM")[-1]) if c.key == "react")
    stage = str(react.round_id).split(":")[0]
    for user in FIVE:
        await press(local, user, "react", "agree", react.round_id)
    await press(local, "U02BRAM", "react_comment", "1\tDe buurtbus rijdt langs mijn huis", stage)
    typed = await local.say("U03CHLOE", "opmerking 1 Goed idee")  # as the console types it
    assert "bij uitspraak 1 is bewaard" in typed.fallback
    wrong = await local.say("U03CHLOE", "opmerking 99 Nog een")
    assert "bestaat niet" in wrong.fallback
    await local.command(HOST, CHANNEL, "sluit")
    draft = next(m for m in reversed(local.inbox(HOST)) if "Concept: de uitslag" in m.fallback)
    assert "[1] 1. De buurtbus rijdt langs mijn huis" in draft.fallback
    assert "[2] 1. Goed idee" in draft.fallback
    edited = await press(local, HOST, "stage_result_remove", "1", stage)
    assert "buurtbus rijdt" not in edited.fallback and "[1] 1. Goed idee" in edited.fallback
    await publish_result(local)
    posted = local.channel(CHANNEL)[-1].fallback
    assert "1. Goed idee" in posted and "buurtbus rijdt" not in posted and "[1]" not in posted
    again = await publish_result(local)
    assert "concept" in again.fallback.casefold(), "published once"

    await local.command(HOST, CHANNEL, LIST)
    add = buttons(local.inbox("U02BRAM")[-1], "vote_add")
    for user in FIVE:
        await press(local, user, "vote_add", "1", add.round_id)
    await local.command(HOST, CHANNEL, "sluit")
    posts = len(local.channel(CHANNEL))
    assert "weggegooid" in (await publish_result(local, "discard")).fallback
    assert len(local.channel(CHANNEL)) == posts
    await local.command(HOST, CHANNEL, "export md")
    found = exported(local, HOST)
    assert found is not None
    assert "Instemming" in found[1] and "Prioriteiten" not in found[1]


async def test_the_vote_takes_the_themes_as_the_host_named_them_before_publishing(
    local: LocalDriver,
) -> None:
    """A host renames a theme that could identify someone, then publishes: the vote offers
    the host's name, not the synthesis's own, also after the draft is gone."""
    await closed_round(local)
    await local.command(HOST, CHANNEL, "hernoem 1 Een plek voor de buurt")
    await local.command(HOST, CHANNEL, "publiceer")
    await local.command(HOST, CHANNEL, "stem over thema's")
    ballot = local.inbox("U02BRAM")[-1].fallback
    assert "*1.* Een plek voor de buurt" in ballot
    assert "wijkhuis" not in ballot.split("*1.*", 1)[1].split("\n")[0]


async def test_a_stage_key_file_is_checked_at_start_and_a_leftover_destroyed(
    local: LocalDriver, settings: Settings
) -> None:
    """Like a round's (tests/core/test_key_files.py): an open vote without its key file stops
    start-up with one line; a closed vote's file left by a crash is destroyed at start."""
    await closed_round(local)
    await local.command(HOST, CHANNEL, LIST)
    stage = str(buttons(local.inbox("U02BRAM")[-1], "vote_add").round_id)
    path = settings.round_key_dir / f"{stage}.key"
    wrapped = path.read_bytes()
    path.unlink()
    with pytest.raises(SecretError, match=f"no key for open vote or feedback stage {stage}"):
        await App.create(settings)
    path.write_bytes(wrapped)
    await local.command(HOST, CHANNEL, "sluit")
    assert not path.exists()
    path.write_bytes(wrapped)  # as if a crash came between the close's commit and the file
    app = await App.create(settings)
    try:
        assert app.keyring.key_files.round_ids() == []
    finally:
        await app.stop()


async def test_a_round_that_says_u_votes_with_u(local: LocalDriver) -> None:
    setup_channel(local, FIVE)
    await local.command(HOST, CHANNEL, "start --aanspreekvorm u")
    for n, user in enumerate(FIVE, start=1):
        await answer_all(local, user, n)
    await local.command(HOST, CHANNEL, "sluit")
    await local.command(HOST, CHANNEL, LIST)
    ballot = local.inbox("U02BRAM")[-1].fallback
    assert "U hebt 3 stippen" in ballot and "Je hebt" not in ballot
    stage = buttons(local.inbox("U02BRAM")[-1], "vote_add").round_id
    reply = await press(local, "U02BRAM", "vote_add", "1", stage)
    assert "van uw 3 stippen" in reply.fallback
