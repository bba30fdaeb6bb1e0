"""Shared pieces for synthesis tests: the catalog, a Dutch appreciative-inquiry round, data."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.prompts import Catalog
from bot.core.summary import AnswerText, PhaseInfo, SynthesisRequest
from tests.conftest import SHARED_DATA, shared_data

DATA = SHARED_DATA

PHASES_NL = (
    PhaseInfo("knel_kiem", "Knel of kiem", "story"),
    PhaseInfo("krantenkop", "Krantenkop", "headline"),
    PhaseInfo("droom", "Droom", "dream"),
    PhaseInfo("ideeen", "Ideeën en eerste stappen", "ideas"),
)

# Eight people in a municipality round about the neighbourhood; (choice, story, headline,
# picture, dream, idea). Two themes: the community centre (buurthuis) and green space (groen).
ROUND_NL = (
    (
        "kiem",
        "In het buurthuis kwamen we met de hele straat samen om te"
        " koken. Het buurthuis voelde weer van ons.",
        "Het buurthuis leeft weer",
        "3",
        "Een buurthuis dat elke avond open is, met vrijwilligers uit de wijk.",
        "Een buurthuis openen op zaterdag",
    ),
    (
        "kiem",
        "De vrijwilligers van het buurthuis organiseerden een"
        " maaltijd voor ouderen, het buurthuis zat vol.",
        "Vrijwilligers maken het buurthuis",
        "3",
        "Een buurthuis waar jong en oud samen eten.",
        "buurthuis openen op zaterdag!",
    ),
    (
        "knel",
        "Het buurthuis ging dicht door bezuinigingen en de"
        " vrijwilligers van het buurthuis stopten.",
        "Buurthuis dicht, buurt stil",
        "9",
        "Het buurthuis weer open met een vaste beheerder.",
        "De gemeente zoekt een beheerder voor het buurthuis",
    ),
    (
        "knel",
        "Het park bij de flats is verwaarloosd, overal afval en het groen is weg.",
        "Groen verdwijnt uit de wijk",
        "12",
        "Meer groen tussen de flats, een moestuin waar buren samen werken.",
        "Bewoners adopteren een stuk groen in het park",
    ),
    (
        "kiem",
        "Met buren hebben we een moestuin aangelegd in het park, het groen brengt mensen samen.",
        "Moestuin brengt buren samen",
        "12",
        "Een groene wijk met moestuinen en bomen in elke straat.",
        "Bewoners adopteren een stuk groen in het park",
    ),
    (
        "knel",
        "De bomen in het park zijn gekapt en er kwam geen nieuw groen terug.",
        "Park zonder bomen",
        "8",
        "Een park vol bomen en groen waar kinderen spelen.",
        "De gemeente plant nieuwe bomen in het park",
    ),
    (
        "kiem",
        "Kinderen hebben in het park bloemen geplant en het groen onderhouden.",
        "Kinderen maken het park groen",
        "12",
        "Groen in de wijk dat door kinderen wordt onderhouden.",
        "Scholen helpen het groen in het park te onderhouden",
    ),
    (
        "kiem",
        "In het buurthuis begon een taalcafé, vrijwilligers helpen nieuwe buren.",
        "Taalcafé in het buurthuis",
        "3",
        "Een buurthuis als huiskamer van de wijk.",
        "Vrijwilligers starten een taalcafé in het buurthuis",
    ),
)


def round_answers(people: int = len(ROUND_NL)) -> tuple[AnswerText, ...]:
    answers: list[AnswerText] = []
    for respondent, (choice, story, headline, picture, dream, idea) in enumerate(ROUND_NL[:people]):
        answers += [
            AnswerText(respondent, "knel_kiem", story, choice),
            AnswerText(respondent, "krantenkop", headline),
            AnswerText(respondent, "droom", dream, picture),
            AnswerText(respondent, "ideeen", idea),
        ]
    return tuple(answers)


def round_request(people: int = len(ROUND_NL), minimum: int = 3) -> SynthesisRequest:
    return SynthesisRequest("nl", PHASES_NL, round_answers(people), minimum, "Onze wijk")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.load()


def need_data(*parts: str) -> Path:
    return shared_data(*parts)
