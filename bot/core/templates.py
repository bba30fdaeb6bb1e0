"""Round templates: the phases, prompts and choices of a dialogue method, read from TOML.

A host can add a template by dropping a file in ``prompts/templates/`` (or in the
``templates/`` folder of ``DIALOOG_PROMPTS_DIR``); a broken file gives a
:class:`~bot.core.prompts.PromptError` that names the file and the key. Each phase names its
kind (``kind = "story"``, or ``role = "story"`` as older files do; free ``text`` when neither
is given), one of the kinds registered in :mod:`bot.core.phases`.

A method that runs over several sessions (the seeds' *waarom / wat / hoe*, 7V) lists them as
``[[sessions]]`` and gives each phase its ``session``: every session is then a template of its
own too, keyed ``<template>-<session>``, and the rounds of a series with that method take the
sessions in order (:mod:`bot.core.series`). ``template.follow_up`` names the template of the
rounds a host can start, one per theme, once this round's summary is published (the
exploratory *verkenning* starts *waarderend* theme rounds).

Every text is a table with one text per language (``prompt.nl``, ``prompt.en``); a Dutch text
that addresses the reader with *je* needs its u-form beside it (``prompt.nl-u``), as the
message catalog does (:mod:`bot.core.prompts`). Texts are asked for in a voice (``nl``,
``nl-u``, ``en``); a text without a u-form reads the same in both Dutch voices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.phases import DEFAULT_KIND, PHASE_KINDS, PhaseKind, kind_names, phase_kind
from bot.core.prompts import (
    LANGUAGES,
    U_VOICE,
    PromptError,
    _read_toml,
    default_root,
    informal_words,
    language_of,
)


def in_voice(texts: dict[str, str], voice: str) -> str:
    """The text of ``texts`` for ``voice``: its own form, else its language's."""
    return texts.get(voice) or texts[language_of(voice)]


@dataclass(frozen=True)
class ChoiceOption:
    value: str
    labels: dict[str, str]

    def label(self, voice: str) -> str:
        return in_voice(self.labels, voice)


@dataclass(frozen=True)
class ChoiceSpec:
    """Options offered with a prompt; ``required`` choices must be made for the answer to count."""

    key: str
    required: bool
    options: tuple[ChoiceOption, ...]

    def find(self, word: str) -> ChoiceOption | None:
        """The option a typed word or number means (value, a label in any language, or 1..n)."""
        cleaned = word.strip().strip(".!").casefold()
        if cleaned.isdigit() and 1 <= int(cleaned) <= len(self.options):
            return self.options[int(cleaned) - 1]
        for option in self.options:
            names = {option.value.casefold(), *(v.casefold() for v in option.labels.values())}
            if cleaned in names:
                return option
        return None


@dataclass(frozen=True)
class Phase:
    """A phase of a template; ``role`` is the name of its registered kind."""

    key: str
    role: str
    titles: dict[str, str]
    prompts: dict[str, str]
    choice: ChoiceSpec | None = None

    @property
    def kind(self) -> PhaseKind:
        return phase_kind(self.role)

    def title(self, lang: str) -> str:
        return in_voice(self.titles, lang)

    def prompt(self, lang: str) -> str:
        return in_voice(self.prompts, lang)


@dataclass(frozen=True)
class StageSpec:
    """A ballot stage a template lists after its questions (a phase whose kind is a
    ``ballot`` kind, :mod:`bot.core.phases`): it opens when the round closes.
    ``options`` says where a vote's options come from: ``"themes"``, ``"ideas"`` or the
    host's own list (per language)."""

    key: str
    role: str
    titles: dict[str, str]
    options: str | dict[str, tuple[str, ...]] = "themes"
    dots: int = 3
    per_option: int = 1

    @property
    def kind(self) -> PhaseKind:
        return phase_kind(self.role)


@dataclass(frozen=True)
class Template:
    key: str
    aliases: tuple[str, ...]
    names: dict[str, str]
    phases: tuple[Phase, ...]
    source: str
    stages: tuple[StageSpec, ...] = ()
    follow_up: str | None = None
    # The keys of the templates of its sessions, in order (empty: one round holds it all).
    sessions: tuple[str, ...] = ()
    # The groups a round of this template asks about before its first question, per
    # language (``[template] segments.nl = ["burgemeester", …]``); empty: none.
    segments: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def name(self, lang: str) -> str:
        return in_voice(self.names, lang)

    def phase_index(self, key: str) -> int:
        return next(i for i, phase in enumerate(self.phases) if phase.key == key)


def _texts(node: Any, source: str, key: str) -> dict[str, str]:
    if not isinstance(node, dict):
        raise PromptError(f"{source}: key {key} must be a table with {' and '.join(LANGUAGES)}")
    for lang in LANGUAGES:
        value = node.get(lang)
        if not isinstance(value, str) or not value.strip():
            raise PromptError(f"{source}: key {key}.{lang} is missing or empty")
    for extra in sorted(set(node) - {*LANGUAGES, U_VOICE}):
        raise PromptError(f"{source}: key {key}.{extra} is no language")
    texts = {lang: node[lang] for lang in LANGUAGES}
    u_form = node.get(U_VOICE)
    if u_form is not None:
        if not isinstance(u_form, str) or not u_form.strip():
            raise PromptError(f"{source}: key {key}.{U_VOICE} is empty")
        words = informal_words(u_form)
        if words:
            raise PromptError(
                f"{source}: key {key}.{U_VOICE} is a u-form but says {', '.join(words)}"
            )
        texts[U_VOICE] = u_form
    else:
        words = informal_words(texts["nl"])
        if words:
            raise PromptError(
                f"{source}: key {key}.nl addresses the reader ({', '.join(words)}) "
                f"but has no u-form {key}.{U_VOICE}"
            )
    return texts


def _kind(raw: dict[str, Any], source: str, where: str) -> str:
    """The phase's kind from ``kind`` (or its older name ``role``), checked against the
    registry, with the keys that kind needs."""
    named = {word: raw[word] for word in ("kind", "role") if word in raw}
    if len(named) == 2 and named["kind"] != named["role"]:
        raise PromptError(f"{source}: keys {where}.kind and {where}.role disagree; keep one")
    word, name = next(iter(named.items()), ("kind", DEFAULT_KIND))
    if not isinstance(name, str) or name not in PHASE_KINDS:
        raise PromptError(f"{source}: key {where}.{word} must be one of {', '.join(kind_names())}")
    for needed in PHASE_KINDS[name].requires:
        if needed not in raw:
            raise PromptError(
                f"{source}: key {where}.{needed} is missing (a {name} phase needs it)"
            )
    return name


def _choice(data: dict[str, Any], name: str, source: str) -> ChoiceSpec:
    spec = data.get("choices", {}).get(name)
    if not isinstance(spec, dict):
        raise PromptError(f"{source}: key choices.{name} is missing")
    raw = spec.get("options")
    if not isinstance(raw, list) or len(raw) < 2:
        raise PromptError(f"{source}: key choices.{name}.options needs at least two options")
    options = []
    for i, option in enumerate(raw):
        where = f"choices.{name}.options[{i}]"
        if not isinstance(option, dict) or not isinstance(option.get("value"), str):
            raise PromptError(f"{source}: key {where}.value is missing")
        options.append(ChoiceOption(option["value"], _texts(option.get("label"), source, where)))
    return ChoiceSpec(name, bool(spec.get("required", False)), tuple(options))


def load_template(path: Path) -> Template:
    """The template in ``path`` (its sessions' templates: :func:`load_templates`)."""
    return load_templates(path)[0]


def load_templates(path: Path) -> list[Template]:
    """The template in ``path`` and, for a method with sessions, each session's template."""
    source = str(path)
    data = _read_toml(path)
    head = data.get("template")
    if not isinstance(head, dict) or not isinstance(head.get("key"), str):
        raise PromptError(f"{source}: key template.key is missing")
    phases_raw = data.get("phases")
    if not isinstance(phases_raw, list) or not phases_raw:
        raise PromptError(f"{source}: key phases is missing or empty")
    items: list[Phase | StageSpec] = []
    for i, raw in enumerate(phases_raw):
        where = f"phases[{i}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("key"), str):
            raise PromptError(f"{source}: key {where}.key is missing")
        role = _kind(raw, source, where)
        if PHASE_KINDS[role].ballot:
            items.append(_stage(raw, role, source, where))
            continue
        choice = _choice(data, raw["choice"], source) if "choice" in raw else None
        items.append(
            Phase(
                key=raw["key"],
                role=role,
                titles=_texts(raw.get("title"), source, f"{where}.title"),
                prompts=_texts(raw.get("prompt"), source, f"{where}.prompt"),
                choice=choice,
            )
        )
    if "sessions" not in data:
        _questions_then_stages(items, source, 0)
    phases = [item for item in items if isinstance(item, Phase)]
    stages = [item for item in items if isinstance(item, StageSpec)]
    aliases = head.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise PromptError(f"{source}: key template.aliases must be a list of words")
    follow_up = head.get("follow_up")
    if follow_up is not None and not isinstance(follow_up, str):
        raise PromptError(f"{source}: key template.follow_up must be a template's name")
    names = _texts(head.get("name"), source, "template.name")
    parts = _sessions(data, phases_raw, items, head["key"], names, source)
    whole = Template(
        key=head["key"],
        aliases=tuple(a.casefold() for a in aliases),
        names=names,
        phases=tuple(phases),
        source=source,
        stages=tuple(stages),
        follow_up=follow_up,
        sessions=tuple(part.key for part in parts),
        segments=_segments(head.get("segments"), source),
    )
    return [whole, *parts]


def _questions_then_stages(items: list[Phase | StageSpec], source: str, first: int) -> None:
    """A round's questions come first, then its ballot stages (they open when it closes);
    ``first`` is the index in ``phases`` of ``items[0]``, for the error's key."""
    stage: StageSpec | None = None
    for n, item in enumerate(items):
        if isinstance(item, StageSpec):
            stage = item
        elif stage is not None:
            where = f"phases[{first + n}]"
            raise PromptError(f"{source}: key {where} is a question after a {stage.role}")
    if not any(isinstance(item, Phase) for item in items):
        raise PromptError(f"{source}: key phases has no question before its stages")


def _stage(raw: dict[str, Any], role: str, source: str, where: str) -> StageSpec:
    """A ballot stage's table: its title, and for a vote where the options come from and
    how many dots each person places (at most ``per_option`` on one option)."""
    options: str | dict[str, tuple[str, ...]] = "themes"
    if "options" in raw:
        found = raw["options"]
        if isinstance(found, str) and found in ("themes", "ideas"):
            options = found
        elif isinstance(found, dict) and all(
            isinstance(found.get(lang), list)
            and len(found[lang]) >= 2
            and all(isinstance(o, str) and o.strip() for o in found[lang])
            for lang in LANGUAGES
        ):
            options = {lang: tuple(found[lang]) for lang in LANGUAGES}
        else:
            raise PromptError(
                f'{source}: key {where}.options must be "themes", "ideas" or a table with '
                f"two or more options per language"
            )
    numbers = {}
    for name, default in (("dots", 3), ("per_option", 1)):
        value = raw.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 20:
            raise PromptError(f"{source}: key {where}.{name} must be a number from 1 to 20")
        numbers[name] = value
    return StageSpec(
        key=raw["key"],
        role=role,
        titles=_texts(raw.get("title"), source, f"{where}.title"),
        options=options,
        dots=numbers["dots"],
        per_option=numbers["per_option"],
    )


def _sessions(
    data: dict[str, Any],
    phases_raw: list[Any],
    items: list[Phase | StageSpec],
    key: str,
    names: dict[str, str],
    source: str,
) -> list[Template]:
    """The templates of a method's ``[[sessions]]``, each with the phases that name it."""
    raw = data.get("sessions")
    marked = [p.get("session") for p in phases_raw]
    if raw is None:
        if any(m is not None for m in marked):
            raise PromptError(f"{source}: key sessions is missing (phases name a session)")
        return []
    if not isinstance(raw, list) or not raw:
        raise PromptError(f"{source}: key sessions must be a list of tables")
    parts = []
    for i, session in enumerate(raw):
        where = f"sessions[{i}]"
        if not isinstance(session, dict) or not isinstance(session.get("key"), str):
            raise PromptError(f"{source}: key {where}.key is missing")
        titles = _texts(session.get("title"), source, f"{where}.title")
        follow_up = session.get("follow_up")
        if follow_up is not None and not isinstance(follow_up, str):
            raise PromptError(f"{source}: key {where}.follow_up must be a template's name")
        own = [item for item, m in zip(items, marked, strict=True) if m == session["key"]]
        if not own:
            raise PromptError(f"{source}: key {where}.key: no phase names session {session['key']}")
        # Each session is a round: its questions first, then its ballot stages.
        _questions_then_stages(own, source, marked.index(session["key"]))
        parts.append(
            Template(
                key=f"{key}-{session['key']}".casefold(),
                aliases=(),
                names={lang: f"{names[lang]}: {titles[lang]}" for lang in LANGUAGES},
                phases=tuple(item for item in own if isinstance(item, Phase)),
                source=source,
                stages=tuple(item for item in own if isinstance(item, StageSpec)),
                follow_up=follow_up,
            )
        )
    known = {s["key"] for s in raw}
    for i, m in enumerate(marked):
        if m not in known:
            raise PromptError(
                f"{source}: key phases[{i}].session must be one of {', '.join(known)}"
            )
    return parts


def _segments(node: Any, source: str) -> dict[str, tuple[str, ...]]:
    """``template.segments``: for every language a list of at least two distinct groups."""
    if node is None:
        return {}
    from bot.core.commands import CommandError, parse_segments

    if not isinstance(node, dict) or set(node) != set(LANGUAGES):
        raise PromptError(f"{source}: key template.segments needs a list for each of {LANGUAGES}")
    found: dict[str, tuple[str, ...]] = {}
    for lang, options in node.items():
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            raise PromptError(f"{source}: key template.segments.{lang} must be a list of words")
        try:
            found[lang] = parse_segments(",".join(options))
        except CommandError as error:
            raise PromptError(f"{source}: key template.segments.{lang}: {error.key}") from None
    return found


class Templates:
    """All templates by key and alias; the first file's order decides nothing."""

    def __init__(self, templates: list[Template], default: str) -> None:
        self._by_name: dict[str, Template] = {}
        for template in templates:
            for name in (template.key.casefold(), *template.aliases):
                if name in self._by_name:
                    raise PromptError(f"{template.source}: template name {name} is used twice")
                self._by_name[name] = template
        if default not in self._by_name:
            raise PromptError(f"prompts/templates: default template {default} is missing")
        self.default = self._by_name[default]
        for template in templates:
            if template.follow_up is not None and template.follow_up not in self._by_name:
                raise PromptError(
                    f"{template.source}: key template.follow_up names no template"
                    f" ({template.follow_up})"
                )

    def get(self, name: str | None) -> Template | None:
        return self.default if name is None else self._by_name.get(name.casefold())

    def names(self) -> list[str]:
        return sorted({t.key for t in self._by_name.values()})

    def all(self) -> list[Template]:
        """Every template once, the default first."""
        others = {t.key: t for t in self._by_name.values() if t is not self.default}
        return [self.default, *(others[key] for key in sorted(others))]

    @classmethod
    def load(cls, root: Path | None = None, default: str = "waarderend") -> Templates:
        folder = (root or default_root()) / "templates"
        found = [t for p in sorted(folder.glob("*.toml")) for t in load_templates(p)]
        return cls(found, default)

    def session(self, template: Template, place: int) -> Template:
        """The template of the ``place``-th round (1-based) of a series run with ``template``:
        its session in order for a method with sessions (the last one again after that), else
        ``template`` itself."""
        if not template.sessions:
            return template
        key = template.sessions[min(place, len(template.sessions)) - 1]
        found = self.get(key)
        assert found is not None
        return found
