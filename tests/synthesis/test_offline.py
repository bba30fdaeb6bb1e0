"""The offline synthesizer on a small Dutch appreciative-inquiry round and an English one."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter

import pytest

from bot.core.summary import AnswerText, PhaseInfo, PhaseSummary, Summary, SynthesisRequest
from bot.synthesis import OfflineSynthesizer
from bot.synthesis.language import Analyzer

from .conftest import ROUND_NL, round_request


async def test_nothing_is_published_below_the_threshold() -> None:
    summary = await OfflineSynthesizer().synthesize(round_request(people=2, minimum=3))
    assert not summary.published
    assert summary.shared == ()
    for phase in summary.phases:
        assert phase.respondents == 2
        assert not phase.published
        assert phase.themes == () and phase.items == () and phase.choices == ()


async def test_a_phase_below_the_threshold_is_held_back_while_others_publish() -> None:
    request = round_request()
    answers = [a for a in request.answers if a.phase != "ideeen" or a.respondent < 2]
    summary = await OfflineSynthesizer().synthesize(
        SynthesisRequest("nl", request.phases, tuple(answers), 3)
    )
    by_key = {p.key: p for p in summary.phases}
    assert by_key["knel_kiem"].published
    assert not by_key["ideeen"].published
    assert by_key["ideeen"].items == () and by_key["ideeen"].themes == ()


async def test_respondents_are_counted_once_per_phase() -> None:
    request = round_request()
    twice = (*request.answers, AnswerText(0, "ideeen", "Nog een idee van dezelfde persoon"))
    summary = await OfflineSynthesizer().synthesize(
        SynthesisRequest("nl", request.phases, twice, 3)
    )
    assert summary.respondents == len(ROUND_NL)
    assert all(p.respondents == len(ROUND_NL) for p in summary.phases)


async def test_headlines_are_listed_verbatim() -> None:
    summary = await OfflineSynthesizer().synthesize(round_request())
    headlines = next(p for p in summary.phases if p.role == "headline")
    assert sorted(i.text for i in headlines.items) == sorted(row[2] for row in ROUND_NL)


async def test_knel_and_kiem_are_counted() -> None:
    summary = await OfflineSynthesizer().synthesize(round_request())
    story = next(p for p in summary.phases if p.role == "story")
    assert dict(story.choices) == dict(Counter(row[0] for row in ROUND_NL))


async def test_quotes_are_verbatim_answers_of_their_phase() -> None:
    request = round_request()
    summary = await OfflineSynthesizer().synthesize(request)
    for phase in summary.phases:
        texts = [a.text for a in request.answers if a.phase == phase.key]
        for theme in phase.themes:
            assert 1 <= len(theme.quotes) <= 3
            assert theme.respondents >= request.min_respondents
            for quote in theme.quotes:
                assert any(quote in text for text in texts), quote


async def test_stories_fall_into_the_two_themes_people_wrote_about() -> None:
    # Without knel or kiem the stories are themed together (with them, per side: below).
    plain = round_request()
    answers = tuple(dataclasses.replace(a, choice=None) for a in plain.answers)
    request = dataclasses.replace(plain, answers=answers)
    summary = await OfflineSynthesizer().synthesize(request)
    story = next(p for p in summary.phases if p.role == "story")
    assert len(story.themes) == 2
    for theme in story.themes:
        topics = {"buurthuis" in request.answers[i].text for i in theme.answers}
        assert len(topics) == 1, theme


async def test_knel_and_kiem_stories_are_themed_apart_and_every_story_is_counted() -> None:
    request = round_request()
    summary = await OfflineSynthesizer().synthesize(request)
    story = next(p for p in summary.phases if p.kind.splits_by_choice)
    assert sorted(r.side or "" for r in story.rest) == ["kiem", "knel"]
    for rest in story.rest:
        chosen = [a for a in request.answers if a.phase == story.key and a.choice == rest.side]
        assert rest.answers == rest.respondents == len(chosen)
        themes = [t for t in story.themes if t.side == rest.side]
        for theme in themes:
            assert all(request.answers[i].choice == rest.side for i in theme.answers)
        assert sum(len(t.answers) for t in themes) + rest.other == rest.answers


async def test_a_side_too_small_to_publish_is_not_shown_apart() -> None:
    """PRODUCT.md §4.5: with one knel story among kiem stories, no 'Knel' side holds it."""
    plain = round_request()
    stories = [a for a in plain.answers if a.phase == "knel_kiem"]
    lone = stories[0].respondent
    answers = tuple(
        dataclasses.replace(a, choice="knel" if a.respondent == lone else "kiem")
        if a.phase == "knel_kiem"
        else a
        for a in plain.answers
    )
    request = dataclasses.replace(plain, answers=answers)
    story = next(p for p in (await OfflineSynthesizer().synthesize(request)).phases
                 if p.key == "knel_kiem")  # fmt: skip
    assert [r.side for r in story.rest] == [None]
    assert all(t.side is None for t in story.themes)
    assert sum(len(t.answers) for t in story.themes) + story.rest[0].other == len(stories)


async def test_a_listed_answer_quoted_under_a_theme_is_marked_so() -> None:
    request = round_request()
    summary = await OfflineSynthesizer().synthesize(request)
    for phase in summary.phases:
        quotes = {q for t in phase.themes for q in t.quotes}
        for item in phase.items:
            if item.text in quotes:
                assert item.quoted, item


async def test_story_themes_take_a_fitting_headline_as_title() -> None:
    summary = await OfflineSynthesizer().synthesize(round_request())
    story = next(p for p in summary.phases if p.role == "story")
    headlines = {row[2] for row in ROUND_NL}
    assert any(theme.label in headlines for theme in story.themes)


async def test_near_duplicate_ideas_are_merged_and_counted() -> None:
    summary = await OfflineSynthesizer().synthesize(round_request())
    ideas = next(p for p in summary.phases if p.role == "ideas")
    saturday = [i for i in ideas.items if "openen op zaterdag" in i.text]
    adopt = [i for i in ideas.items if "adopteren" in i.text]
    assert [i.count for i in saturday] == [2]
    assert [i.count for i in adopt] == [2]
    assert sum(i.count for i in ideas.items) == len(ROUND_NL)


async def test_picture_choices_of_dreams_are_counted() -> None:
    summary = await OfflineSynthesizer().synthesize(round_request())
    dream = next(p for p in summary.phases if p.role == "dream")
    assert dict(dream.choices) == dict(Counter(row[3] for row in ROUND_NL))


def _shape(summary: Summary) -> list[object]:
    """Everything but the answer positions, which follow the input order by design."""

    def themes(phase: PhaseSummary) -> list[tuple[object, ...]]:
        return [(t.label, t.respondents, t.quotes, t.distinct) for t in phase.themes]

    return [
        (p.key, p.respondents, p.choices, p.items, p.shared, *themes(p)) for p in summary.phases
    ]


async def test_same_answers_in_any_order_give_the_same_summary() -> None:
    request = round_request()
    first = await OfflineSynthesizer().synthesize(request)
    rng = random.Random(7)
    people = list(range(len(ROUND_NL)))
    rng.shuffle(people)
    shuffled = [
        AnswerText(people[a.respondent], a.phase, a.text, a.choice) for a in request.answers
    ]
    rng.shuffle(shuffled)
    second = await OfflineSynthesizer().synthesize(
        SynthesisRequest(request.language, request.phases, tuple(shuffled), 3, request.theme)
    )
    assert _shape(first) == _shape(second)
    assert first.shared == second.shared


async def test_scrub_markers_stay_verbatim_in_quotes() -> None:
    texts = [
        "Ik belde [naam] over de fietsenstalling bij het station, die is altijd vol.",
        "De fietsenstalling bij het station is te klein, mail [e-mailadres] hielp niet.",
        "Fietsen staan overal rond het station omdat de fietsenstalling vol is.",
    ]
    request = SynthesisRequest(
        "nl",
        (PhaseInfo("p", "Verhaal", "text"),),
        tuple(AnswerText(i, "p", t) for i, t in enumerate(texts)),
        3,
    )
    summary = await OfflineSynthesizer().synthesize(request)
    quotes = [q for t in summary.phases[0].themes for q in t.quotes]
    assert quotes and all(any(q in t for t in texts) for q in quotes)
    assert any("[naam]" in q or "[e-mailadres]" in q for q in quotes)
    assert all(t.label != "naam" and "naam" not in t.distinct for t in summary.phases[0].themes)


async def test_an_english_round_gets_english_theme_words() -> None:
    texts = [
        "The bus to the city centre is always late in the morning.",
        "Buses are late and the bus stop has no shelter from the rain.",
        "I wait for the bus every morning and it never comes on time.",
        "The library closed its doors on Sundays and the children miss it.",
        "Our library has wonderful reading clubs on Saturday.",
        "The library should open longer, the children need a quiet place.",
    ]
    request = SynthesisRequest(
        "en",
        (PhaseInfo("p", "Story", "text"),),
        tuple(AnswerText(i, "p", t) for i, t in enumerate(texts)),
        3,
    )
    summary = await OfflineSynthesizer().synthesize(request)
    themes = summary.phases[0].themes
    assert len(themes) == 2
    words = " ".join(t.label for t in themes)
    assert "bus" in words and "library" in words


async def test_dutch_compounds_group_by_their_parts() -> None:
    """Character n-grams see that fietsenstalling, fietspad and fietsers belong together."""
    cycling = [
        "De fietsenstalling bij het station is altijd overvol.",
        "Het nieuwe fietspad langs de dijk is een verademing.",
        "Fietsers voelen zich eindelijk veilig op de rotonde.",
        "Een fietsroute naar school zonder drukke kruisingen.",
    ]
    playing = [
        "De speeltuin achter de flat is opgeknapt door bewoners.",
        "Kinderen hebben weer een speelplek op het plein.",
        "Het speelveld wordt elke middag gebruikt door de buurtkinderen.",
        "Een speeltoestel voor peuters in het park.",
    ]
    texts = cycling + playing
    request = SynthesisRequest(
        "nl",
        (PhaseInfo("p", "Verhaal", "text"),),
        tuple(AnswerText(i, "p", t) for i, t in enumerate(texts)),
        3,
    )
    summary = await OfflineSynthesizer().synthesize(request)
    themes = summary.phases[0].themes
    assert len(themes) == 2
    for theme in themes:
        topics = {request.answers[i].text in cycling for i in theme.answers}
        assert len(topics) == 1, theme
    assert sorted(theme.label[:5] for theme in themes) == ["fiets", "speel"]


@pytest.mark.parametrize(
    "texts",
    [
        ["👍", "🎉🎉", "!!!", "...", "👍👍", "?"],
        ["Meer groen"] * 10,
        ["de het een", "en van", "ik te dat", "die in een", "het is was", "op aan met"],
        ["123", "456", "789", "1000", "22", "33"],
        ["ja", "nee", "ja", "nee", "ja", "nee", "misschien"],
        ["Het buurthuis is belangrijk voor de wijk. " * 120] * 3 + ["Groen is fijn. " * 300] * 3,
    ],
    ids=["emoji", "identical", "stop-words", "numbers", "yes-no", "very-long"],
)
@pytest.mark.parametrize("role", ["text", "ideas", "headline"])
async def test_odd_answers_still_give_a_summary(texts: list[str], role: str) -> None:
    request = SynthesisRequest(
        "nl",
        (PhaseInfo("p", "Fase", role),),
        tuple(AnswerText(i, "p", t) for i, t in enumerate(texts)),
        3,
    )
    phase = (await OfflineSynthesizer().synthesize(request)).phases[0]
    assert phase.published
    for theme in phase.themes:
        # A label, or none (no noun two of its answers share, as emoji): then its answers show.
        assert theme.label.strip() or (not theme.label and theme.quotes)
        assert all(any(q in t for t in texts) for q in theme.quotes)
        assert all(len(q) <= 300 for q in theme.quotes)


async def test_labels_are_short_titles_in_the_themes_own_words() -> None:
    """A label is the theme's best nouns: at most three parts, four words."""
    texts = [
        "The bus to the city centre is always late in the morning.",
        "Buses are late and the bus stop has no shelter from the rain.",
        "I wait for the bus every morning and it never comes on time.",
        "The bus driver waited at the stop until the rain was over.",
        "Libraries in our town close on Sundays and the children miss them.",
        "Libraries should have reading clubs, our library has none.",
        "Both libraries should open longer for the children.",
        "The library is the quiet place children need, like other libraries.",
    ]
    request = SynthesisRequest(
        "en",
        (PhaseInfo("p", "Story", "text"),),
        tuple(AnswerText(i, "p", t) for i, t in enumerate(texts)),
        3,
    )
    themes = (await OfflineSynthesizer().synthesize(request)).phases[0].themes
    assert len(themes) == 2
    for theme in themes:
        assert 1 <= len(theme.label.replace("·", " ").split()) <= 4
        assert len(theme.label.split(" · ")) <= 3
    labels = " ".join(t.label for t in themes)
    assert "bus" in labels and "librar" in labels


@pytest.mark.parametrize(
    ("language", "texts", "wanted", "plural"),
    [
        (
            "en",
            [
                "Which ATMs near the station accept my card?",
                "Are there ATMs in the city centre that work?",
                "The ATMs in town never have cash on Sundays.",
                "I could not find an ATM anywhere downtown.",
                "Our library closes early and the children miss it.",
                "The library should open longer for the children.",
                "A library with reading clubs for the children.",
                "The children want more books in the library.",
            ],
            "atm",
            "atms",
        ),
        (
            "nl",
            [
                "De bomen in het park worden gekapt voor parkeerplaatsen.",
                "Er staan te weinig bomen in onze straat.",
                "Oude bomen geven schaduw als het heet is.",
                "Plant een boom voor elk kind dat geboren wordt.",
                "Het buurthuis is de plek waar de wijk samenkomt.",
                "In het buurthuis koken vrijwilligers elke week.",
                "Het buurthuis moet ook in het weekend open.",
                "Ouderen eten samen in het buurthuis.",
            ],
            "boom",
            "bomen",
        ),
    ],
    ids=["en", "nl"],
)
async def test_labels_name_a_thing_in_the_singular(
    language: str, texts: list[str], wanted: str, plural: str
) -> None:
    """Answers write *ATMs* more than *ATM* (*bomen* more than *boom*); the label names the
    thing as a title does, in the singular, which is also the word a host would search for."""
    request = SynthesisRequest(
        language,
        (PhaseInfo("p", "Story", "text"),),
        tuple(AnswerText(i, "p", t) for i, t in enumerate(texts)),
        3,
    )
    themes = (await OfflineSynthesizer().synthesize(request)).phases[0].themes
    assert len(themes) == 2
    words = {w for t in themes for w in t.label.replace("·", " ").split()}
    assert wanted in words and plural not in words


async def test_a_label_does_not_name_a_word_and_its_plural() -> None:
    """The Dutch stemmer keeps *fiets* and *fietsen* apart; the label names the thing once."""
    texts = [
        "Fietsen staan overal op de stoep bij het station.",
        "Ik wil mijn fiets kwijt bij het station.",
        "Waar moet ik fietsen bij het station stallen?",
        "De fiets van mijn zoon is gestolen bij het station.",
        "Het buurthuis is de plek waar de wijk samenkomt.",
        "In het buurthuis koken vrijwilligers elke week.",
        "Het buurthuis moet ook in het weekend open.",
        "Ouderen eten samen in het buurthuis.",
    ]
    request = SynthesisRequest(
        "nl",
        (PhaseInfo("p", "Verhaal", "text"),),
        tuple(AnswerText(i, "p", t) for i, t in enumerate(texts)),
        3,
    )
    themes = (await OfflineSynthesizer().synthesize(request)).phases[0].themes
    analyzer = Analyzer("nl")
    assert any("fiets" in t.label for t in themes)
    for theme in themes:
        words = theme.label.replace("·", " ").split()
        assert not [(a, b) for a in words for b in words if analyzer.plural(a, b)], theme.label
