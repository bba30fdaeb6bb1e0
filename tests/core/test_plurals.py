"""Issue 16, item 2: every counted text agrees with its count, in Dutch and in English.

Every message that holds a count is rendered with the counts 0, 1 and 2 (a placeholder named
after a counted noun in ``count.*`` gets that noun, counted), and no "1 deelnemers",
"1 rondes", "1 herinneringen" or "1 mensen" (nor "2 deelnemer") may come out. The forms are
chosen by CLDR's plural rules through Babel, from ``one``/``other`` tables in the catalog.
"""

from __future__ import annotations

import re
import shutil
import string
from pathlib import Path

import pytest

from bot.core.prompts import (
    LANGUAGES,
    VOICES,
    Catalog,
    PromptError,
    default_root,
    language_of,
    plural_category,
)

# The counted nouns of both catalogs, singular and plural. A plural message whose noun is
# missing here fails test_every_plural_message_has_a_known_noun: add the noun, both forms.
NOUNS = {
    "nl": {
        "deelnemer": "deelnemers",
        "antwoord": "antwoorden",
        "persoon": "mensen",
        "ronde": "rondes",
        "herinnering": "herinneringen",
        "dag": "dagen",
        "minuut": "minuten",
        "week": "weken",
        "thema": "thema's",
        "citaat": "citaten",
        "lid": "leden",
        "teken": "tekens",
        "uur": "uur",  # "1 uur", "2 uur": the same word after a number
        "stip": "stippen",
        "optie": "opties",
        "uitspraak": "uitspraken",
        "actie": "acties",
        "groep": "groepen",
        "idee": "ideeën",
    },
    "en": {
        "respondent": "respondents",
        "answer": "answers",
        "person": "people",
        "round": "rounds",
        "reminder": "reminders",
        "day": "days",
        "minute": "minutes",
        "week": "weeks",
        "hour": "hours",
        "theme": "themes",
        "quote": "quotes",
        "member": "members",
        "character": "characters",
        "participant": "participants",
        "dot": "dots",
        "option": "options",
        "statement": "statements",
        "action": "actions",
        "group": "groups",
        "idea": "ideas",
    },
}
# Placeholders that hold a bare number in a plain (not plural) message.
NUMBERS = {"count", "min", "minimum", "max", "limit", "floor", "invited", "started"}
NUMBERS |= {"finished", "number", "total", "length", "hours"}


def _words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.casefold())


# A number, a space and the word after it (skipping "open", as in "1 open rondes").
_COUNTED = re.compile(r"(?<![\w.,])(\d+) (?:open )?([\w']+)")


def _disagreements(lang: str, text: str) -> list[str]:
    """Every "1 <plural>" and "0/2 <singular>" in ``text``."""
    singular = NOUNS[language_of(lang)]
    plural = {p: s for s, p in singular.items() if p != s}
    wrong = []
    for number, noun in _COUNTED.findall(text.casefold()):
        if number == "1" and noun in plural:
            wrong.append(f"1 {noun}")
        if number in ("0", "2") and noun in singular and singular[noun] != noun:
            wrong.append(f"{number} {noun}")
    return wrong


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _render(catalog: Catalog, lang: str, key: str, n: int) -> str:
    """``key`` with ``n`` for every count: counted nouns for ``count.*`` names, the bare
    number for number names, a word for everything else."""
    if catalog.is_plural(key):
        forms = catalog.plurals[lang][key]
        names = set().union(*(_fields(text) for text in forms.values()))
    else:
        names = _fields(catalog.texts[lang][key])
    values: dict[str, object] = {}
    for name in names:
        if catalog.is_plural(f"count.{name}"):
            values[name] = catalog.count(lang, name, n)
        elif name in NUMBERS:
            values[name] = n
        else:
            values[name] = "woord"
    return catalog.text(lang, key, **values)


def _counted_keys(catalog: Catalog) -> list[str]:
    """Every message that holds a count: the plural ones, and the plain ones with a number or
    a counted noun in them."""
    keys = sorted(catalog.plurals["nl"])
    for key, text in sorted(catalog.texts["nl"].items()):
        names = _fields(text)
        if names & NUMBERS or any(catalog.is_plural(f"count.{name}") for name in names):
            keys.append(key)
    return keys


@pytest.mark.parametrize("lang", VOICES)
def test_every_counted_message_agrees_with_0_1_and_2(lang: str) -> None:
    """In each voice: Dutch with je, Dutch with u, English."""
    catalog = Catalog.load()
    keys = _counted_keys(catalog)
    assert len(keys) > 40, keys  # every counted text, plural and plain, is in the check
    wrong = {
        (key, n): found
        for key in keys
        for n in (0, 1, 2)
        if (found := _disagreements(lang, _render(catalog, lang, key, n)))
    }
    assert not wrong


def test_the_check_itself_sees_the_old_mistakes() -> None:
    """The texts of issue 16 as they were: each is caught."""
    assert _disagreements("nl", "Gewist: 1 antwoorden in 1 open rondes.") == [
        "1 antwoorden",
        "1 rondes",
    ]
    assert _disagreements("nl", "1 herinneringen verstuurd") == ["1 herinneringen"]
    assert _disagreements("nl", "zodra minstens 1 mensen hebben geantwoord") == ["1 mensen"]
    assert _disagreements("nl", "Thema (1 deelnemers)") == ["1 deelnemers"]
    assert _disagreements("en", "2 respondent, 1 reminders") == ["2 respondent", "1 reminders"]
    assert _disagreements("nl", "1 uur en 2 uur, 1 deelnemer, 2 deelnemers") == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_forms_people_read(lang: str) -> None:
    catalog = Catalog.load()
    expected = {
        "nl": {
            ("round.reminded", 1): "1 herinnering verstuurd",
            ("round.reminded", 2): "2 herinneringen verstuurd",
            ("round.started_how", 1): "1 lid van dit kanaal krijgt",
            ("round.started_how", 3): "3 leden van dit kanaal krijgen",
            ("invite.anonymous", 1): "minstens 1 persoon heeft geantwoord",
            ("invite.anonymous", 3): "minstens 3 mensen hebben geantwoord",
            ("count.open_rounds", 1): "1 open ronde",
            ("count.respondents", 1): "1 deelnemer",
            ("count.respondents", 0): "0 deelnemers",
        },
        "en": {
            ("round.reminded", 1): "1 reminder sent",
            ("round.reminded", 2): "2 reminders sent",
            ("round.started_how", 1): "1 member of this channel now gets",
            ("invite.anonymous", 1): "at least 1 person has answered",
            ("invite.anonymous", 3): "at least 3 people have answered",
            ("count.open_rounds", 1): "1 open round",
            ("count.respondents", 0): "0 respondents",
        },
    }[lang]
    for (key, n), text in expected.items():
        assert text in catalog.text(lang, key, count=n)
    forgotten = catalog.text(
        lang,
        "answer.forgotten",
        answers=catalog.count(lang, "answers", 1),
        open_rounds=catalog.count(lang, "open_rounds", 1),
    )
    assert forgotten.startswith(
        {"nl": "Gewist: 1 antwoord in 1 open ronde.", "en": "Erased: 1 answer in 1 open round."}[
            lang
        ]
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_plural_message_has_a_known_noun(lang: str) -> None:
    """Keeps NOUNS complete, so the agreement check above sees every counted noun."""
    catalog = Catalog.load()
    known = set(NOUNS[lang]) | set(NOUNS[lang].values())
    for key, forms in catalog.plurals[lang].items():
        assert known & set(_words(forms["other"])), f"{key}: add its noun to NOUNS[{lang!r}]"


def test_plural_categories_come_from_cldr() -> None:
    assert [plural_category("nl", n) for n in (0, 1, 2, 21)] == ["other", "one", "other", "other"]
    assert plural_category("en", 1) == "one"


def copy_prompts(tmp_path: Path) -> Path:
    root = tmp_path / "prompts"
    shutil.copytree(default_root(), root)
    return root


def test_a_plural_message_without_its_one_form_is_refused(tmp_path: Path) -> None:
    root = copy_prompts(tmp_path)
    path = root / "messages" / "round.nl.toml"
    text = path.read_text()
    path.write_text("\n".join(line for line in text.splitlines() if "reminded.one" not in line))
    with pytest.raises(PromptError, match=r"round\.nl\.toml: key round\.reminded has no 'one'"):
        Catalog.load(root)


def test_a_plural_in_one_language_only_is_refused(tmp_path: Path) -> None:
    root = copy_prompts(tmp_path)
    path = root / "messages" / "round.en.toml"
    lines = [line for line in path.read_text().splitlines() if "reminded." not in line]
    path.write_text("\n".join([*lines, 'reminded = "{count} reminders sent."', ""]))
    with pytest.raises(PromptError, match=r"round\.en\.toml: key round\.reminded is one text"):
        Catalog.load(root)


def test_a_form_the_language_does_not_use_is_refused(tmp_path: Path) -> None:
    """Dutch has no 'few' form (CLDR): a table with one would never be read."""
    root = copy_prompts(tmp_path)
    path = root / "messages" / "round.nl.toml"
    path.write_text(path.read_text() + 'reminded.few = "{count} herinneringen"\n')
    with pytest.raises(PromptError, match=r"has a 'few' form, which nl does not use"):
        Catalog.load(root)


def test_the_other_form_must_show_the_count(tmp_path: Path) -> None:
    root = copy_prompts(tmp_path)
    path = root / "messages" / "round.nl.toml"
    text = path.read_text().replace(
        'reminded.other = "{count} herinneringen', 'reminded.other = "Herinneringen'
    )
    path.write_text(text)
    with pytest.raises(PromptError, match=r"round\.reminded\.other must show \{count\}"):
        Catalog.load(root)


def test_a_plural_message_needs_a_whole_number() -> None:
    catalog = Catalog.load()
    with pytest.raises(TypeError, match=r"round\.reminded is a plural message"):
        catalog.text("nl", "round.reminded")
