"""Synthesis never fails on odd input: generated degenerate rounds (identical answers, one or
two answers, stop words, emoji, numbers, links scrubbed to nothing, very long answers, Dutch
and English mixed) all give a summary whose quotes are what people wrote, in Markdown, JSON
and a chat message; and the similarity space stays finite however small the singular values.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix

from bot.cli import main
from bot.core.prompts import Catalog
from bot.core.render import summary_markdown, summary_outgoing
from bot.core.scrub import Scrubber
from bot.core.summary import AnswerText, PhaseInfo, Summary, SynthesisRequest
from bot.synthesis.language import Analyzer
from bot.synthesis.offline import OfflineSynthesizer
from bot.synthesis.themes import SimilaritySpace, group

CATALOG = Catalog.load()
ROLES = ("story", "headline", "dream", "ideas", "text")

STOP_WORDS = ["de het een", "en van", "ik te dat", "die in een", "the and of", "it is was", "op"]
EMOJI = ["👍", "🎉🎉", "🙂", "!!!", "...", "?", "👍👍👍", "❤️"]
NUMBERS = ["1", "22", "333", "4.5", "1000", "0", "2026", "-7"]
LINKS = [
    "https://example.org/a",
    "www.gemeente.nl/plan",
    "<https://slack.example/x|x>",
    "http://a.b/c?d=e",
]
SENTENCES = [
    "Het buurthuis gaat dicht en niemand weet waar we dan heen moeten.",
    "De fietsenstalling bij het station is altijd vol.",
    "Meer groen in de wijk, bomen en een moestuin.",
    "The bus to the city centre is always late in the morning.",
    "Libraries should open longer for the children in our town.",
    "We need more trees and a community garden in the neighbourhood.",
    "geen idee",
    "Samen met de buren een speeltuin bouwen.",
]


def _round(kind: str, draw: st.DrawFn) -> list[str]:
    if kind == "identical":
        return [draw(st.sampled_from([*SENTENCES, "geen idee", "ja"]))] * draw(st.integers(2, 60))
    if kind == "one":
        return [draw(st.sampled_from(SENTENCES))]
    if kind == "two":
        return draw(st.lists(st.sampled_from(SENTENCES), min_size=2, max_size=2))
    pool = {"stop": STOP_WORDS, "emoji": EMOJI, "numbers": NUMBERS, "links": LINKS}
    if kind in pool:
        return draw(st.lists(st.sampled_from(pool[kind]), min_size=1, max_size=30))
    if kind == "long":
        parts = draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=4))
        repeat = draw(st.integers(20, 150))
        return [" ".join(parts) * repeat for _ in range(draw(st.integers(1, 8)))]
    if kind == "mixed":
        return draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=40))
    # anything at all, including control characters and lone whitespace
    return draw(st.lists(st.text(max_size=200), min_size=1, max_size=25))


KINDS = ("identical", "one", "two", "stop", "emoji", "numbers", "links", "long", "mixed", "any")


@st.composite
def rounds(draw: st.DrawFn) -> tuple[SynthesisRequest, list[str]]:
    kind = draw(st.sampled_from(KINDS))
    language = draw(st.sampled_from(("nl", "en")))
    role = draw(st.sampled_from(ROLES))
    scrub = Scrubber.build(CATALOG, language, ["Anna de Vries", "Bram"])
    texts = [scrub(t) for t in _round(kind, draw)]
    # People: each answer its own person, or a few people answering several times.
    people = draw(st.integers(1, max(1, len(texts))))
    choice = "knel" if role == "story" else None
    answers = tuple(
        AnswerText(i % people, "p", text, choice if i % 2 else None) for i, text in enumerate(texts)
    )
    minimum = draw(st.integers(1, 5))
    phases = (PhaseInfo("p", "Fase", role),)
    return SynthesisRequest(language, phases, answers, minimum), texts


def _check(summary: Summary, request: SynthesisRequest, texts: list[str]) -> None:
    people = {a.respondent for a in request.answers}
    assert summary.respondents == len(people)
    assert summary.published == (len(people) >= request.min_respondents)
    assert not summary.plain, "the offline synthesizer itself must not fall back"
    for phase in summary.phases:
        if not phase.published:
            assert not phase.themes and not phase.items
        for theme in phase.themes:
            # A label, or none (no noun two of its answers share): then its answers show.
            assert theme.label.strip() or (not theme.label and theme.quotes)
            assert 1 <= theme.respondents <= len(people)
            assert all(any(q in t for t in texts) for q in theme.quotes)
        assert all(any(item.text in t for t in texts) for item in phase.items)
    markdown = summary_markdown(summary, CATALOG)
    assert markdown.startswith("# ")
    message = summary_outgoing(summary, CATALOG)
    assert message.blocks


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rounds())
def test_generated_degenerate_rounds_give_a_summary(
    case: tuple[SynthesisRequest, list[str]],
) -> None:
    request, texts = case
    summary = OfflineSynthesizer().summarize(request)
    _check(summary, request, texts)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(2, 40),
    columns=st.integers(2, 60),
    rank=st.integers(1, 3),
    scale=st.sampled_from([1e-30, 1e-12, 1e-6, 1.0, 1e6]),
    noise=st.sampled_from([0.0, 1e-9, 1e-7]),
)
def test_similarity_space_is_finite_for_nearly_degenerate_vectors(
    rows: int, columns: int, rank: int, scale: float, noise: float
) -> None:
    """Low-rank vectors plus tiny noise: singular values almost, not exactly, zero."""
    generator = np.random.default_rng(rows * 1000 + columns)
    base = generator.random((rank, columns)) * scale
    matrix = base[generator.integers(0, rank, rows)] + noise * generator.random((rows, columns))
    vectors = csr_matrix(matrix.astype(np.float32))
    space = SimilaritySpace.fit(vectors)
    if space is None:
        return  # too few directions: one theme, which group() handles
    points = space.points(vectors)
    assert points.shape[0] == rows
    assert np.all(np.isfinite(points))
    assert np.all(space.sigma > 0)


def test_ten_thousand_identical_answers_are_one_theme() -> None:
    texts = ["geen idee"] * 10_000
    grouping = group(texts, Analyzer("nl"))
    assert grouping.count == 1
    request = SynthesisRequest(
        "nl",
        (PhaseInfo("p", "Ideeën", "ideas"),),
        tuple(AnswerText(i, "p", t) for i, t in enumerate(texts)),
        3,
    )
    phase = OfflineSynthesizer().summarize(request).phases[0]
    assert phase.published and phase.respondents == 10_000
    assert [(item.text, item.count) for item in phase.items] == [("geen idee", 10_000)]


DEGENERATE_FILES = {
    "identical": ["geen idee"] * 12,
    "one": ["Het buurthuis moet open blijven."],
    "two": ["Meer groen.", "Meer bankjes."],
    "stop-words": STOP_WORDS,
    "emoji": EMOJI,
    "numbers": NUMBERS,
    "links": LINKS,
    "very-long": ["Het buurthuis is belangrijk voor de wijk. " * 400] * 4,
    "mixed": SENTENCES * 3,
}


@pytest.mark.parametrize("name", sorted(DEGENERATE_FILES))
@pytest.mark.parametrize("format_", ["md", "json"])
def test_synthesize_command_summarises_each_degenerate_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    format_: str,
) -> None:
    monkeypatch.setenv("DIALOOG_MIN_RESPONDENTS", "1")
    path = tmp_path / f"{name}.csv"
    rows = "".join(f'"{t}"\n' for t in DEGENERATE_FILES[name])
    path.write_text("text\n" + rows, encoding="utf-8")
    assert main(["synthesize", str(path), "--format", format_]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if format_ == "json":
        data = json.loads(out)
        assert data["respondents"] == len(DEGENERATE_FILES[name])
        assert data["published"] is True
    else:
        assert out.startswith("# ")
