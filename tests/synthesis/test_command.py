"""``dialoogbot synthesize ANSWERS.csv``: a workshop's answers in, a summary out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

STICKY_NOTES = [
    ("Meer bankjes in het park", "Droom"),
    ("Bankjes en schaduw in het park", "Droom"),
    ("Een park met bankjes en bomen", "Droom"),
    ("De gemeente plaatst bankjes", "Eerste stap"),
    ("Bewoners kiezen de plekken voor bankjes", "Eerste stap"),
    ("Bankjes bestellen bij de gemeente", "Eerste stap"),
]


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_markdown_summary_of_a_workshop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["text,prompt"] + [f"{t},{p}" for t, p in STICKY_NOTES]
    path = _write(tmp_path / "answers.csv", "\n".join(lines) + "\n")
    assert main(["synthesize", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Samenvatting")
    assert "## Droom" in out and "## Eerste stap" in out
    assert "> Meer bankjes in het park" in out or "> Bankjes en schaduw in het park" in out


def test_json_lists_themes_with_their_spreadsheet_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["prompt;text"] + [f"{p};{t}" for t, p in STICKY_NOTES] + ["Droom;"]
    path = _write(tmp_path / "export.csv", "\n".join(lines) + "\n")
    assert main(["synthesize", str(path), "--format", "json", "--lang", "en"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["language"] == "en"
    prompts = {p["prompt"]: p for p in data["prompts"]}
    assert set(prompts) == {"Droom", "Eerste stap"}
    dream_rows = [r for theme in prompts["Droom"]["themes"] for r in theme["rows"]]
    assert sorted(dream_rows) == [2, 3, 4]
    for prompt in data["prompts"]:
        for theme in prompt["themes"]:
            assert theme["label"]
            assert 1 <= len(theme["quotes"]) <= 3
            texts = [STICKY_NOTES[row - 2][0] for row in theme["rows"]]
            assert all(quote in texts for quote in theme["quotes"])


@pytest.mark.parametrize(
    ("content", "encoding", "message"),
    [
        ("answer,prompt\nhallo,Droom\n", "utf-8", "no 'text' column"),
        ("text\nMeer groen in de wijk en één bankje\n", "utf-16", "not UTF-8"),
        ("", "utf-8", "empty"),
        ("text,prompt\n,Droom\n", "utf-8", "no answers"),
    ],
)
def test_a_bad_file_gets_one_clear_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    encoding: str,
    message: str,
) -> None:
    path = _write(tmp_path / "bad.csv", content, encoding)
    assert main(["synthesize", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert message in captured.err and "bad.csv" in captured.err


def test_a_missing_file_gets_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["synthesize", str(tmp_path / "missing.csv")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_below_the_threshold_nothing_is_quoted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "two.csv", "text\nMeer bankjes in het park\nMeer bomen\n")
    assert main(["synthesize", str(path)]) == 0
    out = capsys.readouterr().out
    assert "bankjes" not in out and "bomen" not in out


def test_the_same_file_gives_the_same_bytes_in_fresh_processes(tmp_path: Path) -> None:
    """Determinism across processes, where Python's string hashing differs."""
    lines = ["text,prompt"] + [f"{t},{p}" for t, p in STICKY_NOTES * 2]
    path = _write(tmp_path / "answers.csv", "\n".join(lines) + "\n")
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [sys.executable, "-m", "bot.cli", "synthesize", str(path)]
        result = subprocess.run(command, capture_output=True, env=env, check=True)
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].startswith(b"# ")


def test_rows_without_a_respondent_are_counted_as_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ["text,prompt"] + [f"{t},{p}" for t, p in STICKY_NOTES]
    path = _write(tmp_path / "answers.csv", "\n".join(lines) + "\n")
    assert main(["synthesize", str(path)]) == 0
    out = capsys.readouterr().out
    assert "_6 antwoorden_" in out and "deelnemers" not in out


def test_a_respondent_column_counts_people_and_the_prompt_gives_the_method_s_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Three people, two sticky notes each in a 'Droom' phase, knel or kiem stories and
    headlines: the phases take the appreciative-inquiry template's kinds by title or key."""
    rows = [
        ("knel_kiem", "1", "Knel", "Het buurthuis ging dicht en de buurt werd stil."),
        ("knel_kiem", "2", "Kiem", "Het buurthuis ging weer open met vrijwilligers."),
        ("knel_kiem", "3", "Kiem", "In het buurthuis begon een taalcafé voor nieuwe buren."),
        ("Krantenkop", "1", "", "Buurt zonder dak"),
        ("Krantenkop", "2", "", "Het kan dus wel"),
        ("Krantenkop", "3", "", "Taal verbindt"),
        *[("Droom", str(1 + i % 3), "3", t) for i, (t, _) in enumerate(STICKY_NOTES)],
    ]
    lines = ["prompt,respondent,choice,text"] + [",".join(r) for r in rows]
    path = _write(tmp_path / "harvest.csv", "\n".join(lines) + "\n")
    assert main(["synthesize", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["respondents"] == 3 and data["answers"] == len(rows) and data["people"]
    prompts = {p["prompt"]: p for p in data["prompts"]}
    assert prompts["Knel of kiem"]["kind"] == "story"
    assert prompts["Knel of kiem"]["choices"] == {"kiem": 2, "knel": 1}
    # One knel story and two kiem stories, threshold 3: no side is shown apart (§4.5).
    assert {o["side"] for o in prompts["Knel of kiem"]["other"]} == {None}
    assert prompts["Krantenkop"]["kind"] == "headline" and not prompts["Krantenkop"]["themes"]
    assert len(prompts["Krantenkop"]["items"]) == 3
    dream = prompts["Droom"]
    assert dream["kind"] == "dream" and dream["respondents"] == 3 and dream["answers"] == 6
    assert dream["choices"] == {"3": 3}
    assert main(["synthesize", str(path)]) == 0
    out = capsys.readouterr().out
    assert "_3 deelnemers · 12 antwoorden_" in out
    assert "### Knel (" not in out and "### Kiem (" not in out
    assert "**Krantenkoppen**" in out and "Een lange tafel met buren: 3" in out
