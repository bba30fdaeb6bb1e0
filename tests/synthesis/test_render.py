"""Rendering a summary: Markdown, chat blocks, Block Kit and an Adaptive Card."""

from __future__ import annotations

import random

from bot.core.messages import Heading, Quote, Text
from bot.core.prompts import Catalog
from bot.core.render import (
    summary_markdown,
    summary_outgoing,
)
from bot.core.summary import (
    AnswerText,
    Item,
    PhaseInfo,
    PhaseSummary,
    Summary,
    SynthesisRequest,
    Theme,
)
from bot.synthesis import OfflineSynthesizer

from .conftest import ROUND_NL, round_request


async def test_below_the_threshold_render_says_so_and_shows_nothing_else(
    catalog: Catalog,
) -> None:
    summary = await OfflineSynthesizer().synthesize(round_request(people=2))
    markdown = summary_markdown(summary, catalog)
    assert catalog.text("nl", "summary.threshold.round", count=3) in markdown
    for row in ROUND_NL:
        assert all(text not in markdown for text in row[1:3])
    assert "2" not in markdown.replace(catalog.text("nl", "summary.threshold.round", count=3), "")
    message = summary_outgoing(summary, catalog)
    assert not any(isinstance(b, Quote) for b in message.blocks)
    assert catalog.text("nl", "summary.threshold.phase") in message.fallback


async def test_quotes_and_listed_answers_travel_in_quote_blocks(catalog: Catalog) -> None:
    summary = await OfflineSynthesizer().synthesize(round_request())
    message = summary_outgoing(summary, catalog)
    quoted = "\n".join(b.text for b in message.blocks if isinstance(b, Quote))
    plain = "\n".join(b.text for b in message.blocks if isinstance(b, Text | Heading))
    for phase in summary.phases:
        for theme in phase.themes:
            for quote in theme.quotes:
                assert quote in quoted
                assert quote not in plain
    for row in ROUND_NL:
        assert row[2] in quoted  # every headline


async def test_markdown_is_byte_identical_for_the_same_answers(catalog: Catalog) -> None:
    first = summary_markdown(await OfflineSynthesizer().synthesize(round_request()), catalog)
    second = summary_markdown(await OfflineSynthesizer().synthesize(round_request()), catalog)
    assert first.encode() == second.encode()


async def test_the_round_language_picks_the_texts(catalog: Catalog) -> None:
    dutch = await OfflineSynthesizer().synthesize(round_request())
    english = Summary(**{**{f: getattr(dutch, f) for f in dutch.__slots__}, "language": "en"})
    nl, en = summary_markdown(dutch, catalog), summary_markdown(english, catalog)
    assert catalog.text("nl", "summary.section.headline") in nl
    assert catalog.text("en", "summary.section.headline") in en
    assert catalog.text("nl", "summary.section.headline") not in en


def _huge_summary() -> Summary:
    long = "woord " * 60
    themes = tuple(
        Theme(f"thema {t}", 10, tuple(f"<!channel> citaat {t}.{q} {long}" for q in range(3)))
        for t in range(6)
    )
    items = tuple(Item(f"idee {i} {long}", 1 + i % 3) for i in range(400))
    phases = tuple(
        PhaseSummary(f"p{p}", f"Fase {p}", "ideas", 500, True, themes, items, (("knel", 3),))
        for p in range(6)
    )
    return Summary("nl", 500, 3, phases, "Een heel lang thema " * 20, ("a", "b"))


def test_long_lists_are_split_over_several_blocks(catalog: Catalog) -> None:
    message = summary_outgoing(_huge_summary(), catalog)
    assert len(message.blocks) <= 48
    assert all(len(b.text) <= 2900 for b in message.blocks if isinstance(b, Text | Quote))


async def test_a_summary_renders_for_an_english_round(catalog: Catalog) -> None:
    texts = ["We need more benches in the park", "More benches and shade in the park", "Benches!"]
    request = SynthesisRequest(
        "en",
        (PhaseInfo("ideas", "Ideas", "ideas"),),
        tuple(AnswerText(i, "ideas", t) for i, t in enumerate(texts)),
        3,
    )
    markdown = summary_markdown(await OfflineSynthesizer().synthesize(request), catalog)
    assert catalog.count("en", "respondents", 3) in markdown
    # Every idea is quoted under the theme, so none is listed again below it.
    assert all(markdown.count(text) == 1 for text in texts)
    assert catalog.text("en", "summary.section.ideas") not in markdown


async def test_markdown_does_not_depend_on_input_order(catalog: Catalog) -> None:
    request = round_request()
    rng = random.Random(11)
    people = list(range(len(ROUND_NL)))
    rng.shuffle(people)
    answers = [AnswerText(people[a.respondent], a.phase, a.text, a.choice) for a in request.answers]
    rng.shuffle(answers)
    shuffled = SynthesisRequest(
        request.language, request.phases, tuple(answers), request.min_respondents, request.theme
    )
    first = summary_markdown(await OfflineSynthesizer().synthesize(request), catalog)
    second = summary_markdown(await OfflineSynthesizer().synthesize(shuffled), catalog)
    assert first.encode() == second.encode()


async def test_choices_show_the_template_labels_when_given(catalog: Catalog) -> None:
    request = round_request()
    pictures = (("3", "Een lange tafel met buren"), ("12", "Een moestuin tussen flats"))
    phases = tuple(
        PhaseInfo(p.key, p.title, p.role, pictures if p.role == "dream" else ())
        for p in request.phases
    )
    summary = await OfflineSynthesizer().synthesize(
        SynthesisRequest("nl", phases, request.answers, 3)
    )
    markdown = summary_markdown(summary, catalog)
    assert "Een lange tafel met buren: 3" in markdown
    assert catalog.text("nl", "summary.choice.kiem") in markdown
