"""Texts as data: the message catalog and the round templates in ``prompts/``.

Messages live in ``prompts/messages/<area>.<lang>.toml`` (sections become dotted keys);
templates in ``prompts/templates/<name>.toml``. Everything is loaded and validated once at
start: a malformed file, a missing key or a key only one language has raises
:class:`PromptError` naming the file and the key.

A text that holds a count is a *plural message*: a table whose keys are CLDR plural
categories, chosen by the ``count`` value with the language's CLDR rule (Babel)::

    [reminded]
    one = "1 herinnering verstuurd, privé."
    other = "{count} herinneringen verstuurd, privé."

Each language gives every category its rule uses (Dutch and English: ``one`` and ``other``),
and ``other`` shows ``{count}``. A sentence with two counts takes counted nouns from
``count.*`` (``{answers}`` filled with ``count.answers``) as its values.

**Form of address.** Dutch texts exist in two forms: *je* (colleagues) and *u* (residents,
formal). A round picks one (``--aanspreekvorm je|u``, default ``DIALOOG_ADDRESS``). The
``<area>.nl.toml`` files hold the je-form of every Dutch text; ``<area>.nl-u.toml`` holds the
u-form of each text that addresses the reader, under the same key, and nothing else. Code asks
for a text in a *voice*: ``nl`` (je), ``nl-u`` (u) or ``en`` (:func:`voice`); a key with no
u-form reads the same in both. The loader refuses, naming the file and the key, a Dutch text
that addresses the reader (*je*, *jij*, *jou*, *jouw*, *jezelf*, *jullie*, and so "heb je",
"wil je", "kun je"; words in `backticks` are commands, not address) without a u-form, a
u-form whose je-form does not exist, and a u-form that still says *je*; u-forms are checked
like a language (placeholders, plural forms). Round templates do the same within a table:
``prompt.nl``, ``prompt.nl-u``, ``prompt.en``.
"""

from __future__ import annotations

import functools
import re
import string
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from babel import Locale
from babel.plural import PluralRule

LANGUAGES = ("nl", "en")
# Forms of address: *je* (informal, the catalog's base) and *u* (formal); Dutch only.
ADDRESSES = ("je", "u")
DEFAULT_ADDRESS = "je"
# The voice of Dutch in the u-form: catalog files <area>.nl-u.toml, template keys ``nl-u``.
U_VOICE = "nl-u"
VOICES = (*LANGUAGES, U_VOICE)
# Words that address the reader informally: a Dutch text holding one needs a u-form.
# Commands and options in `backticks` (`--aanspreekvorm je|u`) are words to type, not address.
_CODE = re.compile(r"`[^`]*`")
_JE_WORDS = re.compile(r"(?<![\w-])(je|jij|jou|jouw|jouwe|jezelf|jullie)(?![\w-])", re.IGNORECASE)
# CLDR's plural categories; a table with only these keys (and ``other``) is a plural message.
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")


class PromptError(Exception):
    """A prompt file is broken; the message names the file and the key."""


Plural = dict[str, str]


def voice(lang: str, address: str | None) -> str:
    """The catalog voice of ``lang`` spoken with ``address``: ``nl-u`` for Dutch with *u*,
    else the language itself (English has one form)."""
    return U_VOICE if lang == "nl" and address == "u" else lang


def language_of(voice_: str) -> str:
    """The language a voice is written in: ``nl`` for ``nl-u``."""
    return voice_.split("-", 1)[0]


def informal_words(text: str | dict[str, str]) -> list[str]:
    """The words in ``text`` (every form of a plural message) that address the reader with
    *je*/*jij*: empty for a text that does not address the reader or says *u*."""
    texts = text.values() if isinstance(text, dict) else (text,)
    return [m.group(0) for t in texts for m in _JE_WORDS.finditer(_CODE.sub(" ", t))]


def _is_plural(value: dict[str, Any]) -> bool:
    return "other" in value and all(key in PLURAL_CATEGORIES for key in value)


def _flatten(data: dict[str, Any], prefix: str, source: str) -> dict[str, str | Plural]:
    flat: dict[str, str | Plural] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and _is_plural(value):
            for form, text in value.items():
                if not isinstance(text, str):
                    raise PromptError(
                        f"{source}: key {dotted}.{form} must be text, not {type(text).__name__}"
                    )
            flat[dotted] = dict(value)
        elif isinstance(value, dict):
            flat.update(_flatten(value, f"{dotted}.", source))
        elif isinstance(value, str):
            flat[dotted] = value
        else:
            raise PromptError(f"{source}: key {dotted} must be text, not {type(value).__name__}")
    return flat


@functools.cache
def _rule(lang: str) -> PluralRule:
    return Locale.parse(language_of(lang)).plural_form


def plural_categories(lang: str) -> frozenset[str]:
    """The CLDR plural categories ``lang`` uses (``other`` always among them)."""
    return frozenset(_rule(lang).tags) | {"other"}


def plural_category(lang: str, count: int) -> str:
    """The CLDR plural category of ``count`` in ``lang`` (``one`` for 1 in Dutch)."""
    return str(_rule(lang)(count))


def _check_plural(lang: str, key: str, forms: Plural, source: str) -> frozenset[str]:
    """A plural message's forms against ``lang``'s rule; its placeholders (all forms)."""
    needed = plural_categories(lang)
    for form in sorted(needed - set(forms)):
        raise PromptError(f"{source}: key {key} has no '{form}' form, which {lang} needs")
    for form in sorted(set(forms) - needed):
        uses = ", ".join(sorted(needed))
        raise PromptError(
            f"{source}: key {key} has a '{form}' form, which {lang} does not use ({uses})"
        )
    names: set[str] = set()
    for form, text in forms.items():
        names |= _placeholders(text, source, f"{key}.{form}")
    if "count" not in _placeholders(forms["other"], source, f"{key}.other"):
        raise PromptError(f"{source}: key {key}.other must show {{count}}")
    return frozenset(names)


def _placeholders(text: str, source: str, key: str) -> frozenset[str]:
    try:
        return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)
    except ValueError as exc:
        raise PromptError(f"{source}: key {key} has a broken placeholder ({exc})") from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PromptError(f"{path}: not valid TOML ({exc})") from None


def default_root() -> Path:
    return Path(str(resources.files("prompts")))


@dataclass(frozen=True)
class Catalog:
    """All messages, per language, keyed by dotted key (``round.started``); plural messages
    (one form per CLDR category) apart in ``plurals``."""

    texts: dict[str, dict[str, str]]
    plurals: dict[str, dict[str, Plural]]

    def text(self, lang: str, key: str, **values: object) -> str:
        """The text for ``key`` in ``lang`` (a language or a voice such as ``nl-u``) with
        ``{placeholders}`` filled in; for a plural message the form that ``count`` takes."""
        lang = lang if lang in self.texts else LANGUAGES[0]
        forms = self.plurals[lang].get(key)
        if forms is None:
            template = self.texts[lang][key]
            return template.format(**values) if values else template
        count = values.get("count")
        if not isinstance(count, int) or isinstance(count, bool):
            raise TypeError(f"{key} is a plural message: it needs a whole number as count")
        template = forms.get(plural_category(lang, count), forms["other"])
        return template.format(**values)

    def count(self, lang: str, what: str, count: int) -> str:
        """A counted noun from ``count.*``: ``count("nl", "respondents", 1)`` is "1 deelnemer"."""
        return self.text(lang, f"count.{what}", count=count)

    def has(self, key: str) -> bool:
        return key in self.texts[LANGUAGES[0]] or key in self.plurals[LANGUAGES[0]]

    def is_plural(self, key: str) -> bool:
        return key in self.plurals[LANGUAGES[0]]

    @classmethod
    def load(cls, root: Path | None = None) -> Catalog:
        folder = (root or default_root()) / "messages"
        texts: dict[str, dict[str, str | Plural]] = {name: {} for name in VOICES}
        origin: dict[str, dict[str, str]] = {name: {} for name in VOICES}
        files = sorted(folder.glob("*.toml"))
        if not files:
            raise PromptError(f"{folder}: no message files found")
        for path in files:
            parts = path.name.split(".")
            if len(parts) != 3 or parts[1] not in VOICES:
                raise PromptError(f"{path}: name must be <area>.<{'|'.join(VOICES)}>.toml")
            area, lang = parts[0], parts[1]
            for key, value in _flatten(_read_toml(path), f"{area}.", str(path)).items():
                if key in texts[lang]:
                    raise PromptError(f"{path}: key {key} also in {origin[lang][key]}")
                texts[lang][key] = value
                origin[lang][key] = str(path)
        base, *others = LANGUAGES
        for lang in others:
            for missing in sorted(set(texts[base]) - set(texts[lang])):
                raise PromptError(f"{origin[base][missing]}: key {missing} has no {lang} text")
            for missing in sorted(set(texts[lang]) - set(texts[base])):
                raise PromptError(f"{origin[lang][missing]}: key {missing} has no {base} text")
            for key in sorted(texts[base]):
                _same_shape(base, lang, key, texts, origin)
        _check_u_forms(texts, origin)
        merged = {**texts[base], **texts[U_VOICE]}
        texts[U_VOICE] = merged
        return cls(
            {lang: {k: v for k, v in texts[lang].items() if isinstance(v, str)} for lang in texts},
            {lang: {k: v for k, v in texts[lang].items() if isinstance(v, dict)} for lang in texts},
        )


def _same_shape(
    base: str,
    lang: str,
    key: str,
    texts: dict[str, dict[str, str | Plural]],
    origin: dict[str, dict[str, str]],
) -> None:
    """``key`` in ``lang`` is a plural message where ``base``'s is, with the same
    placeholders."""
    kinds = {name: isinstance(texts[name][key], dict) for name in (base, lang)}
    if kinds[base] != kinds[lang]:
        single = base if kinds[lang] else lang
        raise PromptError(
            f"{origin[single][key]}: key {key} is one text here, "
            f"but a plural message (one/other) in the other language"
        )
    left = _names(base, key, texts[base][key], origin[base][key])
    right = _names(lang, key, texts[lang][key], origin[lang][key])
    if left != right:
        raise PromptError(
            f"{origin[lang][key]}: key {key} has placeholders {sorted(right)}, "
            f"{base} has {sorted(left)}"
        )


def _check_u_forms(
    texts: dict[str, dict[str, str | Plural]], origin: dict[str, dict[str, str]]
) -> None:
    """Every Dutch text that says *je* has a u-form; every u-form has a je-form and says no
    *je*; both forms have the same shape."""
    je, u = texts["nl"], texts[U_VOICE]
    for key in sorted(u):
        if key not in je:
            raise PromptError(f"{origin[U_VOICE][key]}: key {key} is a u-form without a je-form")
        words = informal_words(u[key])
        if words:
            raise PromptError(
                f"{origin[U_VOICE][key]}: key {key} is a u-form but says {', '.join(words)}"
            )
        _same_shape("nl", U_VOICE, key, texts, origin)
    for key in sorted(je):
        words = informal_words(je[key])
        if words and key not in u:
            area = Path(origin["nl"][key]).name.split(".")[0]
            raise PromptError(
                f"{origin['nl'][key]}: key {key} addresses the reader ({', '.join(words)}) "
                f"but has no u-form in {area}.{U_VOICE}.toml"
            )


def _names(lang: str, key: str, value: str | Plural, source: str) -> frozenset[str]:
    if isinstance(value, dict):
        return _check_plural(lang, key, value, source)
    return _placeholders(value, source, key)
