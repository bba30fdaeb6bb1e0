"""What a timer does when it falls due: close a round at its deadline, open the next phase of
a paced round, send a reminder slot, post a weekly digest, remind an action's owner, thank a
closed round's invitees once its harvest is published.

A timer reaches the core like anyone's message: an ``Incoming`` with nobody behind it and its
:class:`~bot.core.messages.Timer`, routed here by :mod:`bot.core.router`. Whether a job is
due and not fired yet is the runtime's book-keeping (:mod:`bot.runtime.scheduler`); this
module decides what firing it means now, as the round stands (a closed round, a phase that
``next`` already opened, a deadline that passed: nothing to do).
"""

from __future__ import annotations

import datetime as dt

from bot.core import thanks
from bot.core.actions import Actions
from bot.core.digests import Digests
from bot.core.host import Hosts
from bot.core.messages import Timer
from bot.core.turn import Turn
from storage.models import DigestRow, RoundRow, StageRow


class Timers:
    def __init__(self, hosts: Hosts, digests: Digests, actions: Actions) -> None:
        self.hosts = hosts
        self.digests = digests
        self.actions = actions

    async def fire(self, turn: Turn, timer: Timer) -> None:
        session = turn.session
        if timer.kind == "digest":
            digest = await session.get(DigestRow, timer.ref, with_for_update=True)
            if digest is not None:
                await self.digests.post(turn, digest, dt.date.fromisoformat(timer.arg))
            return
        if timer.kind == "action":
            await self.actions.remind(turn, timer.ref)
            return
        if timer.kind == "thanks":
            closed = await session.get(RoundRow, timer.ref, with_for_update=True)
            if closed is not None:
                await thanks.send(turn, self.hosts.views, closed)
            return
        if timer.kind == "stage":
            stage = await session.get(StageRow, timer.ref, with_for_update=True)
            if stage is not None and stage.status == "open" and self.hosts.stages is not None:
                found = await self.hosts.stages.box.context(turn, stage)
                turn.lang = found.voice
                await self.hosts.close_stage(turn, found)
            return
        row = await session.get(RoundRow, timer.ref, with_for_update=True)
        if row is None or row.status != "open":
            return
        ctx = await turn.store.context(row)
        turn.lang = ctx.voice
        past_deadline = row.deadline is not None and row.deadline <= turn.now
        if timer.kind == "close":
            await self.hosts.close_round(turn, ctx)
        elif timer.kind == "phase":
            if not past_deadline and row.open_phase == int(timer.arg):
                await self.hosts.open_next_phase(turn, ctx)  # else the deadline or `next` won
        elif timer.kind == "remind":
            if not past_deadline and ctx.key is not None:
                await self.hosts.send_reminders(turn, ctx, slot=timer.arg)
