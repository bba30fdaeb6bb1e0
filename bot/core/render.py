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
from bot.core.summary import PhaseSummary, Summary, Theme

MAX_TEXT = 2900  # characters in one chat block (Slack allows 3,000 in a section)
MAX_BLOCKS = 48  # blocks in one chat message (Slack allows 50; room for a button row)
MAX_LISTED = 15  # items (headlines, ideas) listed in a chat message; Markdown lists all
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


def _phase_line(summary: Summary, catalog: Catalog, phase: PhaseSummary) -> str:
    parts = [_t(catalog, summary, "count.respondents", count=phase.respondents)]
    for value, count in phase.choices:
        label = _choice_label(summary, catalog, phase, value)
        parts.append(_t(catalog, summary, "label.choice", label=label, count=count))
    return " · ".join(parts)


def _who_line(summary: Summary, catalog: Catalog, phase: PhaseSummary) -> str:
    named = ", ".join(_item_line(summary, catalog, who, count) for who, count in phase.actors)
    return _t(catalog, summary, "label.who", actors=named)


def _theme_line(summary: Summary, catalog: Catalog, theme: Theme) -> str:
    return _t(catalog, summary, "label.theme", label=theme.label, count=theme.respondents)


def _item_line(summary: Summary, catalog: Catalog, text: str, count: int) -> str:
    text = " ".join(text.split())
    return _t(catalog, summary, "label.item_count", text=text, count=count) if count > 1 else text


def summary_markdown(summary: Summary, catalog: Catalog) -> str:
    """The whole summary as Markdown (for ``demo``, ``export`` and ``synthesize``)."""
    out = [f"# {_title(summary, catalog)}", ""]
    if not summary.published:
        out += [_t(catalog, summary, "threshold.round", minimum=summary.min_respondents), ""]
    else:
        out += [f"_{_t(catalog, summary, 'count.respondents', count=summary.respondents)}_", ""]
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
        for theme in phase.themes:
            out += [f"### {_theme_line(summary, catalog, theme)}", ""]
            if theme.distinct:
                out += [_t(catalog, summary, "label.distinct", words=theme.distinct), ""]
            for quote in theme.quotes:
                out += ["\n".join(f"> {line}" for line in quote.splitlines()), ""]
        if phase.items:
            out += [f"**{_section(summary, catalog, phase)}**", ""]
            out += [f"- {_item_line(summary, catalog, i.text, i.count)}" for i in phase.items]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _chunks(lines: Sequence[str], limit: int = MAX_TEXT) -> list[str]:
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
        blocks.append(
            Text(_t(catalog, summary, "threshold.round", minimum=summary.min_respondents))
        )
    else:
        lines = [_t(catalog, summary, "count.respondents", count=summary.respondents)]
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
        for theme in phase.themes[: budget.themes]:
            head = [f"*{_safe(_theme_line(summary, catalog, theme))}*"]
            if theme.distinct:
                head.append(_t(catalog, summary, "label.distinct", words=_safe(theme.distinct)))
            blocks.append(Text("\n".join(head)[:MAX_TEXT]))
            if budget.quotes and theme.quotes:
                # One block per theme: the quotes are what people wrote, so a Quote block.
                blocks.append(Quote("\n\n".join(theme.quotes[: budget.quotes])[:MAX_TEXT]))
        if len(phase.themes) > budget.themes:
            more = len(phase.themes) - budget.themes
            blocks.append(Text(_t(catalog, summary, "label.more", count=more)))
        if phase.items and budget.listed:
            blocks.append(Text(f"*{_section(summary, catalog, phase)}*"))
            shown = phase.items[: budget.listed]
            lines = [f"• {_item_line(summary, catalog, i.text, i.count)}" for i in shown]
            blocks += [Quote(chunk) for chunk in _chunks(lines)]
            if len(phase.items) > len(shown):
                more = len(phase.items) - len(shown)
                blocks.append(Text(_t(catalog, summary, "label.more", count=more)))
    return blocks


def summary_outgoing(summary: Summary, catalog: Catalog) -> Outgoing:
    """The summary as a chat message within Slack's and Teams' limits.

    When everything does not fit in :data:`MAX_BLOCKS` blocks, dividers go first, then
    quotes, themes and listed items are shown fewer at a time; the Markdown export always
    has everything.
    """
    for budget in _BUDGETS:
        blocks = _blocks(summary, catalog, budget)
        if len(blocks) <= MAX_BLOCKS:
            break
    return Outgoing(tuple(blocks[:MAX_BLOCKS]))
