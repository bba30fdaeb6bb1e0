"""Labels a person would write: nouns the answers themselves use, never verbs, adverbs, stop
words or fragments; a participant's headline only where it describes the theme."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.summary import AnswerText, PhaseInfo, Summary, SynthesisRequest
from bot.synthesis import OfflineSynthesizer, embeddings
from bot.synthesis.language import Analyzer, stop_words

STORY = PhaseInfo("p", "Verhaal", "text")


def _summary(language: str, texts: list[str], minimum: int = 3) -> Summary:
    request = SynthesisRequest(
        language, (STORY,), tuple(AnswerText(i, "p", t) for i, t in enumerate(texts)), minimum
    )
    return OfflineSynthesizer().summarize(request)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.casefold())


def _own(label: str, texts: list[str]) -> bool:
    written = {w for t in texts for w in _words(t)}
    return set(_words(label)) <= written


# Answers that share verbs, adverbs and adjectives more than nouns: the old labels were made of
# such words ("tafel zit · vol · regio", "hadden", "graag", "steeds · besteed · groep").
SHARED_VERBS_NL = [
    "We hadden graag een tafel gehad, maar de zaal zat steeds vol.",
    "De tafel zit vol, we hadden graag meer stoelen gehad in de zaal.",
    "Wij hadden graag de grote tafel, maar de zaal zit altijd vol.",
    "Ik had graag aan de lange tafel gezeten, maar de zaal was steeds vol.",
    "We hadden graag een fietspad gehad, het verkeer zit steeds vast.",
    "Het fietspad is steeds vol, we hadden graag een breder fietspad gehad.",
    "We hadden graag een veilig fietspad gehad langs de drukke weg.",
    "Mijn kinderen hadden graag over het fietspad gefietst, maar het zit steeds vol.",
]
NOT_NOUNS_NL = {"hadden", "had", "graag", "steeds", "zit", "zat", "vol", "gehad", "altijd"}


def test_dutch_labels_are_nouns_not_the_verbs_and_adverbs_answers_share() -> None:
    summary = _summary("nl", SHARED_VERBS_NL)
    themes = summary.phases[0].themes
    assert themes
    for theme in themes:
        words = set(_words(theme.label))
        assert words and not words & NOT_NOUNS_NL, theme.label
        assert _own(theme.label, SHARED_VERBS_NL), theme.label
        assert not set(_words(theme.distinct)) & NOT_NOUNS_NL
    labels = " ".join(t.label for t in themes)
    assert "tafel" in labels or "zaal" in labels
    assert "fietspad" in labels


def test_three_people_get_a_noun_label_not_hadden_or_graag() -> None:
    """With three people there is one theme; its name is what they wrote about."""
    texts = SHARED_VERBS_NL[:3]
    themes = _summary("nl", texts).phases[0].themes
    for theme in themes:
        assert not set(_words(theme.label)) & NOT_NOUNS_NL, theme.label
        assert _own(theme.label, texts)


def test_a_one_word_answer_is_not_a_theme_label() -> None:
    texts = [
        "clear",
        "The new card arrived but the card does not work at the ATM.",
        "My card was declined at the ATM twice this week.",
        "The ATM kept my card, how do I get a new card?",
        "I want a refund for the double payment on my account.",
        "The refund for my payment has not arrived yet.",
        "How long does a refund of a card payment take?",
        "clear",
    ]
    themes = _summary("en", texts).phases[0].themes
    assert themes
    for theme in themes:
        assert "clear" not in _words(theme.label), theme.label
        assert _own(theme.label, texts)


def test_the_chunker_finds_nouns_after_articles_and_skips_verbs() -> None:
    nl = Analyzer("nl")
    found = nl.noun_phrases("In ons dorp is de laatste geldautomaat weggehaald; het zit vol.")
    assert found == [("dorp",), ("laatste", "geldautomaat")]
    en = Analyzer("en")
    assert en.noun_phrases("I lost my new card, and the ATM took it. Some started.") == [
        ("new", "card"),
        ("atm",),
    ]


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("We zijn groot geworden in dit dorp.", [("dorp",)]),
        ("Er zijn bomen gekapt.", []),
        ("Ze zijn blij met de nieuwe bibliotheek.", [("nieuwe", "bibliotheek")]),
        ("Hij zette zijn fiets bij het station.", [("fiets",), ("station",)]),
        ("Zijn fiets stond bij haar huis.", [("fiets",), ("huis",)]),
    ],
)
def test_dutch_zijn_after_a_subject_is_the_verb_not_a_possessive(
    text: str, phrases: list[tuple[str, ...]]
) -> None:
    assert Analyzer("nl").noun_phrases(text) == phrases


SENTENCES = [
    "De bus komt altijd te laat bij het station.",
    "We hadden graag meer bomen in de straat.",
    "Het buurthuis is steeds dicht in het weekend.",
    "The library closes early and the children miss it.",
    "Wij willen graag een moestuin voor de wijk.",
    "ok",
    "clear",
    "Ik zit vol ideeën over de markt.",
    "Our council should open the old school again.",
    "Mijn fiets en jouw fietsen staan bij het station.",
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    picks=st.lists(st.sampled_from(SENTENCES), min_size=6, max_size=14),
    language=st.sampled_from(["nl", "en"]),
)
def test_every_label_word_is_written_in_its_themes_answers_and_none_is_a_stop_word(
    picks: list[str], language: str
) -> None:
    summary = _summary(language, picks)
    stops = stop_words(language)
    for theme in summary.phases[0].themes:
        own = [picks[i] for i in theme.answers]
        assert _own(theme.label, own), (theme.label, own)
        assert not {w for w in _words(theme.label) if w in stops}, theme.label


# A headline that shares a word with a theme but is about something else must not title it.
STORIES = [
    "De bus naar de stad komt elke ochtend te laat.",
    "Ik mis mijn aansluiting omdat de bus steeds vertraging heeft.",
    "De bus rijdt 's avonds niet meer door het dorp.",
    "Op de bus wachten we soms een half uur in de regen.",
    "Het park heeft meer bomen en bloemen nodig.",
    "Kinderen spelen in het park, maar er is geen schaduw.",
    "Een park met een moestuin zou de buurt verbinden.",
    "Het park is verwaarloosd, er ligt overal afval.",
]
HEADLINES = [
    "Bus te laat, weer",
    "Vertraging is de regel",
    "Dorp zonder avondbus",
    "Bus vol met bloemen op de markt",  # shares "bus" but is about flowers: fits the park
    "Groen park voor iedereen",
    "Schaduw gezocht",
    "Moestuin verbindt",
    "Afval weg, park terug",
]


def test_a_headline_titles_a_theme_only_when_it_describes_that_theme() -> None:
    if embeddings.encoder() is None:
        return  # without the model shared words decide; the other tests cover that path
    phases = (PhaseInfo("s", "Knel of kiem", "story"), PhaseInfo("h", "Krantenkop", "headline"))
    answers = tuple(AnswerText(i, "s", t) for i, t in enumerate(STORIES)) + tuple(
        AnswerText(i, "h", t) for i, t in enumerate(HEADLINES)
    )
    summary = OfflineSynthesizer().summarize(SynthesisRequest("nl", phases, answers, 3))
    themes = summary.phases[0].themes
    assert len(themes) == 2
    assert any(theme.label in HEADLINES for theme in themes)
    for theme in themes:
        if theme.label in HEADLINES:
            author = HEADLINES.index(theme.label)
            topic = "bus" if author < 4 else "park"
            assert all(("bus" if i < 4 else "park") == topic for i in theme.answers), theme.label
            assert theme.label != "Bus vol met bloemen op de markt"


def test_a_word_that_reads_differently_once_in_lower_case_still_gets_its_label() -> None:
    # "İzmir" in lower case is "i" and a combining dot before "zmir": read again, the word fell
    # apart and the label step stopped the whole synthesis with a KeyError (SIB-200 train).
    from bot.synthesis.keywords import prefix_word

    members = [
        "İzmir is de op twee na grootste stad in Turkije.",
        "De antieke stad İzmir is nu een druk centrum.",
        "İzmir ligt aan een baai, omringd door bergen.",
    ]
    others = ["De bus rijdt elk uur.", "Het museum is op maandag gesloten."]
    analyzer = Analyzer("nl")
    word = prefix_word(members, others, analyzer)
    assert word is not None
    assert word in {w for text in members for w in analyzer.words(text)}


# Words whose lower case or folded form is longer or reads otherwise, beside plain ones.
_ODD_WORDS = ["İzmir", "İstanbul", "Straße", "ﬁetspad", "ÉCOLE", "Ǆemal", "fietsenstalling"]
_ANSWERS = st.one_of(
    st.text(min_size=1, max_size=40),
    st.lists(st.sampled_from(_ODD_WORDS), min_size=1, max_size=4).map(" ".join),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_ANSWERS, min_size=2, max_size=6),
    st.lists(_ANSWERS, max_size=4),
    st.sampled_from(["nl", "en"]),
)
def test_a_prefix_label_is_a_word_of_the_answers_whatever_they_write(
    members: list[str], others: list[str], language: str
) -> None:
    from bot.synthesis.keywords import prefix_word

    analyzer = Analyzer(language)
    word = prefix_word(members, others, analyzer)
    assert word is None or word in {w for text in members for w in analyzer.words(text)}
