"""Who took part, without saying who (issue 18, item 4): the group question before the first
prompt, participation per group for the host, and group views that no subtraction opens up."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from adapters.local.platform import LocalPlatform
from bot.core.commands import CommandError, parse_segments
from bot.core.messages import Heading, Outgoing, Quote, Text
from bot.core.prompts import Catalog, PromptError, default_root
from bot.core.rounds import RoundContext
from bot.core.segments import DECLINED, Segments, disclose, quote_allowance
from bot.core.summary import AnswerText, PhaseInfo, PhaseSummary, Summary, SynthesisRequest, Theme
from bot.core.templates import Templates, load_template
from bot.core.views import Views
from bot.runtime.app import App
from bot.testing import LocalDriver, ManualClock
from storage.models import ProgressRow, RoundRow
from tests.conftest import make_settings
from tests.core.conversation import CHANNEL, choices
from tests.core.test_schedules import tick

# Ten people: five council members, four clerks and one mayor; threshold 3.
GROUPS = {"raadslid": 5, "griffier": 4, "burgemeester": 1}
PEOPLE = {f"U{n:02d}": f"Persoon{n} Achternaam{n}" for n in range(1, 11)}
HOST = "U01"
MAYOR = "U10"
# One word of each person's own in every answer, so that any shown text says whose it is.
WORDS = (
    "appel",
    "bever",
    "citroen",
    "dolfijn",
    "egel",
    "fazant",
    "giraf",
    "havik",
    "ibis",
    "jaguar",
)
MARK = re.compile(r"\b(verhaal|kop|droom|idee) van de (" + "|".join(WORDS) + r")\b")


def group_of(n: int) -> str:
    return "raadslid" if n <= 5 else "griffier" if n <= 9 else "burgemeester"


# Two topics in every group, so that a group's themes could quote each of its people.
TOPICS = (
    (
        "Wij openden het buurthuis weer voor de straat: verhaal van de {w}.",
        "Buurthuis open, kop van de {w}",
        "Een wijk waar iedereen elkaar kent, droom van de {w}.",
        "Elke week een open tafel in het buurthuis, idee van de {w}.",
    ),
    (
        "Het fietspad langs de school werd eindelijk veilig: verhaal van de {w}.",
        "Veilig fietsen naar school, kop van de {w}",
        "Kinderen fietsen zonder zorgen over brede paden, droom van de {w}.",
        "Een oversteekplaats met verkeersbrigadiers, idee van de {w}.",
    ),
)


async def answer(local: LocalDriver, user: str, n: int) -> None:
    w = WORDS[n - 1]
    topic = TOPICS[0] if n in (1, 2, 3, 6, 7, 10) else TOPICS[1]
    await local.say(user, "kiem")
    await local.say(user, topic[0].format(w=w))
    await local.say(user, topic[1].format(w=w))
    await local.say(user, "5")
    await local.say(user, topic[2].format(w=w))
    await local.say(user, topic[3].format(w=w))


def marks(texts: list[str]) -> set[tuple[str, int]]:
    return {(kind, WORDS.index(w) + 1) for text in texts for kind, w in MARK.findall(text)}


def texts_of(message: Outgoing) -> list[str]:
    return [b.text for b in message.blocks if isinstance(b, Heading | Text | Quote)]


async def start_and_choose(local: LocalDriver) -> str:
    local.platform.add_channel(CHANNEL, [local.member(u, n) for u, n in PEOPLE.items()])
    await local.command(
        HOST,
        CHANNEL,
        'start --theme "Samen in de wijk" --segment "raadslid, griffier, burgemeester" '
        "--publiceer direct",
    )
    first = local.inbox(MAYOR)[0]
    question = [c for c in choices(first) if c.key == "segment"]
    assert question, first.fallback
    assert [o.label for o in question[0].options][:3] == ["raadslid", "griffier", "burgemeester"]
    assert "knel_kiem" not in [c.key for c in choices(first)], "no prompt before the group"
    round_id = question[0].round_id
    assert round_id is not None
    for n, user in enumerate(PEOPLE, start=1):
        value = str(list(GROUPS).index(group_of(n)) + 1)
        reply = await local.press(user, "segment", value, round_id)
        assert "Nu de vragen" in reply.fallback
        assert group_of(n) not in reply.fallback, "the reply never repeats the group"
        assert "knel_kiem" in [c.key for c in choices(reply)]
    return round_id


async def test_group_question_comes_first_and_refuses_what_is_not_offered(
    local: LocalDriver,
) -> None:
    local.platform.add_channel(CHANNEL, [local.member(u, n) for u, n in PEOPLE.items()])
    await local.command(HOST, CHANNEL, 'start --segment "raadslid,griffier"')
    # typed before choosing: taken as a group, and refused when it is none of them
    reply = await local.say("U02", "wethouder")
    assert "staat er niet bij" in reply.fallback and "raadslid, griffier" in reply.fallback
    reply = await local.say("U02", "Mijn verhaal over de wijk begint hier.")
    assert "staat er niet bij" in reply.fallback
    async with local.app.db.sessions() as session:
        stored = set(await session.scalars(select(ProgressRow.segment)))
        assert stored == {None}, "nothing stored"
    reply = await local.say("U02", "Griffier")
    assert "Nu de vragen" in reply.fallback
    reply = await local.say("U03", "sla over")  # rather not say
    assert "Nu de vragen" in reply.fallback
    round_id = choices(local.inbox("U04")[0])[0].round_id
    bad = await local.press("U04", "segment", "7", round_id)
    assert "staat er niet bij" in bad.fallback
    again = await local.press("U02", "segment", "1", round_id)
    assert "niet meer" in again.fallback or "verlopen" in again.fallback or again.fallback
    async with local.app.db.sessions() as session:
        stored_list = sorted(
            s if s is not None else "?" for s in await session.scalars(select(ProgressRow.segment))
        )
    assert stored_list.count("griffier") == 1 and stored_list.count(DECLINED) == 1
    assert "raadslid" not in stored_list, "a stale press changed nothing"


async def test_groups_of_5_4_and_1_show_two_and_never_the_third(local: LocalDriver) -> None:
    await start_and_choose(local)
    for n, user in enumerate(PEOPLE, start=1):
        await answer(local, user, n)
    status = await local.command(HOST, CHANNEL, "status")
    report = await local.command(HOST, CHANNEL, "groepen")
    text = report.fallback
    assert "Groep: raadslid" in text and "Groep: griffier" in text
    assert "Groep: burgemeester" not in text
    assert "burgemeester" in text  # named only among the groups not shown apart
    assert "10 mensen uitgenodigd" in text  # against the invitation count
    # counts: only floors per group, so the total minus the shown groups gives no number
    for message in (status, report):
        found = dict(
            re.findall(
                r"• (raadslid|griffier|burgemeester): (\d+) deelnemers?\b(?! of meer)",
                message.fallback,
            )
        )
        assert found == {}, found
        floors = dict(
            re.findall(
                r"• (raadslid|griffier|burgemeester): (\d+) deelnemers? of meer", message.fallback
            )
        )
        assert floors == {"raadslid": "3", "griffier": "3"}, message.fallback
    # quotes: nothing of the mayor's in any group view
    views = texts_of(report)

    assert not {m for m in marks(views) if m[1] == 10}, views
    # the whole round, as the channel sees it
    await local.command(HOST, CHANNEL, "close")
    whole = [t for message in local.channel(CHANNEL) for t in texts_of(message)]
    seen = marks(whole)
    assert ("kop", 10) in seen, "the whole-round summary lists every headline"
    # subtraction: what the whole shows and no group view quotes, per question
    for kind in ("verhaal", "kop", "droom", "idee"):
        rest = {n for k, n in seen - marks(views) if k == kind}
        if kind == "kop":
            assert 10 in rest, "the mayor's headline is in the whole and in no group view"
        if 10 in rest:
            assert len(rest) >= 3, f"{kind}: the mayor hides among {sorted(rest)} only"
    # the subtraction on counts cannot be made: no group count in any message is exact
    assert not re.search(r"\b[45] deelnemers\b", text)


async def test_thank_you_after_the_harvest_reaches_everyone_invited_but_the_forgotten(
    local: LocalDriver, clock: ManualClock
) -> None:
    await start_and_choose(local)
    for n, user in enumerate(list(PEOPLE)[:6], start=1):
        await answer(local, user, n)
    await local.say("U09", "vergeet mij")
    before = {user: len(local.inbox(user)) for user in PEOPLE}
    await local.command(HOST, CHANNEL, "close")
    assert not any("Dank je wel" in m.fallback for m in local.inbox("U02")[before["U02"] :])
    clock.advance(minutes=2)
    (job,) = await tick(local)  # the timer sends it, as it can fetch the channel's members
    assert job.startswith("thanks:")
    assert await tick(local) == [], "once"
    for user in PEOPLE:
        new = [m.fallback for m in local.inbox(user)[before[user] :]]
        thanked = [t for t in new if "Dank je wel voor je inbreng" in t]
        if user == "U09":
            assert thanked == [], "forget me: never contacted again"
        else:
            assert len(thanked) == 1, (user, new)
            assert "Samen in de wijk" in thanked[0] and "in het kanaal" in thanked[0]


@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "c", "d", "e", DECLINED]),
        st.integers(min_value=0, max_value=30),
    ),
    st.integers(min_value=1, max_value=8),
)
def test_the_disclosure_rule_never_lets_a_small_rest_be_derived(
    counts: dict[str, int], minimum: int
) -> None:
    total = sum(counts.values())
    shown = disclose(counts, total, minimum)
    rest = total - sum(counts[g] for g in shown.shown)
    assert all(counts[g] >= minimum and g != DECLINED for g in shown.shown)
    if shown.exact:
        assert rest >= minimum  # exact counts: the rest is itself a crowd
    if shown.shown and rest > 0:
        assert total - minimum * len(shown.shown) >= minimum  # floors bound nothing small
    unquoted = sum(
        counts[g] - quote_allowance(counts[g], minimum, len(shown.shown)) for g in shown.shown
    )
    if shown.shown:
        assert unquoted >= minimum  # every question leaves a crowd unquoted


def test_a_group_view_never_quotes_more_than_its_allowance() -> None:
    """Rule 3 on a group whose themes would quote every one of its seven people: the view
    leaves ⌈k / S⌉ of them unquoted, and names no theme after a single answer."""
    texts = [f"Antwoord van de {w} over het buurthuis" for w in WORDS[:7]]
    answers = tuple(AnswerText(n, "krantenkop", text) for n, text in enumerate(texts, start=1))
    request = SynthesisRequest("nl", (PhaseInfo("krantenkop", "Krantenkop", "headline"),), answers)
    themes = (
        Theme(texts[0], 4, tuple(texts[:4])),  # named after one answer
        Theme("buurthuis", 3, tuple(texts[4:])),
    )
    phase = PhaseSummary("krantenkop", "Krantenkop", "headline", 7, True, themes)
    summary = Summary("nl", 7, 3, (phase,))
    ctx = RoundContext(
        RoundRow(id="r", language="nl", min_respondents=3), Templates.load().default, None
    )
    for shown in (1, 2, 3):
        blocks = Segments(Views(Catalog.load())).view(
            ctx, "raadslid", request, summary, {"krantenkop": shown}
        )
        quoted = [b.text for b in blocks if isinstance(b, Quote)]
        assert len(quoted) == 7 - math.ceil(3 / shown), (shown, quoted)
        labels = [b.text for b in blocks if isinstance(b, Text) and b.text.startswith("*")]
        assert f"*{texts[0]}*" not in labels


def _template_with_groups(root: Path, groups: str) -> Path:
    """A copy of the bundled prompts with one more template: the default's phases and
    ``groups`` as its ``template.segments`` data."""
    shutil.copytree(default_root(), root)
    source = (root / "templates" / "waarderend.toml").read_text(encoding="utf-8")
    head = '[template]\nkey = "gemeenten"\nname.nl = "Gemeenten"\nname.en = "Municipalities"\n'
    head += groups + "\n"
    phases = source[source.index("[[phases]]") :]
    path = root / "templates" / "gemeenten.toml"
    path.write_text(head + "\n" + phases, encoding="utf-8")
    return path


async def test_a_template_names_its_groups_as_data(tmp_path: Path, clock: ManualClock) -> None:
    groups = 'segments.nl = ["G4", "G40", "M50", "K80", "P10"]\n'
    groups += 'segments.en = ["G4", "G40", "M50", "K80", "P10"]'
    _template_with_groups(tmp_path / "prompts", groups)
    settings = make_settings(tmp_path, DIALOOG_PROMPTS_DIR=tmp_path / "prompts")
    app = await App.create(settings, clock=clock)
    platform = LocalPlatform(files=tmp_path / "files")
    app.add_platform(platform)
    local = LocalDriver(app, platform)
    try:
        local.platform.add_channel(CHANNEL, [local.member(u, n) for u, n in PEOPLE.items()])
        await local.command(HOST, CHANNEL, "start gemeenten")
        (question,) = [c for c in choices(local.inbox("U02")[0]) if c.key == "segment"]
        assert [o.label for o in question.options][:5] == ["G4", "G40", "M50", "K80", "P10"]
        reply = await local.say("U02", "m50")
        assert "Nu de vragen" in reply.fallback
    finally:
        await app.stop()


def test_broken_groups_in_a_template_name_the_file_and_key(tmp_path: Path) -> None:
    path = _template_with_groups(
        tmp_path / "prompts", 'segments.nl = ["alleen"]\nsegments.en = ["only"]'
    )
    with pytest.raises(PromptError, match=r"gemeenten\.toml: key template\.segments\.nl"):
        load_template(path)
    path = _template_with_groups(tmp_path / "other", 'segments.nl = ["a", "b"]')
    with pytest.raises(PromptError, match=r"gemeenten\.toml: key template\.segments"):
        load_template(path)


async def test_bad_group_options_and_commands_change_nothing(local: LocalDriver) -> None:
    local.platform.add_channel(CHANNEL, [local.member(u, n) for u, n in PEOPLE.items()])
    for words, expected in (
        ('start --segment "raadslid"', "minstens twee verschillende groepen"),
        ('start --segment "raadslid,Raadslid"', "minstens twee verschillende groepen"),
        ("start --segment " + ",".join(f"g{n}" for n in range(13)), "hoogstens 12 groepen"),
        ('start --segment "' + "x" * 41 + ',b"', "hoogstens 40 tekens"),
    ):
        reply = await local.command(HOST, CHANNEL, words)
        assert expected in reply.fallback, (words, reply.fallback)
    assert local.channel(CHANNEL) == [], "no round started"
    await local.command(HOST, CHANNEL, "start")
    reply = await local.command(HOST, CHANNEL, "groepen")
    assert "vroeg niet naar groepen" in reply.fallback
    reply = await local.command("U02", CHANNEL, "groepen")
    assert "Alleen de gespreksleider" in reply.fallback


@given(st.text(max_size=80))
def test_any_group_list_is_taken_or_refused_with_a_reason(raw: str) -> None:
    try:
        found = parse_segments(raw)
    except CommandError as error:
        assert error.key.startswith("error.segment")
        return
    assert 2 <= len(found) <= 12 and len({g.casefold() for g in found}) == len(found)
    assert all(g and "," not in g and len(g) <= 40 for g in found)


async def test_a_paced_round_asks_the_group_again_before_the_next_phase(
    local: LocalDriver,
) -> None:
    local.platform.add_channel(CHANNEL, [local.member(u, n) for u, n in PEOPLE.items()])
    await local.command(HOST, CHANNEL, 'start --paced --segment "raadslid,griffier"')
    await local.command(HOST, CHANNEL, "next")
    keys = [c.key for c in choices(local.inbox("U02")[-1])]
    assert keys[0] == "segment", keys
    reply = await local.say("U02", "raadslid")
    assert "Nu de vragen" in reply.fallback and "Krantenkop" in reply.fallback
