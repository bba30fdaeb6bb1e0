"""The seeds' methods as templates (issue 18 item 3): every new template loads, says in its
data which phases it has and each phase's kind, is complete in nl and en, and splits into its
sessions; a copied and changed template is picked up from ``DIALOOG_PROMPTS_DIR`` without
code, and a broken one names the file and the key."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.local.platform import LocalPlatform
from bot.core.phases import kind_names, phase_kind
from bot.core.prompts import LANGUAGES, PromptError, default_root
from bot.core.templates import Templates
from bot.runtime.app import App
from bot.testing import LocalDriver
from tests.conftest import make_settings
from tests.core.conversation import CHANNEL, HOST, setup_channel

# Each method: its phases' kinds in order, and its sessions (the templates a series takes).
METHODS = {
    "verkenning": (["text", "text"], []),
    "wwh": (
        ["story", "text", "text", "ideas", "text", "dream", "text", "ideas"],
        ["wwh-1a", "wwh-1b", "wwh-2", "wwh-3"],
    ),
    "7v": (
        ["text", "text", "text", "ideas", "text", "vote", "story", "ideas", "ideas", "text"],
        [
            "7v-vinden",
            "7v-verzamelen",
            "7v-verkennen",
            "7v-verrijken",
            "7v-voorkeuren",
            "7v-verdiepen",
            "7v-voortzetten",
        ],
    ),
    "stakeholder": (["text", "dream", "text", "text", "text", "ideas"], []),
    "klimaat": (
        ["text", "text", "text", "text", "dream", "ideas"],
        ["klimaat-risico", "klimaat-ambitie"],
    ),
}


@pytest.mark.parametrize("key", sorted(METHODS))
def test_every_method_template_is_complete_in_both_languages(key: str) -> None:
    templates = Templates.load()
    template = templates.get(key)
    assert template is not None
    kinds, sessions = METHODS[key]
    questions = [k for k in kinds if not phase_kind(k).ballot]
    assert [p.role for p in template.phases] == questions
    assert [s.role for s in template.stages] == [k for k in kinds if phase_kind(k).ballot]
    assert list(template.sessions) == sessions
    # The kinds are written in the data file itself, each a registered kind.
    raw = tomllib.loads(Path(template.source).read_text(encoding="utf-8"))
    assert [p["kind"] for p in raw["phases"]] == kinds
    assert set(kinds) <= set(kind_names())
    for lang in LANGUAGES:
        assert template.name(lang).strip()
        for phase in template.phases:
            assert phase.title(lang).strip() and phase.prompt(lang).strip()
    # The nl and en texts differ: a text copied over untranslated is caught.
    for phase in template.phases:
        assert phase.prompt("nl") != phase.prompt("en")
    # Every phase belongs to exactly one session, in the method's order.
    parts = [templates.get(s) for s in sessions]
    assert all(part is not None for part in parts)
    if parts:
        assert [p.key for part in parts if part for p in part.phases] == [
            p.key for p in template.phases
        ]


def test_the_exploration_asks_the_open_question_and_seeds_appreciative_inquiry() -> None:
    templates = Templates.load()
    verkenning = templates.get("verkenning")
    assert verkenning is not None and verkenning.follow_up == "waarderend"
    assert (
        verkenning.phases[0]
        .prompt("nl")
        .startswith("Waar wil je het over hebben, rond dit onderwerp?")
    )
    # 7V's prioritising session ends with dot-voting on its themes and seeds its deep dives.
    prioritise = templates.get("7v-voorkeuren")
    assert prioritise is not None and prioritise.follow_up == "7v-verdiepen"
    (vote,) = prioritise.stages
    assert (vote.role, vote.options, vote.dots, vote.per_option) == ("vote", "themes", 3, 1)
    for lang in LANGUAGES:
        assert vote.titles[lang].strip()
    seven = templates.get("7v")
    assert seven is not None
    assert templates.session(seven, 9) is templates.get("7v-voortzetten")


def copy_prompts(tmp_path: Path) -> Path:
    root = tmp_path / "prompts"
    shutil.copytree(default_root(), root)
    return root


async def test_a_copied_and_changed_template_is_picked_up_without_code(tmp_path: Path) -> None:
    """The README's recipe: copy prompts/, copy a template under a new key, change a prompt,
    point DIALOOG_PROMPTS_DIR at the copy; the bot runs the new template."""
    root = copy_prompts(tmp_path)
    text = (root / "templates" / "verkenning.toml").read_text(encoding="utf-8")
    text = text.replace('key = "verkenning"', 'key = "dorpsgesprek"')
    text = text.replace('aliases = ["verken", "explore", "exploratory"]', "aliases = []")
    text = text.replace(
        "Waar wil je het over hebben, rond dit onderwerp?", "Wat moet het dorp weten?"
    )
    (root / "templates" / "dorpsgesprek.toml").write_text(text, encoding="utf-8")
    settings_ = make_settings(tmp_path, DIALOOG_PROMPTS_DIR=str(root))
    app = await App.create(settings_)
    local = LocalDriver(app, LocalPlatform(files=tmp_path / "files"))
    app.add_platform(local.platform)
    try:
        setup_channel(local)
        await local.command(HOST, CHANNEL, "start dorpsgesprek")
        assert "Wat moet het dorp weten?" in local.inbox("U02BRAM")[-1].fallback
    finally:
        await app.stop()


@pytest.mark.parametrize(
    ("change", "names"),
    [
        (('session = "1b"', 'session = "9z"'), "phases[2].session"),
        (('key = "1a"', 'key = "1x"'), "sessions[0].key"),
        (('kind = "dream"', 'kind = "droom"'), "phases[5].kind"),
    ],
)
def test_a_broken_method_names_the_file_and_key(
    tmp_path: Path, change: tuple[str, str], names: str
) -> None:
    root = copy_prompts(tmp_path)
    path = root / "templates" / "wwh.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(*change, 1), encoding="utf-8")
    with pytest.raises(PromptError) as error:
        Templates.load(root)
    assert "wwh.toml" in str(error.value) and names in str(error.value)


def test_a_follow_up_that_names_no_template_is_refused(tmp_path: Path) -> None:
    root = copy_prompts(tmp_path)
    path = root / "templates" / "verkenning.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('follow_up = "waarderend"', 'follow_up = "x"')
    )
    with pytest.raises(PromptError, match=r"verkenning\.toml: key template\.follow_up"):
        Templates.load(root)


@settings(max_examples=30, deadline=None)
@given(place=st.integers(min_value=1, max_value=10_000))
def test_every_place_in_a_series_gets_a_session(place: int) -> None:
    templates = Templates.load()
    for key in ("wwh", "7v", "klimaat", "stakeholder"):
        method = templates.get(key)
        assert method is not None
        part = templates.session(method, place)
        if method.sessions:
            expected = method.sessions[min(place, len(method.sessions)) - 1]
            assert part.key == expected
        else:
            assert part is method


def test_a_question_after_a_vote_in_one_session_is_refused(tmp_path: Path) -> None:
    """Each session is a round: its questions, then its ballot stages; a later session's
    questions may follow an earlier session's vote."""
    root = copy_prompts(tmp_path)
    path = root / "templates" / "7v.toml"
    text = path.read_text(encoding="utf-8")
    moved = 'key = "verdiepen"\nsession = "voorkeuren"'
    path.write_text(text.replace('key = "verdiepen"\nsession = "verdiepen"', moved, 1))
    with pytest.raises(PromptError, match=r"7v\.toml: key phases\[6\] is a question after a vote"):
        Templates.load(root)
