"""Written forms of theme words: a plural counts as a use of its singular."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.synthesis.language import Analyzer, written_in


@pytest.mark.parametrize(
    ("lang", "word", "singular"),
    [
        ("en", "cards", "card"),
        ("en", "atms", "atm"),
        ("en", "buses", "bus"),
        ("en", "countries", "country"),
        ("nl", "fietsen", "fiets"),
        ("nl", "bussen", "bus"),
        ("nl", "huizen", "huis"),
        ("nl", "brieven", "brief"),
        ("nl", "bomen", "boom"),
        ("nl", "straten", "straat"),
        ("nl", "auto's", "auto"),
        ("nl", "ideeën", "idee"),
        ("nl", "kinderen", "kind"),
    ],
)
def test_regular_plurals_are_known(lang: str, word: str, singular: str) -> None:
    assert Analyzer(lang).plural(word, singular)
    assert not Analyzer(lang).plural(singular, word)


@pytest.mark.parametrize(
    ("lang", "word", "other"),
    [
        ("en", "withdrawal", "withdraw"),  # a derivation, not a plural
        ("en", "charged", "charge"),
        ("en", "days", "daie"),
        ("nl", "fietser", "fiets"),
        ("nl", "werkte", "werk"),
    ],
)
def test_other_endings_are_not_plurals(lang: str, word: str, other: str) -> None:
    assert not Analyzer(lang).plural(word, other)


def test_a_word_is_written_as_the_singular_its_plurals_belong_to() -> None:
    english = Analyzer("en")
    assert english.surface("atm", Counter({"atms": 5, "atm": 2})) == "atm"
    assert english.surface("withdraw", Counter({"withdrawal": 5, "withdraw": 2})) == "withdrawal"
    dutch = Analyzer("nl")
    assert dutch.surface("huis", Counter({"huizen": 4, "huis": 1})) == "huis"


def test_the_singular_may_come_from_elsewhere_in_the_round() -> None:
    analyzer = Analyzer("en")
    analyzer.stems("Where is the nearest card machine?")
    stem = analyzer.stem("cards")
    assert analyzer.surface(stem, Counter({"cards": 3})) == "card"
    assert analyzer.surface(analyzer.stem("holiday"), Counter({"holidays": 2})) == "holidays"


@pytest.mark.parametrize(
    ("text", "default", "language"),
    [
        ("De bus komt altijd te laat bij het station.", "en", "nl"),
        ("The bus is always late at the station.", "nl", "en"),
        ("Ik wil graag meer bomen in de wijk", "en", "nl"),
        ("Why was my card declined?", "nl", "en"),
        ("", "en", "en"),
        ("123 456 !!", "nl", "nl"),
        ("[naam] 12", "en", "en"),
    ],
)
def test_each_answer_is_read_in_the_language_it_is_written_in(
    text: str, default: str, language: str
) -> None:
    assert written_in(text, default) == language


@given(st.text(max_size=80), st.sampled_from(["nl", "en", "de", ""]))
def test_any_text_is_read_as_dutch_or_english(text: str, default: str) -> None:
    assert written_in(text, default) in {"nl", "en"}
