"""Theme recovery on labelled data nobody here wrote (banking77), and the bench smoke run."""

from __future__ import annotations

import statistics

import pytest

from bot.cli import main
from bot.synthesis.bench import read_banking, recovery

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
