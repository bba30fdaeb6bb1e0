"""What a host sees on ``status``: how many were invited, started and finished, answers per
phase, and what the timers do next. Counts under the threshold are never shown exactly."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bot.core.commands import slot_length
from bot.core.dates import list_text
from bot.core.messages import Block, Heading, Outgoing, Text
from bot.core.rounds import RoundContext
from bot.core.segments import groups, participation
from bot.core.turn import Turn
from bot.core.views import Views
from storage.models import AnswerRow, ProgressRow


async def status_report(turn: Turn, ctx: RoundContext, views: Views) -> Outgoing:
    """Counts per phase for the host; a count under the threshold shows as "fewer than N"."""
    lang = ctx.voice
    per_phase = dict(
        (
            await turn.session.execute(
                select(AnswerRow.phase, func.count(func.distinct(AnswerRow.pseudonym)))
                .where(AnswerRow.round_id == ctx.id)
                .group_by(AnswerRow.phase)
            )
        ).all()
    )
    progress = (
        await turn.session.scalars(select(ProgressRow).where(ProgressRow.round_id == ctx.id))
    ).all()
    invited = len(progress)
    started = sum(1 for p in progress if p.started)
    finished = sum(1 for p in progress if ctx.is_finished(p) and p.started)
    minimum = ctx.row.min_respondents

    def count(n: int) -> str:
        return str(n) if n >= minimum or n == 0 else views.t(lang, "status.fewer", min=minimum)

    def people(n: int) -> str:
        if n >= minimum or n == 0:
            return views.count(lang, "respondents", n)
        return views.count(lang, "fewer_respondents", minimum)

    blocks: list[Block] = [
        Heading(views.t(lang, "status.heading")),
        Text(
            views.t(
                lang,
                "status.totals",
                invited=invited,
                started=count(started),
                finished=count(finished),
            )
        ),
    ]
    for index, phase in enumerate(ctx.phases):
        state = ""
        if ctx.row.paced:
            state = views.t(
                lang,
                "status.open"
                if index == ctx.row.open_phase
                else "status.closed"
                if index < ctx.row.open_phase
                else "status.later",
            )
        blocks.append(
            Text(
                views.t(
                    lang,
                    "status.phase",
                    title=phase.title(lang),
                    respondents=people(per_phase.get(phase.key, 0)),
                    state=state,
                )
            )
        )
    members, total = await groups(turn, ctx)
    blocks.extend(participation(views, ctx, members, total, invited))
    if ctx.row.deadline is not None:
        blocks.append(Text(views.t(lang, "round.deadline", when=views.when(ctx, ctx.row.deadline))))
    blocks.extend(_schedule_lines(ctx, views))
    return Outgoing(tuple(blocks))


def _schedule_lines(ctx: RoundContext, views: Views) -> list[Block]:
    """What the timers will do next: the next phase change and the reminder slots."""
    lines: list[Block] = []
    row = ctx.row
    if (
        row.paced
        and row.phase_seconds
        and row.phase_opened is not None
        and row.open_phase < len(ctx.phases) - 1
    ):
        moment = row.phase_opened + dt.timedelta(seconds=row.phase_seconds)
        if row.deadline is None or moment < row.deadline:
            when = views.when(ctx, moment)
            lines.append(Text(views.t(ctx.voice, "status.next_phase", when=when)))
    if row.reminders:
        lengths = (int(slot_length(slot).total_seconds()) for slot in row.reminders.split(","))
        slots = list_text(ctx.lang, [views.duration(ctx.voice, seconds) for seconds in lengths])
        lines.append(Text(views.t(ctx.voice, "status.reminders", slots=slots)))
    return lines
