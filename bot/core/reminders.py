"""Reminders: a private nudge with their current prompt to everyone who has not finished, and
the invitation to members who joined the channel after the start, with the same recap of the
series as the first invitations had (bot/core/series.py). Never named anywhere."""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.core import invitees
from bot.core.messages import Block, Divider, Outgoing, Text
from bot.core.port import Member
from bot.core.rounds import RoundContext
from bot.core.segments import options as segment_options
from bot.core.segments import pending
from bot.core.segments import question as segment_question
from bot.core.turn import Turn
from bot.core.views import Views
from storage.models import ProgressRow, ReminderSentRow

log = logging.getLogger(__name__)


async def sent_in_slot(turn: Turn, ctx: RoundContext, slot: str | None) -> set[str]:
    """The pseudonyms already reminded in a scheduled ``slot`` (none for a host's ``remind``)."""
    if slot is None:
        return set()
    return set(
        await turn.session.scalars(
            select(ReminderSentRow.pseudonym).where(
                ReminderSentRow.round_id == ctx.id, ReminderSentRow.slot == slot
            )
        )
    )


async def send_reminders(
    turn: Turn,
    ctx: RoundContext,
    humans: list[Member],
    views: Views,
    slot: str | None = None,
    recap: list[Block] | None = None,
) -> int:
    """Queue the reminders; returns how many.

    With ``slot`` (a scheduled reminder such as ``24h``) each pseudonym gets at most one
    reminder for that slot, recorded in ``reminders_sent``. Everyone's progress is read in
    one query: a round can have thousands of members. ``recap``: what a series round's
    invitation says of its place and of the round before, for members invited late."""
    done = await sent_in_slot(turn, ctx, slot)
    lead = views.t(ctx.voice, "round.reminder")
    if slot is not None and ctx.row.deadline is not None:
        when = views.when(ctx, ctx.row.deadline)
        lead = views.t(ctx.voice, "round.reminder_deadline", when=when)
    progress = {
        row.pseudonym: row
        for row in await turn.session.scalars(
            select(ProgressRow).where(ProgressRow.round_id == ctx.id)
        )
    }
    sent = 0
    for member in humans:
        pseudonym = ctx.pseudonym(member.user_id)
        if pseudonym in done:
            continue
        before = sent
        row = progress.get(pseudonym)
        if row is not None and row.forgotten:
            # Said *forget me*: never contacted again in this round (PRODUCT.md §4.9).
            continue
        if row is None:
            row = ProgressRow(
                round_id=ctx.id,
                pseudonym=pseudonym,
                step=ctx.row.open_phase if ctx.row.paced else 0,
            )
            turn.session.add(row)
            progress[pseudonym] = row
            await invitees.record(turn, ctx, [member])
            ask = segment_question(views, ctx) if segment_options(ctx.row) else None
            turn.private(member.user_id, views.invitation(ctx, recap, ask))
            sent += 1
        elif not ctx.is_finished(row) and ctx.phase_open(row.step):
            blocks: list[Block] = [Text(lead), Divider()]
            if pending(ctx, row.segment):  # the group question still comes first
                blocks.extend(segment_question(views, ctx))
            else:
                blocks.extend(views.prompt_blocks(ctx, row.step, row.choice))
            turn.private(member.user_id, Outgoing(tuple(blocks)))
            sent += 1
        if slot is not None and sent > before:
            done.add(pseudonym)
            turn.session.add(ReminderSentRow(round_id=ctx.id, pseudonym=pseudonym, slot=slot))
    log.info("round %s: %d reminders", ctx.id, sent)
    return sent
