"""Who could do what: actors named in ideas, counted by the people who named them."""

from __future__ import annotations

import pytest

from bot.core.prompts import Catalog
from bot.core.render import summary_markdown
from bot.core.summary import AnswerText, PhaseInfo, SynthesisRequest
from bot.synthesis import OfflineSynthesizer
from bot.synthesis.actors import actor


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("De gemeente kan een beheerder zoeken.", "nl", "gemeente"),
        ("Bewoners zouden het groen kunnen adopteren", "nl", "Bewoners"),
        ("Ik kan morgen de buren bellen.", "nl", "Ik"),
        ("Een buurthuis openen op zaterdag", "nl", None),
        ("Misschien kan de gemeente helpen", "nl", None),
        ("Wat kan ik doen?", "nl", None),
        ("We need trees. The school could help.", "en", "school"),
        ("The city council should plant trees", "en", "city council"),
        ("This could work", "en", None),
    ],
)
def test_the_actor_is_the_subject_before_a_modal_verb(
    text: str, lang: str, expected: str | None
) -> None:
    assert actor(text, lang) == expected


async def test_the_ideas_phase_says_who_could_do_what(catalog: Catalog) -> None:
    ideas = [
        "De gemeente kan een beheerder voor het buurthuis zoeken.",
        "De gemeente moet nieuwe bomen planten in het park.",
        "Bewoners kunnen samen een stuk groen adopteren.",
        "Ik kan de buren uitnodigen voor een maaltijd.",
        "Ik wil koken in het buurthuis.",
        "Een taalcafé starten.",
    ]
    request = SynthesisRequest(
        "nl",
        (PhaseInfo("ideeen", "Ideeën", "ideas"),),
        tuple(AnswerText(i, "ideeen", t) for i, t in enumerate(ideas)),
        3,
    )
    summary = await OfflineSynthesizer().synthesize(request)
    phase = summary.phases[0]
    assert dict(phase.actors) == {"gemeente": 2, "ik": 2, "bewoners": 1}
    assert phase.actors[0][1] == 2
    markdown = summary_markdown(summary, catalog)
    assert catalog.text("nl", "summary.label.who", actors="").rstrip() in markdown
