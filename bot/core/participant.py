"""What participants do in their private chat: answer, choose, skip, edit, forget me."""

from __future__ import annotations

import logging
import re
import uuid
from collections import Counter

from sqlalchemy import delete, func, select, update

from bot.core.commands import CommandError
from bot.core.invitees import quiet, quiet_closed
from bot.core.messages import Block, Choices, Divider, Option, Outgoing, Text
from bot.core.normalise import is_blank
from bot.core.phases import STORY
from bot.core.rounds import RoundContext
from bot.core.scrub import Scrubber
from bot.core.segments import DECLINE, chosen, pending
from bot.core.slips import confirm_word, is_slip
from bot.core.turn import Turn
from bot.core.views import Views
from bot.support.metrics import Metrics
from storage.database import erases
from storage.models import AnswerRow, ProgressRow

log = logging.getLogger(__name__)
_CHOICE_PREFIX = re.compile(r"^\s*([\w-]+)\s*[:\-–]\s*(.+)$", re.DOTALL)
# A first story shorter than this many words is confirmed before the next question.
SHORT_STORY_WORDS = 4


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
        turn.lang = ctx.voice
        return ctx, progress

    async def answer(self, turn: Turn) -> None:
        ctx, progress = await self._locate(turn)
        text = turn.incoming.text.strip()
        if is_blank(text):
            raise CommandError("error.empty_answer")
        if pending(ctx, progress.segment):
            await self._segment(turn, ctx, progress, text)
            return
        if len(text) > self.max_chars:
            raise CommandError("error.too_long", limit=self.max_chars, count=len(text))
        word = confirm_word(text) if progress.confirming else None
        if word == "more":
            turn.reply(self.views.note(ctx.voice, "answer.tell_more"))
            return
        if word == "keep":
            await self._confirmed(turn, ctx, progress, self.views.t(ctx.voice, "answer.stored"))
            return
        if is_slip(text):
            # A question to the bot or a stray word: help, and nothing stored (slips.py).
            self.metrics.slips.inc()
            turn.reply(
                Outgoing(
                    (
                        Text(self.views.t(ctx.voice, "answer.slip")),
                        Text(self.views.t(ctx.voice, "help.private")),
                    )
                )
            )
            return
        if progress.confirming:
            await self._add_to_story(turn, ctx, progress, text)
            return
        if progress.editing:
            await self._replace(turn, ctx, progress, text)
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
        _store_sealed(turn, ctx, progress, phase.key, text, progress.choice)
        progress.started = True
        self.metrics.answers.inc()
        notice = self._how_quoted(ctx, text)
        if phase.kind is STORY and len(text.split()) < SHORT_STORY_WORDS:
            progress.confirming = True
            turn.reply(
                Outgoing(
                    (Text(self.views.t(ctx.voice, "answer.short") + notice), self._confirm(ctx))
                )
            )
            return
        if choice_spec is not None and choice_spec.required and progress.choice is None:
            progress.awaiting_choice = True
            turn.reply(
                Outgoing(
                    (
                        Text(self.views.t(ctx.voice, "answer.stored_choose") + notice),
                        self.views.choice_buttons(ctx, phase),
                    )
                )
            )
            return
        await self._advance(turn, ctx, progress, self.views.t(ctx.voice, "answer.stored") + notice)

    def _confirm(self, ctx: RoundContext) -> Choices:
        """The "is this right, or more?" buttons; typed, ``klopt``/``keep`` and ``meer``/``more``
        do the same (the local adapter numbers them)."""
        return Choices(
            "confirm",
            (
                Option("keep", self.views.t(ctx.voice, "answer.keep_button")),
                Option("more", self.views.t(ctx.voice, "answer.more_button")),
            ),
            ctx.id,
        )

    async def confirm(self, turn: Turn) -> None:
        """A press on the confirm choice of a short first story."""
        ctx, progress = await self._locate(turn)
        if not progress.confirming or turn.incoming.value not in ("keep", "more"):
            raise CommandError("error.choice_stale")
        if turn.incoming.value == "more":
            turn.reply(self.views.note(ctx.voice, "answer.tell_more"))
            return
        await self._confirmed(turn, ctx, progress, self.views.t(ctx.voice, "answer.stored"))

    async def _confirmed(
        self, turn: Turn, ctx: RoundContext, progress: ProgressRow, lead: str
    ) -> None:
        """The short story stands: ask its choice when one is still needed, else go on."""
        progress.confirming = False
        phase = ctx.phases[progress.step]
        if phase.choice is not None and phase.choice.required and progress.choice is None:
            progress.awaiting_choice = True
            turn.reply(
                Outgoing(
                    (
                        Text(self.views.t(ctx.voice, "answer.stored_choose")),
                        self.views.choice_buttons(ctx, phase),
                    )
                )
            )
            return
        await self._advance(turn, ctx, progress, lead)

    async def _add_to_story(
        self, turn: Turn, ctx: RoundContext, progress: ProgressRow, more: str
    ) -> None:
        """More words after a short first story: they join it as one answer (re-sealed under a
        new random id, the same day rule), then the round goes on."""
        phase = ctx.phases[progress.step]
        rows = await self._rows(turn, ctx, progress, phase.key)
        before = [ctx.text_of(r.id, r.text, r.sealed) or "" for r in rows]
        text = "\n\n".join([*(t for t in before if t), more])
        if len(text) > self.max_chars:
            raise CommandError("error.too_long", limit=self.max_chars, length=len(text))
        choice = next((r.choice for r in rows if r.choice), progress.choice)
        await self._store_over(turn, ctx, progress, phase.key, rows, text, choice)
        if choice is not None:
            progress.choice = choice
        lead = self.views.t(ctx.voice, "answer.added") + self._how_quoted(ctx, text)
        await self._confirmed(turn, ctx, progress, lead)

    async def _rows(
        self, turn: Turn, ctx: RoundContext, progress: ProgressRow, key: str
    ) -> list[AnswerRow]:
        return list(
            (
                await turn.session.scalars(
                    select(AnswerRow).where(
                        AnswerRow.round_id == ctx.id,
                        AnswerRow.pseudonym == progress.pseudonym,
                        AnswerRow.phase == key,
                    )
                )
            ).all()
        )

    async def _store_over(
        self,
        turn: Turn,
        ctx: RoundContext,
        progress: ProgressRow,
        key: str,
        old: list[AnswerRow],
        text: str,
        choice: str | None,
    ) -> None:
        """Replace ``old`` (this person's answers to ``key``) by one answer ``text``."""
        for row in old:
            await turn.session.delete(row)
        erases(turn.session)
        _store_sealed(turn, ctx, progress, key, text, choice)

    async def _answered_keys(
        self, turn: Turn, ctx: RoundContext, progress: ProgressRow
    ) -> set[str]:
        """The phases this person answered, this turn's new answers included (the runtime
        inserts those after the turn)."""
        stored = set(
            await turn.session.scalars(
                select(AnswerRow.phase).where(
                    AnswerRow.round_id == ctx.id, AnswerRow.pseudonym == progress.pseudonym
                )
            )
        )
        return stored | {
            a.phase
            for a in turn.answers
            if a.round_id == ctx.id and a.pseudonym == progress.pseudonym
        }

    async def _still_open(self, turn: Turn, ctx: RoundContext, progress: ProgressRow) -> list[int]:
        """The questions this person passed without an answer that can still be answered."""
        answered = await self._answered_keys(turn, ctx, progress)
        return [
            i
            for i in range(min(progress.step, len(ctx.phases)))
            if ctx.phases[i].key not in answered and ctx.phase_open(i)
        ]

    def _open_line(self, ctx: RoundContext, skipped: list[int]) -> str:
        listed = ", ".join(f"{i + 1}. *{ctx.phases[i].title(ctx.voice)}*" for i in skipped)
        return self.views.t(
            ctx.voice,
            "answer.open_list",
            count=len(skipped),
            questions=listed,
            first=skipped[0] + 1,
        )

    async def still_open(self, turn: Turn) -> None:
        """``nog open`` / ``open``: the skipped questions that can still be answered."""
        ctx, progress = await self._locate(turn)
        skipped = await self._still_open(turn, ctx, progress)
        if not skipped:
            turn.reply(self.views.note(ctx.voice, "answer.none_open"))
            return
        turn.reply(Outgoing((Text(self._open_line(ctx, skipped)),)))

    async def mine(self, turn: Turn) -> None:
        """``mijn antwoorden``: the questions this person has passed, numbered, each marked
        answered (how many answers) or skipped, while the round is open. Never the answers
        themselves: the reply waits in the outbox beside the person's platform id (PRODUCT.md
        §4; issue 13, item 4), and their own chat already shows what they wrote."""
        ctx, progress = await self._locate(turn)
        answered: Counter[str] = Counter(
            await turn.session.scalars(
                select(AnswerRow.phase).where(
                    AnswerRow.round_id == ctx.id, AnswerRow.pseudonym == progress.pseudonym
                )
            )
        )
        seen = max(
            [min(progress.step, len(ctx.phases))]
            + [i + 1 for i, p in enumerate(ctx.phases) if answered[p.key]]
        )
        if seen == 0:
            raise CommandError("error.nothing_to_edit")
        lines = [self.views.t(ctx.voice, "answer.mine_heading")]
        for i in range(seen):
            phase = ctx.phases[i]
            count = answered[phase.key]
            state = (
                self.views.t(ctx.voice, "answer.mine_answered", count=count)
                if count
                else self.views.t(ctx.voice, "answer.mine_skipped")
            )
            lines.append(f"{i + 1}. *{phase.title(ctx.voice)}*: {state}")
        lines.append(self.views.t(ctx.voice, "answer.mine_hint"))
        turn.reply(Outgoing((Text("\n".join(lines)),)))

    def _how_quoted(self, ctx: RoundContext, text: str) -> str:
        """When scrubbing changes ``text`` (a name, number or address), a paragraph telling its
        author how it will read in quotes, so they can still change it (PRODUCT.md §4.6);
        otherwise nothing. The channel's member list is not fetched for this: names are found
        by the rules quotes use, without the members' surnames."""
        preview = Scrubber.build(self.views.catalog, ctx.lang, ()).preview(text)
        if preview is None:
            return ""
        return "\n\n" + self.views.t(ctx.voice, "scrub.notice", text=preview)

    async def _advance(
        self, turn: Turn, ctx: RoundContext, progress: ProgressRow, lead: str
    ) -> None:
        progress.step += 1
        progress.choice = None
        progress.awaiting_choice = False
        progress.confirming = False
        await self._reply_next(turn, ctx, progress, lead)

    async def _reply_next(
        self, turn: Turn, ctx: RoundContext, progress: ProgressRow, lead: str
    ) -> None:
        """What comes next, and at the end a line naming the questions still open."""
        message = self.views.after_step(ctx, progress.step, lead)
        if ctx.is_finished(progress):
            skipped = await self._still_open(turn, ctx, progress)
            if skipped:
                message = Outgoing((*message.blocks, Text(self._open_line(ctx, skipped))))
            else:
                message = Outgoing((*message.blocks, *await self._next_round(turn, ctx)))
        turn.reply(message)

    async def _next_round(self, turn: Turn, done: RoundContext) -> list[Block]:
        """After the last question of one round: the question the person's next answer goes
        to, when another open round (a theme round beside this one) still waits for them."""
        i = turn.incoming
        found = await turn.store.participation(i.platform, i.workspace, i.user_id)
        if found is None or found[0].id == done.id:
            return []
        ctx, progress = found
        if ctx.is_finished(progress) or not ctx.phase_open(progress.step):
            return []
        title = ctx.template.name(ctx.voice)
        if ctx.row.theme:
            title = f"{title}: {ctx.row.theme}"
        lead = Text(self.views.t(ctx.voice, "answer.next_round", title=title))
        return [Divider(), lead, *self.views.prompt_blocks(ctx, progress.step, progress.choice)]

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
        if progress.confirming:
            # a choice pressed under a short first story: the story stands
            progress.awaiting_choice = True
            progress.confirming = False
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
            await self._advance(
                turn, ctx, progress, self.views.t(ctx.voice, "answer.choice_saved", number=number)
            )
            return
        progress.choice = value
        progress.started = True
        turn.reply(self.views.note(ctx.voice, "answer.choice_noted", number=number))

    async def segment(self, turn: Turn) -> None:
        """A press on the group question (bot/core/segments.py)."""
        ctx, progress = await self._locate(turn)
        if not pending(ctx, progress.segment):
            raise CommandError("error.choice_stale")
        await self._segment(turn, ctx, progress, turn.incoming.value or "")

    async def _segment(
        self, turn: Turn, ctx: RoundContext, progress: ProgressRow, value: str
    ) -> None:
        """Store the group under the pseudonym (or that the person would rather not say) and
        send the first question. The reply never repeats which group was chosen: it waits in
        the outbox beside the person's id."""
        progress.segment = chosen(ctx, value)
        lead = self.views.t(ctx.voice, "segment.thanks")
        turn.reply(self.views.after_step(ctx, progress.step, lead))

    async def skip(self, turn: Turn) -> None:
        ctx, progress = await self._locate(turn)
        if pending(ctx, progress.segment):
            await self._segment(turn, ctx, progress, DECLINE)
            return
        if progress.editing:
            progress.editing = False
            progress.target = None
            turn.reply(self.views.note(ctx.voice, "answer.edit_cancelled"))
            return
        if progress.confirming:
            # the short story is already stored: skipping the confirm keeps it
            await self._confirmed(turn, ctx, progress, self.views.t(ctx.voice, "answer.stored"))
            return
        if ctx.is_finished(progress):
            raise CommandError("error.all_done")
        if not ctx.phase_open(progress.step):
            raise CommandError("error.phase_not_open")
        progress.started = True
        await self._advance(turn, ctx, progress, self.views.t(ctx.voice, "answer.skipped"))

    async def edit(self, turn: Turn, number: str | None = None) -> None:
        """``edit``: the last question passed, answered or skipped; ``wijzig 2``: question 2
        (any question already passed). The next message answers or replaces it."""
        ctx, progress = await self._locate(turn)
        passed = min(progress.step, len(ctx.phases))
        if number is None:
            if passed == 0:
                raise CommandError("error.nothing_to_edit")
            index = passed - 1
        else:
            if not number.isdigit() or not 1 <= int(number) <= len(ctx.phases):
                raise CommandError("error.edit_number", word=number[:12], total=len(ctx.phases))
            index = int(number) - 1
            if index >= passed:
                raise CommandError("error.edit_not_yet", number=index + 1)
        if not ctx.phase_open(index):
            raise CommandError("error.phase_not_open")
        answered = ctx.phases[index].key in await self._answered_keys(turn, ctx, progress)
        progress.editing = True
        progress.target = index
        progress.confirming = False
        key = "answer.edit_ready" if answered else "answer.answer_later_ready"
        turn.reply(
            self.views.note(
                ctx.voice, key, title=ctx.phases[index].title(ctx.voice), number=index + 1
            )
        )

    async def _replace(
        self, turn: Turn, ctx: RoundContext, progress: ProgressRow, text: str
    ) -> None:
        """Store ``text`` as the answer to the chosen question, over any earlier one. An
        answer given later gets today's day and a new random id, like any answer (§4.3)."""
        index = (
            progress.target
            if progress.target is not None
            else min(progress.step, len(ctx.phases)) - 1
        )
        progress.editing = False
        progress.target = None
        if index < 0:
            raise CommandError("error.nothing_to_edit")
        phase = ctx.phases[index]
        old = await self._rows(turn, ctx, progress, phase.key)
        choice = next((r.choice for r in old if r.choice), None)
        if phase.choice is not None and choice is None:
            prefix = _CHOICE_PREFIX.match(text)
            option = phase.choice.find(prefix.group(1)) if prefix else None
            if prefix and option is not None:
                choice, text = option.value, prefix.group(2).strip()
        await self._store_over(turn, ctx, progress, phase.key, old, text, choice)
        if not old:
            self.metrics.answers.inc()
        key = "answer.replaced" if old else "answer.answered_later"
        lead = self.views.t(ctx.voice, key, title=phase.title(ctx.voice))
        lead += self._how_quoted(ctx, text)
        if ctx.is_finished(progress):
            skipped = await self._still_open(turn, ctx, progress)
            blocks: list = [Text(lead)]
            if skipped:
                blocks.append(Text(self._open_line(ctx, skipped)))
            turn.reply(Outgoing(tuple(blocks)))
        else:
            await self._reply_next(turn, ctx, progress, lead)

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
                .values(
                    forgotten=True,
                    segment=None,
                    choice=None,
                    awaiting_choice=False,
                    editing=False,
                    target=None,
                    confirming=False,
                ),
                execution_options={"synchronize_session": False},
            )
            turn.store.forget_progress(ctx, pseudonym)
            # Nor will a thank-you or an action's news reach them (bot/core/invitees.py).
            await quiet(turn, ctx, i.user_id)
            if getattr(result, "rowcount", 0):
                rounds += 1
                turn.lang = ctx.voice
            erased += count
        await quiet_closed(turn, i.platform, i.workspace, i.user_id)
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


def _store_sealed(
    turn: Turn,
    ctx: RoundContext,
    progress: ProgressRow,
    phase: str,
    text: str,
    choice: str | None,
) -> None:
    """Store one answer under a fresh random id, its text sealed with the round's key while
    the round is open (written out at close), with the day only (PRODUCT.md §4)."""
    answer_id = uuid.uuid4().hex
    turn.store_answer(
        AnswerRow(
            id=answer_id,
            round_id=ctx.id,
            pseudonym=progress.pseudonym,
            phase=phase,
            text=None,
            sealed=ctx.seal(answer_id, text),
            choice=choice,
            day=ctx.local_day(turn.now),
        )
    )
