"""Texts as data: the message catalog and the round templates in ``prompts/``.

Messages live in ``prompts/messages/<area>.<lang>.toml`` (sections become dotted keys);
templates in ``prompts/templates/<name>.toml``. Everything is loaded and validated once at
start: a malformed file, a missing key or a key only one language has raises
:class:`PromptError` naming the file and the key.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

LANGUAGES = ("nl", "en")


class PromptError(Exception):
    """A prompt file is broken; the message names the file and the key."""


def _flatten(data: dict[str, Any], prefix: str, source: str) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{dotted}.", source))
        elif isinstance(value, str):
            flat[dotted] = value
        else:
            raise PromptError(f"{source}: key {dotted} must be text, not {type(value).__name__}")
    return flat


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
    """All messages, per language, keyed by dotted key (``round.started``)."""

    texts: dict[str, dict[str, str]]

    def text(self, lang: str, key: str, **values: object) -> str:
        """The text for ``key`` in ``lang`` with ``{placeholders}`` filled in."""
        template = self.texts[lang if lang in self.texts else LANGUAGES[0]][key]
        return template.format(**values) if values else template

    def has(self, key: str) -> bool:
        return key in self.texts[LANGUAGES[0]]

    @classmethod
    def load(cls, root: Path | None = None) -> Catalog:
        folder = (root or default_root()) / "messages"
        texts: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
        origin: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
        files = sorted(folder.glob("*.toml"))
        if not files:
            raise PromptError(f"{folder}: no message files found")
        for path in files:
            parts = path.name.split(".")
            if len(parts) != 3 or parts[1] not in LANGUAGES:
                raise PromptError(f"{path}: name must be <area>.<{'|'.join(LANGUAGES)}>.toml")
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
                left = _placeholders(texts[base][key], origin[base][key], key)
                right = _placeholders(texts[lang][key], origin[lang][key], key)
                if left != right:
                    raise PromptError(
                        f"{origin[lang][key]}: key {key} has placeholders {sorted(right)}, "
                        f"{base} has {sorted(left)}"
                    )
        return cls(texts)
