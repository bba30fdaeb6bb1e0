"""Texts as data: nl and en complete, broken files named with their key."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.prompts import LANGUAGES, Catalog, PromptError, default_root
from bot.core.templates import Templates


def copy_prompts(tmp_path: Path) -> Path:
    root = tmp_path / "prompts"
    shutil.copytree(default_root(), root)
    return root


def test_nl_and_en_have_the_same_keys_and_placeholders() -> None:
    catalog = Catalog.load()
    nl, en = (catalog.texts[lang] for lang in LANGUAGES)
    assert set(nl) == set(en)
    assert len(nl) > 50


def test_every_template_phase_is_complete_in_both_languages() -> None:
    templates = Templates.load()
    ai = templates.get("waarderend")
    assert ai is not None and [p.key for p in ai.phases] == [
        "knel_kiem",
        "krantenkop",
        "droom",
        "ideeen",
    ]
    pictures = ai.phases[2].choice
    assert pictures is not None and len(pictures.options) == 16 and not pictures.required
    for phase in ai.phases:
        for lang in LANGUAGES:
            assert phase.prompt(lang).strip() and phase.title(lang).strip()


def test_missing_english_key_names_file_and_key(tmp_path: Path) -> None:
    root = copy_prompts(tmp_path)
    path = root / "messages" / "round.en.toml"
    path.write_text(path.read_text().replace("reminder = ", "# reminder = "))
    with pytest.raises(PromptError, match=r"round\.nl\.toml: key round\.reminder has no en text"):
        Catalog.load(root)


def test_placeholder_mismatch_is_refused(tmp_path: Path) -> None:
    root = copy_prompts(tmp_path)
    path = root / "messages" / "round.en.toml"
    path.write_text(path.read_text().replace("Deadline: {when}", "Deadline: {wanneer}"))
    with pytest.raises(PromptError, match=r"round\.en\.toml: key round\.deadline has placeholders"):
        Catalog.load(root)


def test_malformed_toml_names_the_file(tmp_path: Path) -> None:
    root = copy_prompts(tmp_path)
    (root / "messages" / "error.nl.toml").write_text('quotes = "unterminated\n')
    with pytest.raises(PromptError, match=r"error\.nl\.toml: not valid TOML"):
        Catalog.load(root)


def test_broken_template_names_file_and_key(tmp_path: Path) -> None:
    root = copy_prompts(tmp_path)
    path = root / "templates" / "waarderend.toml"
    path.write_text(path.read_text().replace('prompt.en = "Sum up', 'promptx.en = "Sum up'))
    with pytest.raises(PromptError, match=r"waarderend\.toml: key phases\[1\]\.prompt\.en"):
        Templates.load(root)


def test_new_template_without_code(tmp_path: Path) -> None:
    root = copy_prompts(tmp_path)
    (root / "templates" / "kort.toml").write_text(
        """[template]
key = "kort"
name.nl = "Korte check"
name.en = "Quick check"

[[phases]]
key = "vraag"
title.nl = "Vraag"
title.en = "Question"
prompt.nl = "Wat houdt je bezig?"
prompt.nl-u = "Wat houdt u bezig?"
prompt.en = "What is on your mind?"
"""
    )
    templates = Templates.load(root)
    assert set(templates.names()) - set(Templates.load().names()) == {"kort"}


def test_broken_prompt_file_stops_start_with_one_line(tmp_path: Path) -> None:
    """The console refuses to start on a broken prompt file: one line, no traceback."""
    root = copy_prompts(tmp_path)
    (root / "messages" / "help.en.toml").write_text("channel = [1, 2]\n")
    env = {**os.environ, "DIALOOG_PROMPTS_DIR": str(root)}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        input="",
        timeout=60,
        env=env,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "help.en.toml: key help.channel must be text" in result.stderr
