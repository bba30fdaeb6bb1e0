"""One summary model, two renderings: Markdown and a platform-neutral ``Outgoing`` message
(which the Slack and Teams adapters turn into Block Kit and Adaptive Cards).

Every text a person reads comes from the catalog (``summary.*``); what comes from answers
(quotes, listed headlines, dreams and ideas) goes into :class:`~bot.core.messages.Quote` blocks so
adapters neutralise mentions in it. Below the threshold only "not enough respondents yet" is
shown, never a count or a quote. Chat messages are kept within the platforms' limits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.messages import Block, Divider, Heading, Outgoing, Quote, Text
from bot.core.prompts import Catalog
from bot.core.summary import Item, PhaseSummary, Rest, Summary, Theme

MAX_TEXT = 2900  # characters in one chat block (Slack allows 3,000 in a section)
MAX_BLOCKS = 48  # blocks in one chat message (Slack allows 50; room for a button row)
MAX_LISTED = 15  # items (headlines, ideas) listed in a chat message; Markdown lists all
# Characters of text in one chat message: well inside a Teams card (about 28 KB) and
# Slack's 40,000 characters per message, and short enough to read in a channel.
MAX_CHARS = 12_000
_UNSAFE = re.compile(r"[<>]|@(?=\w)")


def _t(catalog: Catalog, summary: Summary, key: str, **values: object) -> str:
    return catalog.text(summary.language, f"summary.{key}", **values)


def _title(summary: Summary, catalog: Catalog) -> str:
    if summary.theme:
        return _t(catalog, summary, "title.round_theme", theme=summary.theme)
    return _t(catalog, summary, "title.round")


def _choice_label(summary: Summary, catalog: Catalog, phase: PhaseSummary, value: str) -> str:
    labels = dict(phase.choice_labels)
    if value in labels:
        return labels[value]
    key = f"summary.choice.{value}"
    if catalog.has(key):
        return catalog.text(summary.language, key)
    if value.isdigit():
        return _t(catalog, summary, "label.picture", value=value)
    return value


def _section(summary: Summary, catalog: Catalog, phase: PhaseSummary) -> str:
    """The heading over a phase's listed answers, as its kind names it."""
    return catalog.text(summary.language, phase.kind.section_key)


def _count(summary: Summary, catalog: Catalog, what: str, count: int) -> str:
    """``count`` people (``respondents``) or ``answers``; people are answers when the
    answers came without a respondent (each row its own respondent)."""
    if what == "respondents" and not summary.people:
        what = "answers"
    return catalog.count(summary.language, what, count)


def _people_line(summary: Summary, catalog: Catalog, respondents: int, answers: int) -> str:
    """How many people and, when it differs, how many answers."""
    parts = [_count(summary, catalog, "respondents", respondents)]
    if summary.people and answers and answers != respondents:
        parts.append(_count(summary, catalog, "answers", answers))
    return " · ".join(parts)


def _split(phase: PhaseSummary) -> bool:
    return any(rest.side is not None for rest in phase.rest)


def _phase_line(summary: Summary, catalog: Catalog, phase: PhaseSummary) -> str:
    parts = [_people_line(summary, catalog, phase.respondents, phase.answers)]
    if not _split(phase):  # a split phase shows each side's count over its themes
        for value, count in phase.choices:
            label = _choice_label(summary, catalog, phase, value)
            parts.append(_t(catalog, summary, "label.choice", label=label, count=count))
    return " · ".join(parts)


def _groups(phase: PhaseSummary) -> list[tuple[Rest | None, list[Theme]]]:
    """The phase's themes per side of its choice, each with what they leave ("overig")."""
    if not phase.rest:
        return [(None, list(phase.themes))]
    return [(rest, [t for t in phase.themes if t.side == rest.side]) for rest in phase.rest]


def _side_line(summary: Summary, catalog: Catalog, phase: PhaseSummary, rest: Rest) -> str:
    label = _choice_label(summary, catalog, phase, rest.side or "")
    count = _people_line(summary, catalog, rest.respondents, rest.answers)
    return _t(catalog, summary, "label.side", label=label, count=count)


def _other_line(summary: Summary, catalog: Catalog, rest: Rest) -> str:
    return _t(
        catalog, summary, "label.other", count=_count(summary, catalog, "answers", rest.other)
    )


def _unquoted(phase: PhaseSummary) -> tuple[Item, ...]:
    """The listed answers not already quoted under a theme: nothing is shown twice."""
    return tuple(item for item in phase.items if not item.quoted)


def _who_line(summary: Summary, catalog: Catalog, phase: PhaseSummary) -> str:
    named = ", ".join(_item_line(summary, catalog, who, count) for who, count in phase.actors)
    return _t(catalog, summary, "label.who", actors=named)


def theme_heading(catalog: Catalog, language: str, theme: Theme) -> str:
    """A theme's label, or for a theme whose answers share no noun (no label) the neutral
    heading under which its answers themselves are shown: never a word of one answer."""
    return theme.label or catalog.text(language, "summary.label.loose")


def _theme_line(summary: Summary, catalog: Catalog, theme: Theme) -> str:
    count = _count(summary, catalog, "respondents", theme.respondents)
    heading = theme_heading(catalog, summary.language, theme)
    line = _t(catalog, summary, "label.theme", label=heading, count=count)
    beside = summary.beside(theme.label) if theme.label else ""
    return f"{line} · {beside}" if beside else line


def _item_line(summary: Summary, catalog: Catalog, text: str, count: int) -> str:
    text = " ".join(text.split())
    beside = summary.beside(text)
    line = _t(catalog, summary, "label.item_count", text=text, count=count) if count > 1 else text
    return f"{line} · {beside}" if beside else line


def summary_markdown(summary: Summary, catalog: Catalog) -> str:
    """The whole summary as Markdown (for ``demo``, ``export`` and ``synthesize``)."""
    out = [f"# {_title(summary, catalog)}", ""]
    if not summary.published:
        out += [_t(catalog, summary, "threshold.round", count=summary.min_respondents), ""]
    else:
        people = _people_line(summary, catalog, summary.respondents, summary.answers)
        out += [f"_{people}_", ""]
        if summary.shared:
            words = ", ".join(summary.shared)
            out += [_t(catalog, summary, "label.shared_round", words=words), ""]
        if summary.plain:
            out += [_t(catalog, summary, "label.plain"), ""]
    for phase in summary.phases:
        out += [f"## {phase.title}", ""]
        if not (summary.published and phase.published):
            out += [_t(catalog, summary, "threshold.phase"), ""]
            continue
        out += [f"_{_phase_line(summary, catalog, phase)}_", ""]
        if phase.actors:
            out += [_who_line(summary, catalog, phase), ""]
        if phase.shared:
            out += [_t(catalog, summary, "label.shared_phase", words=", ".join(phase.shared)), ""]
        for rest, themes in _groups(phase):
            level = "###"
            if rest is not None and rest.side is not None:
                out += [f"### {_side_line(summary, catalog, phase, rest)}", ""]
                level = "####"
            for theme in themes:
                out += [f"{level} {_theme_line(summary, catalog, theme)}", ""]
                if theme.distinct:
                    out += [_t(catalog, summary, "label.distinct", words=theme.distinct), ""]
                for quote in theme.quotes:
                    out += ["\n".join(f"> {line}" for line in quote.splitlines()), ""]
            if rest is not None and rest.other:
                if themes:  # without themes the side's own count says it all
                    out += [f"_{_other_line(summary, catalog, rest)}_", ""]
                if rest.items:
                    out += [
                        f"- {_item_line(summary, catalog, i.text, i.count)}" for i in rest.items
                    ]
                    out.append("")
        if listed := _unquoted(phase):
            out += [f"**{_section(summary, catalog, phase)}**", ""]
            out += [f"- {_item_line(summary, catalog, i.text, i.count)}" for i in listed]
            out.append("")
    for stage in summary.stages:
        out += [f"## {stage.heading}", ""]
        out += [f"- {line}" for line in stage.lines]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def chunks(lines: Sequence[str], limit: int = MAX_TEXT) -> list[str]:
    """Lines joined into texts of at most ``limit`` characters (a longer line is cut)."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


def _safe(text: str) -> str:
    """A theme label in a Text block: no markup or mention can come through it."""
    return _UNSAFE.sub("", text)


@dataclass(frozen=True)
class _Budget:
    quotes: int  # per theme
    themes: int  # per phase
    listed: int  # items per phase
    dividers: bool


# From everything to the bare minimum; the first that fits in MAX_BLOCKS is used.
_BUDGETS = (
    _Budget(3, 6, MAX_LISTED, True),
    _Budget(3, 6, MAX_LISTED, False),
    _Budget(2, 4, MAX_LISTED, False),
    _Budget(2, 3, 10, False),
    _Budget(1, 2, 5, False),
    _Budget(1, 1, 3, False),
    _Budget(0, 0, 0, False),
)


def _blocks(summary: Summary, catalog: Catalog, budget: _Budget) -> list[Block]:
    blocks: list[Block] = [Heading(_title(summary, catalog))]
    if not summary.published:
        blocks.append(Text(_t(catalog, summary, "threshold.round", count=summary.min_respondents)))
    else:
        lines = [_people_line(summary, catalog, summary.respondents, summary.answers)]
        if summary.shared:
            words = _safe(", ".join(summary.shared))
            lines.append(_t(catalog, summary, "label.shared_round", words=words))
        if summary.plain:
            lines.append(_t(catalog, summary, "label.plain"))
        blocks.append(Text("\n".join(lines)))
    for phase in summary.phases:
        blocks += [Divider(), Heading(phase.title)] if budget.dividers else [Heading(phase.title)]
        if not (summary.published and phase.published):
            blocks.append(Text(_t(catalog, summary, "threshold.phase")))
            continue
        lines = [_phase_line(summary, catalog, phase)]
        if phase.actors:
            lines.append(_safe(_who_line(summary, catalog, phase)))
        if phase.shared:
            words = _safe(", ".join(phase.shared))
            lines.append(_t(catalog, summary, "label.shared_phase", words=words))
        blocks.append(Text("\n".join(lines)))
        for rest, themes in _groups(phase):
            if rest is not None and rest.side is not None:
                blocks.append(Text(f"*{_safe(_side_line(summary, catalog, phase, rest))}*"))
            for theme in themes[: budget.themes]:
                head = [f"*{_safe(_theme_line(summary, catalog, theme))}*"]
                if theme.distinct:
                    words = _safe(theme.distinct)
                    head.append(_t(catalog, summary, "label.distinct", words=words))
                blocks.append(Text("\n".join(head)[:MAX_TEXT]))
                if budget.quotes and theme.quotes:
                    # One block per theme: the quotes are what people wrote, so a Quote block.
                    blocks.append(Quote("\n\n".join(theme.quotes[: budget.quotes])[:MAX_TEXT]))
            if len(themes) > budget.themes:
                more = len(themes) - budget.themes
                blocks.append(Text(_t(catalog, summary, "label.more", count=more)))
            if rest is not None and rest.other:
                if themes:
                    blocks.append(Text(_other_line(summary, catalog, rest)))
                if rest.items and budget.listed:
                    lines = [
                        f"• {_item_line(summary, catalog, i.text, i.count)}" for i in rest.items
                    ]
                    blocks += [Quote(chunk) for chunk in chunks(lines)]
        listed = _unquoted(phase)
        if listed and budget.listed:
            blocks.append(Text(f"*{_section(summary, catalog, phase)}*"))
            shown = listed[: budget.listed]
            lines = [f"• {_item_line(summary, catalog, i.text, i.count)}" for i in shown]
            blocks += [Quote(chunk) for chunk in chunks(lines)]
            if len(listed) > len(shown):
                more = len(listed) - len(shown)
                blocks.append(Text(_t(catalog, summary, "label.more", count=more)))
    for stage in summary.stages:
        blocks.append(Heading(stage.heading))
        shown_lines = [f"• {_safe(line)}" for line in stage.lines[: budget.listed or 3]]
        blocks += [Text(chunk) for chunk in chunks(shown_lines)]
    return blocks


def _fits(blocks: Sequence[Block]) -> bool:
    size = sum(len(b.text) for b in blocks if isinstance(b, Text | Quote | Heading))
    return len(blocks) <= MAX_BLOCKS - 1 and size <= MAX_CHARS


def summary_outgoing(summary: Summary, catalog: Catalog) -> Outgoing:
    """The summary as a chat message within Slack's and Teams' limits.

    When everything does not fit in :data:`MAX_BLOCKS` blocks and :data:`MAX_CHARS`
    characters, dividers go first, then quotes, themes and listed items are shown fewer at
    a time; what is left out is counted ("… en nog 3"), and a published summary ends with
    how to get the export, which always has everything.
    """
    for budget in _BUDGETS:
        blocks = _blocks(summary, catalog, budget)
        if _fits(blocks):
            break
    blocks = blocks[: MAX_BLOCKS - 1]
    while len(blocks) > 1 and not _fits(blocks):
        blocks.pop()
    if summary.published:
        blocks.append(Text(_t(catalog, summary, "label.export")))
    return Outgoing(tuple(blocks))
