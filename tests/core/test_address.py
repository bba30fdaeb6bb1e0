"""Issue 16, item 1: a round speaks Dutch with *je* or with *u* (``--aanspreekvorm``), every
text that addresses the reader exists in both forms, and the loader refuses a file that
breaks that.

The u-form check here uses its own list of informal words, not the loader's, so a loader that
let a *je* through would still be caught by what people read.
"""

from __future__ import annotations

import re
import shutil
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.commands import CommandError, parse
from bot.core.messages import Outgoing
from bot.core.prompts import U_VOICE, Catalog, PromptError, default_root, voice
from bot.core.templates import Templates
from bot.support.settings import SettingsError, load_settings
from bot.testing import LocalDriver
from tests.core.conversation import CHANNEL, HOST, setup_channel

# Informal address, as a civil servant would spot it; also "je" after a verb ("heb je").
INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jezelf|jullie)\b", re.IGNORECASE)
# Words inside `backticks` are commands to type (`--aanspreekvorm je|u`), not address.
CODE = re.compile(r"`[^`]*`")
PARTICIPANT = "U02BRAM"


def informal(text: str) -> list[str]:
    return INFORMAL.findall(CODE.sub(" ", text))


def copy_prompts(tmp_path: Path) -> Path:
    root = tmp_path / "prompts"
    shutil.copytree(default_root(), root)
    return root


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _values(catalog: Catalog, key: str, count: int, filler: str) -> dict[str, object]:
    lang = U_VOICE
    forms = catalog.plurals[lang].get(key)
    texts = list(forms.values()) if forms else [catalog.texts[lang][key]]
    values: dict[str, object] = {}
    for name in set().union(*(_fields(text) for text in texts)):
        if catalog.is_plural(f"count.{name}"):
            values[name] = catalog.count(lang, name, count)
        else:
            values[name] = count if name in ("count", "number", "total", "min") else filler
    values["count"] = count
    return values


CATALOG = Catalog.load()
KEYS = sorted({*CATALOG.texts["nl"], *CATALOG.plurals["nl"]})


# -- the catalog as it is ---------------------------------------------------------------------
def test_every_addressing_text_has_a_u_form_and_only_those() -> None:
    u_files = sorted(p.name for p in (default_root() / "messages").glob(f"*.{U_VOICE}.toml"))
    assert len(u_files) >= 8, u_files
    je_only = [key for key in KEYS if informal(str(_raw(CATALOG, "nl", key)))]
    assert len(je_only) > 40  # the participant's texts, the host's, help, privacy
    for key in je_only:
        assert _raw(CATALOG, U_VOICE, key) != _raw(CATALOG, "nl", key), key


def _raw(catalog: Catalog, lang: str, key: str) -> object:
    return catalog.plurals[lang].get(key) or catalog.texts[lang][key]


@settings(max_examples=300, deadline=None)
@given(
    key=st.sampled_from(KEYS),
    count=st.integers(min_value=0, max_value=10**6),
    filler=st.sampled_from(["Samen in de wijk", "woord", "Oké", "x"]),
)
def test_no_u_form_text_says_je_jij_or_jouw(key: str, count: int, filler: str) -> None:
    """Property: whatever key and count, the u-voice text a person reads says no je."""
    text = CATALOG.text(U_VOICE, key, **_values(CATALOG, key, count, filler))
    assert not informal(text), (key, text)


def test_template_prompts_in_the_u_form() -> None:
    template = Templates.load().default
    for phase in template.phases:
        for part in (phase.prompt(U_VOICE), phase.title(U_VOICE)):
            assert not informal(part), part
        assert phase.prompt("en") == phase.prompts["en"]
    assert "u zelf" in template.phases[3].prompt(U_VOICE)
    assert "jij zelf" in template.phases[3].prompt("nl")


def test_voices() -> None:
    assert voice("nl", "u") == "nl-u" and voice("nl", "je") == "nl"
    assert voice("en", "u") == "en" and voice("nl", None) == "nl"
    assert CATALOG.text("nl-u", "answer.stored").startswith("Dank u.")
    assert CATALOG.text("nl", "answer.stored").startswith("Dank je.")
    # A text that addresses nobody reads the same in both forms.
    assert CATALOG.text("nl-u", "status.heading") == CATALOG.text("nl", "status.heading")


# -- the loader refuses -------------------------------------------------------------------------
def test_a_dutch_text_saying_je_without_a_u_form_is_refused(tmp_path: Path) -> None:
    root = copy_prompts(tmp_path)
    path = root / "messages" / "status.nl.toml"
    path.write_text(path.read_text().replace('"Stand van de ronde"', '"Heb je de stand gezien?"'))
    with pytest.raises(
        PromptError,
        match=r"status\.nl\.toml: key status\.heading addresses the reader \(je\) "
        r"but has no u-form in status\.nl-u\.toml",
    ):
        Catalog.load(root)


def test_a_u_form_without_a_je_form_is_refused(tmp_path: Path) -> None:
    root = copy_prompts(tmp_path)
    (root / "messages" / "status.nl-u.toml").write_text('headline = "Uw stand"\n')
    with pytest.raises(
        PromptError, match=r"status\.nl-u\.toml: key status\.headline is a u-form without a je-form"
    ):
        Catalog.load(root)


def test_a_u_form_that_still_says_jouw_is_refused(tmp_path: Path) -> None:
    root = copy_prompts(tmp_path)
    path = root / "messages" / "answer.nl-u.toml"
    path.write_text(
        path.read_text().replace('"Dank u. Ik heb uw antwoord', '"Dank u. Ik heb jouw antwoord')
    )
    with pytest.raises(
        PromptError, match=r"answer\.nl-u\.toml: key answer\.stored is a u-form but says jouw"
    ):
        Catalog.load(root)


def test_a_u_form_with_other_placeholders_is_refused(tmp_path: Path) -> None:
    root = copy_prompts(tmp_path)
    path = root / "messages" / "invite.nl-u.toml"
    path.write_text(path.read_text().replace("tot {when}.", "tot {wanneer}."))
    with pytest.raises(
        PromptError, match=r"invite\.nl-u\.toml: key invite\.deadline has placeholders"
    ):
        Catalog.load(root)


def test_a_u_form_missing_a_plural_form_is_refused(tmp_path: Path) -> None:
    root = copy_prompts(tmp_path)
    path = root / "messages" / "error.nl-u.toml"
    text = "\n".join(line for line in path.read_text().splitlines() if "too_long.one" not in line)
    path.write_text(text + "\n")
    with pytest.raises(PromptError, match=r"error\.nl-u\.toml: key error\.too_long has no 'one'"):
        Catalog.load(root)


def test_a_template_prompt_saying_je_without_a_u_form_is_refused(tmp_path: Path) -> None:
    root = copy_prompts(tmp_path)
    path = root / "templates" / "waarderend.toml"
    text = "\n".join(
        line for line in path.read_text().splitlines() if not line.startswith('prompt.nl-u = "Vat')
    )
    path.write_text(text + "\n")
    with pytest.raises(
        PromptError,
        match=r"waarderend\.toml: key phases\[1\]\.prompt\.nl addresses the reader \(je\) "
        r"but has no u-form phases\[1\]\.prompt\.nl-u",
    ):
        Templates.load(root)


def test_a_template_u_form_saying_jij_is_refused(tmp_path: Path) -> None:
    root = copy_prompts(tmp_path)
    path = root / "templates" / "waarderend.toml"
    path.write_text(path.read_text().replace("wat kunt u zelf", "wat kun jij zelf", 1))
    with pytest.raises(PromptError, match=r"phases\[3\]\.prompt\.nl-u is a u-form but says jij"):
        Templates.load(root)


# -- choosing it ---------------------------------------------------------------------------------
def test_the_option_and_its_english_alias() -> None:
    assert parse("start --aanspreekvorm u").address == "u"
    assert parse("start --address je").address == "je"
    assert parse("start --AANSPREEKVORM U --taal nl").address == "u"
    assert parse("start").address is None
    with pytest.raises(CommandError) as refused:
        parse("start --aanspreekvorm jullie")
    assert refused.value.key == "error.address"
    assert "`je` of `u`" in CATALOG.text("nl", "error.address", value="jullie")


def test_the_default_comes_from_the_environment(tmp_path: Path) -> None:
    assert load_settings(DIALOOG_SECRET_FILE=tmp_path / "s").address == "je"
    assert load_settings(DIALOOG_SECRET_FILE=tmp_path / "s", DIALOOG_ADDRESS="u").voice == "nl-u"
    with pytest.raises(SettingsError, match="DIALOOG_ADDRESS"):
        load_settings(DIALOOG_SECRET_FILE=tmp_path / "s", DIALOOG_ADDRESS="gij")


# -- a real round on the local harness -----------------------------------------------------------
def _all_text(messages: list[Outgoing]) -> str:
    return "\n".join(message.fallback for message in messages)


async def _round(local: LocalDriver, option: str) -> tuple[list[Outgoing], Outgoing, Outgoing]:
    """A round started with ``option``: what a participant reads (invitation, prompts,
    confirmations, help, a reminder) and the host's start reply and private help."""
    setup_channel(local)
    host_reply = await local.command(HOST, CHANNEL, f"start --deadline 3d {option}".strip())
    read = [local.inbox(PARTICIPANT)[-1]]
    read.append(await local.say(PARTICIPANT, "kiem"))
    read.append(
        await local.say(PARTICIPANT, "Ons wijkhuis ging weer open en iedereen kwam kijken.")
    )
    read.append(await local.say(PARTICIPANT, "sla over"))
    read.append(await local.say(PARTICIPANT, "hulp"))
    read.append(await local.say(PARTICIPANT, "mijn antwoorden"))
    read.append(await local.say(PARTICIPANT, "wijzig 9"))
    await local.command(HOST, CHANNEL, "herinner")
    read.append(local.inbox("U03CHLOE")[-1])
    host_help = await local.say(HOST, "hulp")
    return read, host_reply, host_help


async def test_a_round_with_u_speaks_with_u_everywhere(local: LocalDriver) -> None:
    read, host_reply, host_help = await _round(local, "--aanspreekvorm u")
    text = _all_text(read)
    assert "U bent uitgenodigd" in text
    assert "Dank u. Ik heb uw " in text
    assert CATALOG.text("nl-u", "help.private") in text
    assert "Een vriendelijke herinnering: u kunt nog meedoen" in text
    assert "uw verhaal samen als een krantenkop" in text  # the template's prompt
    assert not informal(text), informal(text)
    assert "Uw ronde is gestart. U bent de gespreksleider." in host_reply.fallback
    assert host_help.fallback == CATALOG.text("nl-u", "help.private")
    assert not informal(host_reply.fallback + host_help.fallback)


async def test_a_round_with_je_speaks_with_je(local: LocalDriver) -> None:
    read, host_reply, _ = await _round(local, "--aanspreekvorm je")
    text = _all_text(read)
    assert "Je bent uitgenodigd" in text and "Dank je. Ik heb je " in text
    assert "Je ronde is gestart. Jij bent de gespreksleider." in host_reply.fallback
    assert "uw " not in text.casefold()


async def test_outside_a_round_the_default_holds(local: LocalDriver) -> None:
    """Private help with no round is the default (je); a u-round does not change it for
    someone who is not in it, nor channel help in a channel without a round."""
    setup_channel(local)
    assert (await local.say(PARTICIPANT, "hulp")).fallback == CATALOG.text("nl", "help.private")
    await local.command(HOST, CHANNEL, "start --aanspreekvorm u")
    assert (await local.say("U99NOBODY", "hulp")).fallback == CATALOG.text("nl", "help.private")
    assert (await local.say(PARTICIPANT, "hulp")).fallback == CATALOG.text("nl-u", "help.private")
