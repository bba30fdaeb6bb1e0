"""Written forms of theme words: a plural counts as a use of its singular."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.synthesis.language import Analyzer


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
