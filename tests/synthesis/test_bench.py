"""Theme recovery on labelled data nobody here wrote (banking77), and the bench smoke run."""

from __future__ import annotations

import statistics
from collections import Counter

import pytest

from benchmarks.synthesis import draw, label_right, read_banking, recovery, request_for
from bot.cli import main
from bot.synthesis import OfflineSynthesizer
from bot.synthesis.language import Analyzer

from .conftest import DATA, need_data


def test_team_sized_rounds_recover_the_intents() -> None:
    need_data("banking77", "test.csv")
    rows = read_banking(DATA)
    result = recovery(rows, seeds=range(500, 506))  # not the seeds the bench reports
    assert statistics.fmean(result.ami) > 0.5
    assert statistics.fmean(result.ami) > statistics.fmean(result.base_ami)
    assert all(2 <= themes <= 6 for themes in result.themes)
    assert sum(result.labels_stem) / len(result.labels_stem) > 0.6


def test_quick_bench_runs_and_prints_its_tables(capsys: pytest.CaptureFixture[str]) -> None:
    need_data("banking77", "test.csv")
    need_data("polis")
    assert main(["bench", "synthesis", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "| AMI |" in out
    assert "brexit-consensus" in out
    assert "| 300 answers |" in out


def test_one_word_label_parts_are_written_as_their_theme_writes_them() -> None:
    """A one-word part is the theme's own form of that word (its singular where it writes
    both, never a form only other themes write): *top* where answers write *top up* more
    often than *topping up*, *atm* where they write *atm* and *atms*."""
    need_data("banking77", "test.csv")
    rows = read_banking(DATA)
    checked = 0
    for seed in range(1048, 1058):  # not the seeds the bench reports
        texts = [text for text, _ in draw(rows, seed)]
        analyzer = Analyzer("en")
        for text in texts:
            analyzer.stems(text)
        summary = OfflineSynthesizer().summarize(request_for(texts))
        for theme in summary.phases[0].themes:
            written = Counter(w for i in theme.answers for w in analyzer.words(texts[i]))
            for part in theme.label.split(" · "):
                if len(part.split()) == 1:
                    stem = analyzer.stem(part)
                    forms = {w: n for w, n in written.items() if analyzer.stem(w) == stem}
                    assert part in forms, (seed, theme.label)  # written in its own answers
                    singular = analyzer.surface(stem, forms)
                    if singular in forms:  # the theme writes it both ways: the singular
                        assert part == singular, (seed, theme.label)
                    checked += 1
    assert checked > 50


def test_a_label_word_matches_intent_names_whatever_their_case_and_punctuation() -> None:
    """banking77 writes ``Refund_not_showing_up`` and ``reverted_card_payment?``."""
    analyzer = Analyzer("en")
    assert label_right("refund · pending", "Refund_not_showing_up", analyzer) == (True, True)
    assert label_right("payment · reverted", "reverted_card_payment?", analyzer)[0]
    assert label_right("cards", "card_arrival", analyzer) == (False, True)
    assert label_right("top up · limit", "balance_not_updated", analyzer) == (False, False)
