"""The export's charts: answers per phase, the choices of a phase (knel or kiem, the pictures
chosen) and the themes by size, drawn with matplotlib (Agg, no display) as PNG.

A chart shows only figures the summary itself publishes (PRODUCT.md §4.5): a phase under the
threshold is left out, never drawn with its count, and a choice or theme has the count the
summary already shows. Titles and axis words come from the catalog (``harvest.chart_*``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from bot.core.prompts import Catalog
from bot.core.render import _choice_label
from bot.core.summary import PhaseSummary, Summary

MAX_BARS = 12  # the biggest themes; the rest is in the report's text
_COLOURS = ("#2E7D5B", "#C0603A")  # the app's green, and a warm second for answers


@dataclass(frozen=True)
class Chart:
    """A drawn chart: its title, the PNG, and the same figures as text (for a screen reader,
    and for a test to read what was drawn)."""

    title: str
    png: bytes
    bars: tuple[tuple[str, int], ...]
    text: str = ""  # the description, when the bars alone do not say it all

    @property
    def description(self) -> str:
        return self.text or ", ".join(f"{label}: {count}" for label, count in self.bars)


def _published(summary: Summary) -> list[PhaseSummary]:
    if not summary.published:
        return []
    return [p for p in summary.phases if p.published]


def _choices(summary: Summary, catalog: Catalog, phase: PhaseSummary) -> list[tuple[str, int]]:
    """The phase's choices with the counts the summary shows (per side when it is split)."""
    if phase.choices:
        counted = phase.choices
    else:
        counted = tuple((r.side, r.respondents) for r in phase.rest if r.side is not None)
    return [(_choice_label(summary, catalog, phase, value), n) for value, n in counted]


def _short(label: str, limit: int = 38) -> str:
    label = " ".join(label.split())
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _draw(title: str, bars: list[tuple[str, int]], second: list[int] | None = None,
          legend: tuple[str, str] | None = None) -> bytes:  # fmt: skip
    """Horizontal bars, biggest first at the top; ``second`` a second series beside them."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = [_short(label) for label, _ in bars]
    height = 1.2 + 0.42 * len(bars) * (2 if second else 1)
    figure = Figure(figsize=(7.5, max(2.4, height)), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(bars)))[::-1]
    size = 0.4 if second else 0.7
    first = axes.barh(
        [p + (size / 2 if second else 0) for p in positions],
        [n for _, n in bars],
        height=size,
        color=_COLOURS[0],
        label=legend[0] if legend else None,
    )
    axes.bar_label(first, padding=3)
    if second:
        other = axes.barh(
            [p - size / 2 for p in positions],
            second,
            height=size,
            color=_COLOURS[1],
            label=legend[1] if legend else None,
        )
        axes.bar_label(other, padding=3)
        # Under the bars, never over them.
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, frameon=False)
    axes.set_yticks(positions, labels)
    axes.set_title(title, loc="left", fontsize=12, fontweight="bold")
    axes.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    axes.margins(x=0.12)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def charts(summary: Summary, catalog: Catalog) -> list[Chart]:
    """Every chart the summary gives: none when nothing is published."""
    lang = summary.language

    def t(key: str, **values: object) -> str:
        return catalog.text(lang, f"harvest.chart_{key}", **values)

    phases = _published(summary)
    if not phases:
        return []
    out: list[Chart] = []
    per_phase = [(p.title, p.respondents) for p in phases]
    answers = [p.answers or p.respondents for p in phases]
    title = t("per_phase")
    png = _draw(title, per_phase, answers, (t("people"), t("answers")))
    text = "; ".join(
        t(
            "per_phase_line",
            title=p.title,
            respondents=catalog.count(lang, "respondents", p.respondents),
            answers=catalog.count(lang, "answers", n),
        )
        for p, n in zip(phases, answers, strict=True)
    )
    out.append(Chart(title, png, tuple(per_phase), text))
    for phase in phases:
        chosen = _choices(summary, catalog, phase)
        if chosen:
            title = t("choices", title=phase.title)
            out.append(Chart(title, _draw(title, chosen), tuple(chosen)))
    themes = sorted(
        (
            (f"{theme.label}", theme.respondents)
            for p in phases
            for theme in p.themes
            if theme.label  # a theme without a shared label is no bar of its own
        ),
        key=lambda item: -item[1],
    )[:MAX_BARS]
    if themes:
        title = t("themes")
        out.append(Chart(title, _draw(title, themes), tuple(themes)))
    return out
