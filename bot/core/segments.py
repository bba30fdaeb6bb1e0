"""Who took part, without saying who (issue 18, item 4).

A round may ask, privately and before its first question, which group a participant belongs
to (``start --segment "burgemeester,griffier,raadslid,anders"``, or ``template.segments`` in
a template file). The answer is stored like an answer: on the participant's progress row,
under the round's pseudonym, never beside a user id; once the round key is destroyed nothing
links it to a person. *Forget me* erases it with the answers.

**What may be shown per group** (PRODUCT.md §4.5: never two views that subtract to a group
under the threshold *k*):

1. A group gets a view only when at least *k* of its people answered. When people answered
   outside the shown groups (smaller groups, or no group said) and ``total - k × shown < k``,
   the smallest shown groups lose their views until that holds, so the published total and
   the shown groups' floors never bound the rest to fewer than *k*.
2. Group views carry no exact number unless the rest (everyone who answered outside the shown
   groups) is itself at least *k*: otherwise each shows "*k* or more". The total minus the
   shown groups therefore never gives the size of a smaller group (the host sees only floors).
3. A group view holds theme names and quotes of that group's own answers only — no lists of
   headlines, dreams or ideas, no counts per theme, no theme named after a single answer —
   and per question it quotes at most ``n - ⌈k / S⌉`` of the group's *n* respondents (*S*
   the number of group views that quote that question: a group with too few answers to it
   quotes nothing there and does not count). So for
   every question at least *k* people of the shown groups are quoted in no group view: an
   answer in the whole-round summary that no group view quotes may be anyone's among at
   least *k* people, and subtracting the group views from the whole never isolates the
   answers of a smaller group.

``tests/core/test_segments.py`` plays groups of 5, 4 and 1 at threshold 3 and tries the
subtraction on counts and on quotes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.core.commands import CommandError
from bot.core.harvest import gather
from bot.core.messages import Block, Choices, Heading, Option, Outgoing, Quote, Text
from bot.core.rounds import RoundContext
from bot.core.summary import Summary, SynthesisRequest
from bot.core.turn import Turn
from bot.core.views import Views
from storage.models import AnswerRow, ProgressRow, RoundRow

# Incoming.action of the question's buttons; the value is the option's number, or DECLINE.
SEGMENT = "segment"
DECLINE = "-"
DECLINED = ""  # stored: the participant chose not to say
DECLINE_WORDS = frozenset({"-", "zeg ik liever niet", "liever niet", "geen", "rather not", "none"})


def options(row: RoundRow) -> tuple[str, ...]:
    """The groups ``row`` asks about, in the host's order (none: no question)."""
    return tuple(line for line in (row.segments or "").split("\n") if line)


def pending(ctx: RoundContext, segment: str | None) -> bool:
    """Whether the group question still waits for this participant's answer."""
    return bool(options(ctx.row)) and segment is None


def question(views: Views, ctx: RoundContext) -> list[Block]:
    """The question with a button per group and one to say nothing."""
    lang = ctx.voice
    offered = [Option(str(n), label) for n, label in enumerate(options(ctx.row), start=1)]
    buttons = (*offered, Option(DECLINE, views.t(lang, "segment.decline_button")))
    return [
        Heading(views.t(lang, "segment.heading")),
        Text(views.t(lang, "segment.question", count=ctx.row.min_respondents)),
        Choices(SEGMENT, buttons, ctx.id),
    ]


def chosen(ctx: RoundContext, value: str) -> str:
    """The stored group for a press (its number) or typed words; refused when the round does
    not offer it."""
    offered = options(ctx.row)
    cleaned = " ".join(value.strip().strip(".!").split())
    if cleaned.casefold() in DECLINE_WORDS:
        return DECLINED
    if cleaned.isdigit() and 1 <= int(cleaned) <= len(offered):
        return offered[int(cleaned) - 1]
    for option in offered:
        if option.casefold() == cleaned.casefold():
            return option
    raise CommandError(
        "error.segment_unknown",
        value=cleaned[:40],
        options=", ".join(offered),
    )


@dataclass(frozen=True, slots=True)
class Disclosure:
    """Which groups get a view, and whether their counts may be exact (module docstring)."""

    shown: tuple[str, ...]
    exact: bool


def disclose(counts: dict[str, int], total: int, minimum: int) -> Disclosure:
    """Rules 1 and 2 of the module docstring: ``counts`` are respondents per group, ``total``
    everyone who answered (groups, no group said), ``minimum`` the round's threshold."""
    shown = sorted(
        (group for group, n in counts.items() if n >= minimum and group != DECLINED),
        key=lambda group: (-counts[group], group),
    )
    rest = total - sum(counts[group] for group in shown)
    while shown and rest > 0 and total - minimum * len(shown) < minimum:
        rest += counts[shown.pop()]
    return Disclosure(tuple(shown), exact=rest >= minimum)


def quote_allowance(respondents: int, minimum: int, shown: int) -> int:
    """Rule 3: how many of a group's ``respondents`` to one question its view may quote."""
    return max(0, respondents - math.ceil(minimum / max(shown, 1)))


async def groups(turn: Turn, ctx: RoundContext) -> tuple[dict[str, set[str]], int]:
    """The pseudonyms that answered, per group said (``DECLINED``: none), and their total
    (nothing for a round that asks about no groups)."""
    if not options(ctx.row):
        return {}, 0
    rows = await turn.session.execute(
        select(ProgressRow.pseudonym, ProgressRow.segment)
        .join(
            AnswerRow,
            (AnswerRow.round_id == ProgressRow.round_id)
            & (AnswerRow.pseudonym == ProgressRow.pseudonym),
        )
        .where(ProgressRow.round_id == ctx.id)
        .group_by(ProgressRow.pseudonym, ProgressRow.segment)
        .having(func.count(AnswerRow.id) > 0)
    )
    found: dict[str, set[str]] = {}
    total = 0
    for pseudonym, segment in rows:
        found.setdefault(segment or DECLINED, set()).add(pseudonym)
        total += 1
    return found, total


def participation(
    views: Views, ctx: RoundContext, members: dict[str, set[str]], total: int, invited: int
) -> list[Block]:
    """The host's lines on ``status``: how many took part per group, under rules 1-2 (none
    for a round that asks about no groups)."""
    if not options(ctx.row):
        return []
    offered = options(ctx.row)
    lang = ctx.voice
    minimum = ctx.row.min_respondents
    counts = {group: len(members.get(group, ())) for group in (*offered, DECLINED)}
    disclosure = disclose(counts, total, minimum)
    lines = [
        views.t(lang, "segment.count_line", group=group, count=counts[group])
        if disclosure.exact
        else views.t(lang, "segment.floor_line", group=group, count=minimum)
        for group in disclosure.shown
    ]
    hidden = [group for group in offered if group not in disclosure.shown]
    blocks: list[Block] = [Text(views.t(lang, "segment.status_heading", count=invited))]
    if lines:
        blocks.append(Text("\n".join(lines)))
    if hidden:
        blocks.append(
            Text(views.t(lang, "segment.hidden", groups=", ".join(hidden), count=minimum))
        )
    return blocks


class Segments:
    """The group question's answers, and the host's ``groepen`` views."""

    def __init__(self, views: Views) -> None:
        self.views = views

    async def report(self, turn: Turn, ctx: RoundContext, names: list[str]) -> Outgoing:
        """Participation per group and a view per group that may be shown (rules 1-3)."""
        lang = ctx.voice
        if not options(ctx.row):
            raise CommandError("error.no_segments")
        members, total = await groups(turn, ctx)
        minimum = ctx.row.min_respondents
        offered = options(ctx.row)
        counts = {group: len(members.get(group, ())) for group in (*offered, DECLINED)}
        disclosure = disclose(counts, total, minimum)
        blocks: list[Block] = [Heading(self.views.t(lang, "segment.report_heading"))]
        invited = await turn.session.scalar(
            select(func.count()).select_from(ProgressRow).where(ProgressRow.round_id == ctx.id)
        )
        blocks.extend(participation(self.views, ctx, members, total, invited or 0))
        found = []
        for group in disclosure.shown:
            request = await gather(
                turn.session, ctx, self.views.catalog, names, pseudonyms=members[group]
            )
            found.append((group, request, await turn.prepared.summary(request)))
        # Rule 3 per question: shared among the groups whose view quotes that question.
        quoting = Counter(
            phase.key
            for _, _, summary in found
            for phase in summary.phases
            if phase.published and phase.themes
        )
        for group, request, summary in found:
            blocks.extend(self.view(ctx, group, request, summary, quoting))
        if not disclosure.shown:
            blocks.append(Text(self.views.t(lang, "segment.none_shown", count=minimum)))
        return Outgoing(tuple(blocks))

    def view(
        self,
        ctx: RoundContext,
        group: str,
        request: SynthesisRequest,
        summary: Summary,
        quoting: Mapping[str, int],
    ) -> list[Block]:
        """One group's themes and quotes: no counts, no lists, quotes capped (rule 3);
        ``quoting`` says per question how many group views quote it."""
        lang = ctx.voice
        minimum = ctx.row.min_respondents
        blocks: list[Block] = [Heading(self.views.t(lang, "segment.view_heading", group=group))]
        # A theme named after one answer (a headline titles a theme) would quote it outside
        # the allowance: such a theme goes by its distinctive words, or by its number.
        verbatim = {" ".join(a.text.casefold().split()) for a in request.answers}
        number = 0
        for phase in summary.phases:
            if not phase.published or not phase.themes:
                continue
            answers = [a for a in request.answers if a.phase == phase.key]
            people = len({a.respondent for a in answers})
            allowance = quote_allowance(people, minimum, quoting.get(phase.key, 1))
            quoted: set[int] = set()
            lines: list[Block] = []
            for theme in phase.themes:
                kept: list[str] = []
                for quote in theme.quotes:
                    authors = {a.respondent for a in answers if a.text == quote}
                    if not authors or len(quoted | authors) > allowance:
                        continue  # an unknown source, or one respondent too many
                    quoted |= authors
                    kept.append(quote)
                number += 1
                label = theme.label
                if not label or " ".join(label.casefold().split()) in verbatim:
                    label = theme.distinct or self.views.t(lang, "segment.theme", number=number)
                lines.append(Text(f"*{label}*"))
                lines.extend(Quote(quote) for quote in kept)
            blocks.append(Text(self.views.t(lang, "segment.phase", title=phase.title)))
            blocks.extend(lines)
        if len(blocks) == 1:
            blocks.append(Text(self.views.t(lang, "segment.no_themes")))
        return blocks
