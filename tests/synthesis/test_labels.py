"""Labels a person would write: nouns the answers themselves use, never verbs, adverbs, stop
words or fragments, never a word of one answer (a theme whose answers share no noun is shown
under a neutral heading with its answers); a participant's headline only where it describes
the theme."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.prompts import Catalog
from bot.core.render import summary_markdown, summary_outgoing
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


# Five answers about where people come from that share no noun: the grouping by meaning puts
# them together, but no word of theirs says what they share. The old fallback named the theme
# after one answer ("achtergrond", "background").
BUS_NL = [
    "De bus naar het ziekenhuis rijdt maar twee keer per dag.",
    "We willen ook op zondag een bus, niet alleen doordeweeks.",
    "Bij de bushalte van de school staat geen abri.",
    "Ouderen komen niet meer op de markt sinds de bus is geschrapt.",
    "Mijn dochter wacht na het voetballen een uur op de bus.",
]
ORIGIN_NL = [
    "Mijn ouders komen uit Suriname.",
    "Ik heb een Poolse achtergrond.",
    "Opa en oma kwamen uit Marokko.",
    "Half Turks, half Nederlands.",
    "Geboren in Eritrea, opgegroeid in Utrecht.",
]
BUS_EN = [
    "The bus to the hospital only runs twice a day.",
    "We need a bus on Sundays, not only on weekdays.",
    "The bus stop at the school has no shelter.",
    "Older people cannot reach the market since the bus stopped.",
    "My daughter waits an hour for the bus after football.",
]
ORIGIN_EN = [
    "I am of Caribbean descent.",
    "My background is Polish.",
    "Heritage: Nigerian.",
    "Grandparents came over from Pakistan.",
    "Mixed race, white mum and black dad.",
]


@pytest.mark.parametrize(
    ("language", "shared", "loose"), [("nl", BUS_NL, ORIGIN_NL), ("en", BUS_EN, ORIGIN_EN)]
)
def test_a_theme_whose_answers_share_no_noun_gets_the_neutral_heading_and_its_answers(
    catalog: Catalog, language: str, shared: list[str], loose: list[str]
) -> None:
    texts = shared + loose
    summary = _summary(language, texts)
    themes = summary.phases[0].themes
    by_answers = {frozenset(texts[i] for i in t.answers): t for t in themes}
    assert by_answers.keys() == {frozenset(shared), frozenset(loose)}, themes
    assert by_answers[frozenset(shared)].label == "bus"
    nameless = by_answers[frozenset(loose)]
    assert nameless.label == ""
    # A theme of a few answers shows the answers themselves, all of them.
    assert sorted(nameless.quotes) == sorted(loose)
    heading = catalog.text(language, "summary.label.loose")
    count = catalog.count(language, "respondents", len(loose))
    line = catalog.text(language, "summary.label.theme", label=heading, count=count)
    markdown = summary_markdown(summary, catalog)
    chat = summary_outgoing(summary, catalog).fallback
    for rendered in (markdown, chat):
        assert line in rendered
        for word in ("achtergrond", "background", "Poolse", "Polish"):
            # The one answer's word appears inside its quote, never as a heading.
            assert f"{word} (" not in rendered and f"# {word}" not in rendered


LOOSE_POOL = SENTENCES + BUS_NL + ORIGIN_NL + BUS_EN + ORIGIN_EN


def _in_two_answers(word: str, answers: list[str], analyzer: Analyzer) -> bool:
    """Whether two of the answers write ``word``, counting its other forms (same stem), or a
    word that starts as it does (a Dutch compound named by the part two answers share)."""
    stem = analyzer.stem(word)
    start = word[:5]
    writing = 0
    for answer in answers:
        words = analyzer.words(answer)
        if any(analyzer.stem(w) == stem for w in words) or (
            len(start) == 5 and any(w.startswith(start) for w in words)
        ):
            writing += 1
    return writing >= 2


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    picks=st.lists(st.sampled_from(LOOSE_POOL), min_size=6, max_size=16),
    language=st.sampled_from(["nl", "en"]),
)
def test_a_labels_words_occur_in_two_of_its_answers_or_the_heading_is_the_neutral_one(
    catalog: Catalog, picks: list[str], language: str
) -> None:
    summary = _summary(language, picks)
    analyzer = Analyzer(language)
    loose = catalog.text(language, "summary.label.loose")
    markdown = summary_markdown(summary, catalog)
    for theme in summary.phases[0].themes:
        own = [picks[i] for i in theme.answers]
        if not theme.label:
            assert f"{loose} (" in markdown
            continue
        for word in _words(theme.label):
            assert _in_two_answers(word, own, analyzer), (theme.label, word, own)
