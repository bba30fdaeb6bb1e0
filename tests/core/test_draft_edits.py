"""What a host can do to a draft, for any summary and any sequence of edits: rename and
remove, never add or change what participants wrote (PRODUCT.md §4.6; issue 13 item 8)."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import drafts
from bot.core.commands import CommandError, parse
from bot.core.prompts import Catalog
from bot.core.render import summary_outgoing
from bot.core.summary import Item, PhaseSummary, Rest, Summary, Theme

texts = st.text(min_size=1, max_size=40).filter(lambda t: t.strip() != "")


@st.composite
def phases(draw: st.DrawFn, key: str) -> PhaseSummary:
    published = draw(st.booleans())
    side = draw(st.sampled_from([None, "knel"]))
    themes = tuple(
        Theme(
            draw(texts),
            draw(st.integers(3, 9)),
            tuple(draw(st.lists(texts, max_size=3))),
            side=side,
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    items = tuple(
        Item(draw(texts), draw(st.integers(1, 3)), draw(st.booleans()))
        for _ in range(draw(st.integers(0, 3)))
    )
    rest = ()
    if side is not None:
        rest = (
            Rest(side, 5, 6, 2, tuple(Item(draw(texts)) for _ in range(draw(st.integers(0, 2))))),
        )
    return PhaseSummary(key, f"Fase {key}", "story", 5, published, themes, items, rest=rest)


@st.composite
def summaries(draw: st.DrawFn) -> Summary:
    count = draw(st.integers(1, 3))
    return Summary("nl", 5, 3, tuple(draw(phases(str(n))) for n in range(count)))


edits = st.lists(
    st.one_of(
        st.tuples(st.just("rename"), st.integers(-1, 8), st.text(max_size=100)),
        st.tuples(st.just("remove"), st.integers(-1, 30), st.just("")),
    ),
    max_size=8,
)


def participants_text(summary: Summary) -> Counter[str]:
    return Counter(drafts.quotes(summary))


@settings(max_examples=150, deadline=None)
@given(summaries(), edits)
def test_edits_only_take_away_and_a_draft_survives_storage(
    summary: Summary, steps: list[tuple[str, int, str]]
) -> None:
    original = drafts.loads(drafts.dumps(summary))
    assert drafts.dumps(original) == drafts.dumps(summary), "stored and read back unchanged"
    current = original
    for kind, number, label in steps:
        try:
            if kind == "rename":
                current = drafts.rename(current, number, label)
            else:
                current = drafts.remove_quote(current, number)
        except CommandError as refused:
            assert refused.key.startswith("error.draft_"), refused.key
            continue
        current = drafts.loads(drafts.dumps(current))
        # Quotes can only go: what is left is part of what was there, never more or changed.
        assert not participants_text(current) - participants_text(original)
        # Counts, phases and themes stay as the synthesis made them.
        assert [p.respondents for p in current.phases] == [p.respondents for p in original.phases]
        assert [t.respondents for t in drafts.themes(current)] == [
            t.respondents for t in drafts.themes(original)
        ]
    # Nothing of an unpublished phase is kept at all.
    for phase in drafts.publishable(summary).phases:
        if not phase.published:
            assert not (phase.themes or phase.items or phase.rest or phase.respondents)


@settings(max_examples=60, deadline=None)
@given(summaries())
def test_the_preview_numbers_exactly_what_can_be_removed(summary: Summary) -> None:
    catalog = Catalog.load()
    numbered = drafts.numbered(summary, catalog)
    expected = [f"[{n}] {text}" for n, text in enumerate(drafts.quotes(summary), start=1)]
    assert drafts.quotes(numbered) == expected
    labels = [t.label for t in drafts.themes(numbered)]
    loose = catalog.text(summary.language, "summary.label.loose")
    assert labels == [
        f"{n}. {t.label or loose}" for n, t in enumerate(drafts.themes(summary), start=1)
    ]


def test_removing_one_quote_removes_that_one() -> None:
    summary = Summary(
        "nl",
        4,
        3,
        (
            PhaseSummary(
                "a",
                "A",
                "story",
                4,
                True,
                (Theme("Groen", 4, ("een", "twee", "drie")),),
                (Item("los"),),
            ),
        ),
    )
    assert drafts.quotes(drafts.remove_quote(summary, 2)) == ["een", "drie", "los"]
    assert drafts.quotes(drafts.remove_quote(summary, 4)) == ["een", "twee", "drie"]
    renamed = drafts.rename(summary, 1, "  Buiten   spelen \n")
    assert drafts.themes(renamed)[0].label == "Buiten spelen"
    text = summary_outgoing(drafts.rename(summary, 1, "<!channel> @here"), Catalog.load()).fallback
    assert "<!channel>" not in text and "@here" not in text, "a host's label cannot ping"


@pytest.mark.parametrize(
    ("words", "key"),
    [
        ("hernoem", "error.draft_rename_usage"),
        ("hernoem twee Groen", "error.draft_rename_usage"),
        ("hernoem 2", "error.draft_rename_usage"),
        ("verwijder", "error.draft_remove_usage"),
        ("verwijder citaat", "error.draft_remove_usage"),
        ("verwijder citaat drie", "error.draft_remove_usage"),
        ("publiceer nu", "error.extra_words"),
        ("start --publiceer soms", "error.publish_mode"),
    ],
)
def test_bad_draft_words_get_a_clear_refusal(words: str, key: str) -> None:
    with pytest.raises(CommandError) as refused:
        parse(words)
    assert refused.value.key == key


def test_draft_words_in_both_languages() -> None:
    assert parse("publiceer").name == parse("publish").name == "publish"
    assert parse("annuleer").name == parse("discard").name == "discard"
    assert parse("hernoem 2 Groen in de wijk").args == ("2", "Groen in de wijk")
    assert parse("rename 2 Green").args == ("2", "Green")
    assert parse("verwijder citaat 3").args == parse("remove quote 3").args == ("3",)
    assert parse("start --publiceer controle").publish == "review"
    assert parse("start --publish direct").publish == "direct"
    assert parse("start").publish is None
