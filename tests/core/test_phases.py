"""Phase kinds are registered, not branched on: a kind registered in a test (a "poll" whose
answers are listed but not themed) is usable in a template, a round, its summary and its
export without a single product file knowing its name."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.phases import PHASE_KINDS, PhaseKind, UnknownPhaseKind, phase_kind, register
from bot.core.prompts import Catalog, PromptError, default_root
from bot.core.render import summary_markdown, summary_outgoing
from bot.core.summary import AnswerText, PhaseInfo, SynthesisRequest
from bot.core.templates import Templates, load_template
from bot.runtime.app import App
from bot.synthesis.offline import OfflineSynthesizer
from bot.testing import LocalDriver, LocalPlatform, ManualClock
from tests.conftest import make_settings
from tests.core.conversation import CHANNEL, HOST, PEOPLE, publish, setup_channel
from tests.core.test_export import exported

POLL = PhaseKind("poll", listed=True, section="text")
CHOICES = ["Meer bankjes op het plein", "Een buurtbus", "Langer open bibliotheek"]

PEILING = """[template]
key = "peiling"
name.nl = "Peiling"
name.en = "Poll"

[[phases]]
key = "keuze"
kind = "poll"
title.nl = "Wat eerst?"
title.en = "What first?"
prompt.nl = "Wat moet de wijk als eerste doen?"
prompt.en = "What should the neighbourhood do first?"

[[phases]]
key = "waarom"
role = "text"
title.nl = "Waarom"
title.en = "Why"
prompt.nl = "Waarom dat?"
prompt.en = "Why that?"
"""


@pytest.fixture
def poll() -> Iterator[PhaseKind]:
    register(POLL)
    yield POLL
    del PHASE_KINDS[POLL.name]


def prompts_with(tmp_path: Path, name: str, template: str) -> Path:
    root = tmp_path / "prompts"
    shutil.copytree(default_root(), root)
    (root / "templates" / name).write_text(template)
    return root


def test_a_template_names_a_registered_kind_by_kind_or_role(
    tmp_path: Path, poll: PhaseKind
) -> None:
    templates = Templates.load(prompts_with(tmp_path, "peiling.toml", PEILING))
    peiling = templates.get("peiling")
    assert peiling is not None
    assert [p.kind for p in peiling.phases] == [poll, phase_kind("text")]
    # The shipped template names its kinds with the newer word, the others still load.
    assert [p.role for p in templates.default.phases] == ["story", "headline", "dream", "ideas"]


def test_an_unknown_kind_names_the_file_key_and_registered_kinds(tmp_path: Path) -> None:
    path = tmp_path / "peiling.toml"
    path.write_text(PEILING)
    with pytest.raises(
        PromptError,
        match=r"peiling\.toml: key phases\[0\]\.kind must be one of "
        r"story, headline, dream, ideas, text, vote, feedback$",
    ):
        load_template(path)
    path.write_text(PEILING.replace('"poll"', '"text"').replace('role = "text"', 'role = "essay"'))
    with pytest.raises(PromptError, match=r"key phases\[1\]\.role must be one of story"):
        load_template(path)
    path.write_text(PEILING.replace('kind = "poll"', 'kind = "text"\nrole = "story"'))
    with pytest.raises(PromptError, match=r"phases\[0\]\.kind and phases\[0\]\.role disagree"):
        load_template(path)
    with pytest.raises(UnknownPhaseKind, match="registered: story, headline"):
        phase_kind("poll")


def test_a_kind_says_which_template_keys_it_needs(tmp_path: Path) -> None:
    """The registered vote kind needs its options; a ballot stage comes after the questions."""
    path = tmp_path / "stem.toml"
    path.write_text(PEILING.replace('kind = "poll"', 'kind = "vote"'))
    with pytest.raises(PromptError, match=r"key phases\[0\]\.options is missing"):
        load_template(path)
    with pytest.raises(ValueError, match="already registered"):
        register(PhaseKind("vote"))
    path.write_text(PEILING.replace('kind = "poll"', 'kind = "vote"\noptions = "themes"'))
    with pytest.raises(PromptError, match=r"key phases\[1\] is a question after a vote"):
        load_template(path)
    asked = PEILING.replace('kind = "poll"', 'kind = "text"')
    path.write_text(asked.replace('role = "text"', 'kind = "vote"\noptions = "koffie"'))
    with pytest.raises(PromptError, match=r'phases\[1\]\.options must be "themes", "ideas"'):
        load_template(path)
    path.write_text(asked.replace('role = "text"', 'kind = "vote"\noptions = "ideas"\ndots = 5'))
    template = load_template(path)
    assert [p.key for p in template.phases] == ["keuze"]
    assert [(s.role, s.options, s.dots, s.per_option) for s in template.stages] == [
        ("vote", "ideas", 5, 1)
    ]


def test_a_registered_kind_is_summarised_as_it_says(poll: PhaseKind) -> None:
    """Listed, not themed: the poll's answers come out as a list under its section."""
    answers = [AnswerText(n, "keuze", CHOICES[n % len(CHOICES)]) for n in range(9)]
    answers += [
        AnswerText(n, "waarom", f"Omdat de markt dan dichterbij is, {n}.") for n in range(9)
    ]
    phases = (PhaseInfo("keuze", "Wat eerst?", "poll"), PhaseInfo("waarom", "Waarom", "text"))
    request = SynthesisRequest("nl", phases, tuple(answers))
    summary = OfflineSynthesizer().summarize(request)
    chosen, why = summary.phases
    assert chosen.kind is poll and chosen.published
    assert chosen.themes == () and chosen.actors == ()
    assert sorted((i.text, i.count) for i in chosen.items) == sorted((c, 3) for c in CHOICES)
    assert why.themes and not why.items
    catalog = Catalog.load()
    markdown = summary_markdown(summary, catalog)
    assert "**Antwoorden**" in markdown
    assert all(f"- {choice} (3×)" in markdown for choice in CHOICES)
    assert "Antwoorden" in summary_outgoing(summary, catalog).fallback


async def test_a_round_with_a_registered_kind_runs_to_its_summary_and_export(
    tmp_path: Path, poll: PhaseKind
) -> None:
    root = prompts_with(tmp_path, "peiling.toml", PEILING)
    app = await App.create(make_settings(tmp_path, DIALOOG_PROMPTS_DIR=root), clock=ManualClock())
    platform = LocalPlatform()
    app.add_platform(platform)
    local = LocalDriver(app, platform)
    try:
        setup_channel(local)
        await local.command(HOST, CHANNEL, "start peiling")
        for n, user in enumerate(PEOPLE):
            await local.say(user, CHOICES[n % 2])
            await local.say(user, "Omdat de oudere buren dan makkelijker naar de markt kunnen.")
        await local.command(HOST, CHANNEL, "close")
        await publish(local)
        text = local.channel(CHANNEL)[-1].fallback
        assert "Wat eerst?" in text and "Antwoorden" in text
        assert f"{CHOICES[0]} (2×)" in text and f"{CHOICES[1]} (2×)" in text
        await local.command(HOST, CHANNEL, "export md")
        found = exported(local, HOST)
        assert found is not None and f"- {CHOICES[0]} (2×)" in found[1]
    finally:
        await app.stop()
