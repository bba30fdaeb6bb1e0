"""What participants do in their private chat: answer, choose, skip, edit, forget me."""

from __future__ import annotations

import logging
import re
import uuid

from sqlalchemy import delete, func, select, update

from bot.core.commands import CommandError
from bot.core.messages import Outgoing, Text
from bot.core.normalise import is_blank
from bot.core.rounds import RoundContext
from bot.core.scrub import Scrubber
from bot.core.turn import Turn
from bot.core.views import Views
from bot.support.metrics import Metrics
from storage.database import erases
from storage.models import AnswerRow, ProgressRow

log = logging.getLogger(__name__)
_CHOICE_PREFIX = re.compile(r"^\s*([\w-]+)\s*[:\-–]\s*(.+)$", re.DOTALL)


class Participants:
    def __init__(self, views: Views, metrics: Metrics, max_chars: int) -> None:
        self.views = views
        self.metrics = metrics
        self.max_chars = max_chars

    async def _locate(self, turn: Turn) -> tuple[RoundContext, ProgressRow]:
        i = turn.incoming
        if i.round_id is not None:
            ctx = await turn.store.by_id(i.round_id)
            if ctx is None or ctx.row.status != "open" or ctx.key is None:
                raise CommandError("error.round_closed")
            progress = await turn.store.progress(ctx, ctx.pseudonym(i.user_id))
            if progress is None or progress.forgotten:
                raise CommandError("error.not_a_participant")
        else:
            found = await turn.store.participation(i.platform, i.workspace, i.user_id)
            if found is None:
                raise CommandError("error.no_round")
            ctx, progress = found
        turn.lang = ctx.lang
        return ctx, progress

    async def answer(self, turn: Turn) -> None:
        ctx, progress = await self._locate(turn)
        text = turn.incoming.text.strip()
        if is_blank(text):
            raise CommandError("error.empty_answer")
        if len(text) > self.max_chars:
            raise CommandError("error.too_long", limit=self.max_chars, count=len(text))
        if progress.editing:
            await self._replace_last(turn, ctx, progress, text)
            return
        if ctx.is_finished(progress):
            raise CommandError("error.all_done")
        step = progress.step
        if not ctx.phase_open(step):
            raise CommandError("error.phase_not_open")
        phase = ctx.phases[step]
        choice_spec = phase.choice
        if choice_spec is not None:
            option = choice_spec.find(text)
            if option is not None and len(text) <= 40:
                await self._choose(turn, ctx, progress, option.value)
                return
            prefix = _CHOICE_PREFIX.match(text)
            if prefix and progress.choice is None:
                option = choice_spec.find(prefix.group(1))
                if option is not None:
                    progress.choice = option.value
                    text = prefix.group(2).strip()
        if progress.awaiting_choice:
            raise CommandError("error.choose_first")
        answer_id = uuid.uuid4().hex
        turn.store_answer(
            AnswerRow(
                id=answer_id,
                round_id=ctx.id,
                pseudonym=progress.pseudonym,
                phase=phase.key,
                text=None,
                sealed=ctx.seal(answer_id, text),
                choice=progress.choice,
                day=ctx.local_day(turn.now),
            )
        )
        progress.started = True
        self.metrics.answers.inc()
        notice = self._how_quoted(ctx, text)
        if choice_spec is not None and choice_spec.required and progress.choice is None:
            progress.awaiting_choice = True
            turn.reply(
                Outgoing(
                    (
                        Text(self.views.t(ctx.lang, "answer.stored_choose") + notice),
                        self.views.choice_buttons(ctx, phase),
                    )
                )
            )
            return
        self._advance(turn, ctx, progress, self.views.t(ctx.lang, "answer.stored") + notice)

    def _how_quoted(self, ctx: RoundContext, text: str) -> str:
        """When scrubbing changes ``text`` (a name, number or address), a paragraph telling its
        author how it will read in quotes, so they can still change it (PRODUCT.md §4.6);
        otherwise nothing. The channel's member list is not fetched for this: names are found
        by the rules quotes use, without the members' surnames."""
        preview = Scrubber.build(self.views.catalog, ctx.lang, ()).preview(text)
        if preview is None:
            return ""
        return "\n\n" + self.views.t(ctx.lang, "scrub.notice", text=preview)

    def _advance(self, turn: Turn, ctx: RoundContext, progress: ProgressRow, lead: str) -> None:
        progress.step += 1
        progress.choice = None
        progress.awaiting_choice = False
        turn.reply(self.views.after_step(ctx, progress.step, lead))

    async def choose(self, turn: Turn) -> None:
        ctx, progress = await self._locate(turn)
        value = turn.incoming.value or ""
        if ctx.is_finished(progress) or not ctx.phase_open(progress.step):
            raise CommandError("error.choice_stale")
        phase = ctx.phases[progress.step]
        if phase.choice is None or phase.choice.key != turn.incoming.action:
            raise CommandError("error.choice_stale")
        option = phase.choice.find(value)
        if option is None:
            raise CommandError("error.choice_stale")
        await self._choose(turn, ctx, progress, option.value)

    async def _choose(
        self, turn: Turn, ctx: RoundContext, progress: ProgressRow, value: str
    ) -> None:
        # The confirmation names the question, not the choice: the outbox row holding it sits
        # next to the person's platform id until sent (PRODUCT.md §4.1); their own chat
        # already shows what they pressed or typed.
        phase = ctx.phases[progress.step]
        number = progress.step + 1
        if progress.awaiting_choice:
            stored = await turn.session.scalars(
                select(AnswerRow).where(
                    AnswerRow.round_id == ctx.id,
                    AnswerRow.pseudonym == progress.pseudonym,
                    AnswerRow.phase == phase.key,
                )
            )
            for answer in stored:
                answer.choice = value
            self._advance(
                turn, ctx, progress, self.views.t(ctx.lang, "answer.choice_saved", number=number)
            )
            return
        progress.choice = value
        progress.started = True
        turn.reply(self.views.note(ctx.lang, "answer.choice_noted", number=number))

    async def skip(self, turn: Turn) -> None:
        ctx, progress = await self._locate(turn)
        if progress.editing:
            progress.editing = False
            turn.reply(self.views.note(ctx.lang, "answer.edit_cancelled"))
            return
        if ctx.is_finished(progress):
            raise CommandError("error.all_done")
        if not ctx.phase_open(progress.step):
            raise CommandError("error.phase_not_open")
        progress.started = True
        self._advance(turn, ctx, progress, self.views.t(ctx.lang, "answer.skipped"))

    async def edit(self, turn: Turn) -> None:
        ctx, progress = await self._locate(turn)
        last = await self._last_answered(turn, ctx, progress)
        if last is None:
            raise CommandError("error.nothing_to_edit")
        progress.editing = True
        turn.reply(
            self.views.note(ctx.lang, "answer.edit_ready", title=ctx.phases[last].title(ctx.lang))
        )

    async def _last_answered(
        self, turn: Turn, ctx: RoundContext, progress: ProgressRow
    ) -> int | None:
        phases = set(
            await turn.session.scalars(
                select(AnswerRow.phase).where(
                    AnswerRow.round_id == ctx.id, AnswerRow.pseudonym == progress.pseudonym
                )
            )
        )
        answered = [i for i, phase in enumerate(ctx.phases) if phase.key in phases]
        return max(answered) if answered else None

    async def _replace_last(
        self, turn: Turn, ctx: RoundContext, progress: ProgressRow, text: str
    ) -> None:
        last = await self._last_answered(turn, ctx, progress)
        progress.editing = False
        if last is None:
            raise CommandError("error.nothing_to_edit")
        key = ctx.phases[last].key
        old = (
            await turn.session.scalars(
                select(AnswerRow).where(
                    AnswerRow.round_id == ctx.id,
                    AnswerRow.pseudonym == progress.pseudonym,
                    AnswerRow.phase == key,
                )
            )
        ).all()
        choice = old[0].choice if old else None
        for row in old:
            await turn.session.delete(row)
        erases(turn.session)
        answer_id = uuid.uuid4().hex
        turn.store_answer(
            AnswerRow(
                id=answer_id,
                round_id=ctx.id,
                pseudonym=progress.pseudonym,
                phase=key,
                text=None,
                sealed=ctx.seal(answer_id, text),
                choice=choice,
                day=ctx.local_day(turn.now),
            )
        )
        lead = self.views.t(ctx.lang, "answer.replaced", title=ctx.phases[last].title(ctx.lang))
        lead += self._how_quoted(ctx, text)
        if ctx.is_finished(progress):
            turn.reply(Outgoing((Text(lead),)))
        else:
            turn.reply(self.views.after_step(ctx, progress.step, lead))

    async def forget(self, turn: Turn) -> None:
        """Erase every answer of this person that can still be linked (open rounds).

        The progress row stays, marked ``forgotten`` and emptied of choices: the round never
        contacts this pseudonym again (reminders, next phases), and the host's counts of
        invited, started and finished people do not change (PRODUCT.md §4.9)."""
        i = turn.incoming
        erased = 0
        rounds = 0
        for ctx in await turn.store.open_rounds(i.platform, i.workspace):
            if ctx.key is None:
                continue
            pseudonym = ctx.pseudonym(i.user_id)
            count = (
                await turn.session.scalar(
                    select(func.count())
                    .select_from(AnswerRow)
                    .where(AnswerRow.round_id == ctx.id, AnswerRow.pseudonym == pseudonym)
                )
                or 0
            )
            await turn.session.execute(
                delete(AnswerRow).where(
                    AnswerRow.round_id == ctx.id, AnswerRow.pseudonym == pseudonym
                )
            )
            result = await turn.session.execute(
                update(ProgressRow)
                .where(
                    ProgressRow.round_id == ctx.id,
                    ProgressRow.pseudonym == pseudonym,
                    ProgressRow.forgotten.is_(False),
                )
                .values(forgotten=True, choice=None, awaiting_choice=False, editing=False),
                execution_options={"synchronize_session": False},
            )
            turn.store.forget_progress(ctx, pseudonym)
            if getattr(result, "rowcount", 0):
                rounds += 1
                turn.lang = ctx.lang
            erased += count
        erases(turn.session)
        self.metrics.forgotten.inc(erased)
        log.info("forget me: %d answers erased in %d rounds", erased, rounds)
        turn.reply(
            self.views.note(
                turn.lang,
                "answer.forgotten",
                answers=self.views.count(turn.lang, "answers", erased),
                open_rounds=self.views.count(turn.lang, "open_rounds", rounds),
            )
        )
