"""Ballot stages after a round: the host opens one on a closed round (``stem``, ``feedback``,
or the template lists one after its questions), every invitee gets it privately, ``sluit`` or
the deadline closes it and posts the result when enough people took part (PRODUCT.md §4.5).

What a kind of stage means (its options, its buttons, its tally, its result) is a
:class:`StageBehaviour` registered under the name of its phase kind (:mod:`bot.core.phases`);
this module and :mod:`bot.core.ballots` are shared by all of them.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, select

from bot.core import drafts
from bot.core.ballots import BallotBox, Item, StageContext
from bot.core.ballots import Choices as Picked
from bot.core.commands import Command, CommandError
from bot.core.deadlines import parse_deadline
from bot.core.harvest import gather
from bot.core.messages import Heading, Outgoing, Text
from bot.core.phases import phase_kind
from bot.core.port import spoken_names
from bot.core.registry import Registry, Unregistered
from bot.core.results import REVIEW, Results
from bot.core.rounds import RoundContext
from bot.core.summary import StageNote, Summary
from bot.core.turn import Turn
from bot.core.views import Views
from bot.support.settings import Settings
from storage.models import BallotRow, DraftRow, RoundRow, StageRow

log = logging.getLogger(__name__)
POSTED = "posted"
DRAFTED = "drafted"
MAX_ITEMS = 60  # options or statements in one stage: more would not be read


@dataclass(frozen=True)
class Opening:
    """What the host asked for: where options come from (``themes``, ``ideas``, a list) and
    how many dots, for a vote; a deadline."""

    source: str = "themes"
    listed: tuple[str, ...] = ()
    dots: int = 3
    per_option: int = 1
    deadline: str | None = None
    minimum: int | None = None


class StageBehaviour(Protocol):
    """What one kind of stage means."""

    name: str
    actions: frozenset[str]
    # Words typed in the private chat that act like one of its fields: ``opmerking 2 …`` is
    # the comment field (the console has no fields), as ``{word: action}``.
    typed: Mapping[str, str]

    def items(self, summary: Summary, opening: Opening, views: Views, lang: str) -> list[Item]:
        """The options or statements, from the round's synthesis or the host's list."""
        ...

    def check(self, opening: Opening, items: list[Item]) -> None:
        """Refuse an opening that cannot work (too few options, more dots than allowed)."""
        ...

    def invitation(self, stage: StageContext, views: Views) -> Outgoing: ...

    async def act(
        self, turn: Turn, box: BallotBox, stage: StageContext, ballot: BallotRow, views: Views
    ) -> None:
        """A press (or a submitted comment) on this kind's message."""
        ...

    def tally(
        self,
        stage: StageContext,
        filled: list[Picked],
        comments: list[tuple[int, str]],
    ) -> dict[str, Any]:
        """The results to keep and publish, with everything below the threshold left out."""
        ...

    def result(self, stage: StageContext, views: Views, numbered: bool = False) -> Outgoing:
        """The post for the channel (from the stage's kept results); ``numbered`` marks
        each comment ``[n]`` for the host's review."""
        ...

    def comments(self, results: dict[str, Any]) -> int:
        """How many participants' comments the results hold."""
        ...

    def without_comment(self, results: dict[str, Any], number: int) -> dict[str, Any]:
        """The results without comment ``number`` (as numbered in the review)."""
        ...

    def harvest(self, stage: StageContext, views: Views) -> StageNote | None:
        """What the closed stage adds to summaries, digests and exports (None below the
        threshold)."""
        ...


def result_heading(stage: StageContext, views: Views) -> tuple[Heading, Outgoing | None]:
    """The heading of a closed stage's result, and the whole result when too few took part
    to publish anything (PRODUCT.md §4: below the threshold only that it was too few)."""
    lang = stage.voice
    heading = Heading(views.t(lang, f"stage.{stage.row.kind}.result_heading"))
    if (stage.results or {}).get("published"):
        return heading, None
    too_few = Text(views.t(lang, "stage.too_few", min=stage.row.min_respondents))
    return heading, Outgoing((heading, too_few))


class UnknownStage(Unregistered):
    what = "stage kind"


STAGES: Registry[StageBehaviour] = Registry(UnknownStage)


def register(behaviour: StageBehaviour) -> StageBehaviour:
    """Make a ballot kind usable; its name must be a registered phase kind with ``ballot``."""
    if not phase_kind(behaviour.name).ballot:
        raise ValueError(f"phase kind {behaviour.name!r} is not a ballot kind")
    return STAGES.add(behaviour.name, behaviour)


def stage_actions() -> frozenset[str]:
    return frozenset(a for b in STAGES.values() for a in b.actions)


def stage_ref(ref: str | None) -> tuple[str, int | None]:
    """``stage`` or ``stage:item`` as a button carries it."""
    stage, _, item = (ref or "").partition(":")
    return stage, int(item) if item.isdigit() else None


class Stages:
    """The host's commands on stages and everyone's presses on them."""

    def __init__(self, settings: Settings, views: Views, box: BallotBox) -> None:
        self.settings = settings
        self.views = views
        self.box = box
        self.results = Results(views, box, self.behaviour)

    def behaviour(self, kind: str) -> StageBehaviour:
        return STAGES.named(kind)

    async def summary_of(self, turn: Turn, ctx: RoundContext, names: list[str]) -> Summary:
        """The round's synthesis as the host last saw it: its draft (with the host's edits)
        while there is one, else the summary as it was published, else made again from the
        stored answers."""
        draft = await turn.session.get(DraftRow, ctx.id)
        if draft is not None:
            return drafts.loads(draft.content)
        if ctx.row.published:
            return drafts.loads(ctx.row.published)
        request = await gather(turn.session, ctx, self.views.catalog, names)
        summary = await turn.prepared.summary(request)
        # The options are chosen from it: never from a stand-in (prepared.py), so fetch first.
        turn.prepared.complete()
        return drafts.publishable(summary)

    async def open(
        self,
        turn: Turn,
        ctx: RoundContext,
        kind: str,
        opening: Opening,
        humans: list[str],
        names: list[str],
    ) -> StageContext:
        """Open a stage of ``kind`` on the closed round ``ctx`` for ``humans``, each invited
        privately; refused (:class:`CommandError`) when the synthesis has nothing to vote or
        react on."""
        behaviour = self.behaviour(kind)
        if await self.box.open_in_round(turn, ctx.id) is not None:
            raise CommandError("error.stage_running")
        minimum = ctx.row.min_respondents
        if opening.minimum is not None:
            if opening.minimum < minimum:
                raise CommandError("error.min_below", value=opening.minimum, count=minimum)
            minimum = opening.minimum
        deadline = None
        if opening.deadline is not None:
            deadline = parse_deadline(opening.deadline, turn.now, ctx.row.timezone)
        if opening.listed:  # the host's own options: no synthesis needed
            summary = Summary(ctx.lang, 0, minimum, ())
        else:
            summary = await self.summary_of(turn, ctx, names)
            if not summary.published:
                raise CommandError("error.too_few", count=ctx.row.min_respondents)
        items = behaviour.items(summary, opening, self.views, ctx.lang)[:MAX_ITEMS]
        behaviour.check(opening, items)
        stage = await self.box.open(
            turn,
            ctx.row,
            kind,
            items,
            humans,
            # No more dots than the options can hold: three dots on two options at one each
            # would promise a dot nobody can place.
            dots=min(opening.dots, len(items) * opening.per_option),
            per_option=opening.per_option,
            min_respondents=minimum,
            deadline=deadline,
        )
        invitation = behaviour.invitation(stage, self.views)
        for user in humans:
            turn.private(user, invitation)
        note = self.views.t(ctx.voice, f"stage.{kind}.opened", count=len(humans))
        if deadline is not None:
            note += " " + self.views.t(
                ctx.voice, "stage.deadline", when=self.views.when(ctx, deadline)
            )
        turn.channel(ctx.row.channel_id, Outgoing.text(note))
        log.info("round %s: %s stage opened for %d people", ctx.id, kind, len(humans))
        return stage

    async def open_next(self, turn: Turn, ctx: RoundContext, humans: list[Any]) -> None:
        """Open the next stage the round's template lists after its questions, if any (a
        template may end with a vote and then reactions to the harvest)."""
        specs = ctx.template.stages
        if not specs or ctx.row.status != "closed":
            return
        done = await turn.session.scalar(
            select(func.count()).select_from(StageRow).where(StageRow.round_id == ctx.id)
        )
        if (done or 0) >= len(specs):
            return
        spec = specs[done or 0]
        options = spec.options
        opening = Opening(
            source=options if isinstance(options, str) else "list",
            listed=() if isinstance(options, str) else options[ctx.lang],
            dots=spec.dots,
            per_option=spec.per_option,
        )
        try:
            await self.open(
                turn,
                ctx,
                spec.role,
                opening,
                [m.user_id for m in humans],
                spoken_names(humans),
            )
        except CommandError as error:  # too few answers to vote on: the round just ends
            log.info("round %s: template stage %s not opened (%s)", ctx.id, spec.key, error.key)

    async def open_in_channel(self, turn: Turn) -> StageContext | None:
        """The open stage of the channel's newest round, if any."""
        i = turn.incoming
        round_ctx = await turn.store.latest_in_channel(i.platform, i.workspace, i.channel_id or "")
        if round_ctx is None:
            return None
        row = await self.box.open_in_round(turn, round_ctx.id)
        return None if row is None else await self.box.context(turn, row)

    async def close(
        self,
        turn: Turn,
        stage: StageContext,
        names: list[str],
        members: list[str],
        host: str | None = None,
    ) -> str:
        """Count, keep the results, destroy the key; then the result to the channel
        (``--publiceer direct``, or too few took part to show anything), or privately to
        the host (``host``, or found among ``members``) for review first. Returns
        :data:`POSTED` or :data:`DRAFTED`."""
        behaviour = self.behaviour(stage.row.kind)
        filled = await self.box.filled(turn, stage)
        comments = await self.box.comments(turn, stage)
        if comments:
            from bot.core.scrub import Scrubber

            scrub = Scrubber.build(self.views.catalog, stage.lang, names)
            comments = [(item, scrub(text)) for item, text in comments]
        results = behaviour.tally(stage, filled, comments)
        await self.box.close(turn, stage, results)
        log.info("stage %s (%s) closed; its key destroyed", stage.id, stage.row.kind)
        round_row = stage.round
        if round_row.publish == "direct" or not results.get("published"):
            turn.channel(round_row.channel_id, behaviour.result(stage, self.views))
            return POSTED
        # PRODUCT.md §3, Publishing: the result reaches the host privately first.
        stage.row.status = REVIEW
        host = host or self.results.host_among(round_row, members)
        if host is not None:
            turn.private(host, self.results.preview(stage))
        turn.channel(round_row.channel_id, self.views.note(stage.voice, "stage.in_review"))
        return DRAFTED

    async def status(self, turn: Turn, stage: StageContext) -> Outgoing:
        invited, filled = await self.box.counts(turn, stage.id)
        return self.views.note(
            stage.voice, f"stage.{stage.row.kind}.status", done=filled, invited=invited
        )

    async def action(self, turn: Turn) -> None:
        """A press on a stage's message, by someone it was sent to."""
        stage_id, _ = stage_ref(turn.incoming.round_id)
        stage, ballot = await self.box.ballot(turn, stage_id)
        behaviour = self.behaviour(stage.row.kind)
        if turn.incoming.action not in behaviour.actions:
            raise CommandError("error.choice_stale")
        await behaviour.act(turn, self.box, stage, ballot, self.views)

    async def notes(self, turn: Turn, round_id: str) -> tuple[StageNote, ...]:
        """The priorities and agreement of the round's closed (and published) stages."""
        found = []
        for stage in await self.closed_stages(turn, round_id):
            note = self.behaviour(stage.row.kind).harvest(stage, self.views)
            if note is not None:
                found.append(note)
        return tuple(found)

    async def annotate(self, turn: Turn, round_id: str, summary: Summary) -> Summary:
        """``summary`` with the priorities and agreement of the round's closed stages."""
        notes = await self.notes(turn, round_id)
        return dataclasses.replace(summary, stages=notes) if notes else summary

    async def typed(self, turn: Turn) -> bool:
        """``opmerking 2 <tekst>`` in the private chat: the field it stands for, in the
        newest open stage the sender is invited to whose kind takes that word. False when
        the text is no such word (it is then an answer like any other)."""
        i = turn.incoming
        words = i.text.split(maxsplit=2)
        if len(words) < 3 or not words[1].isdigit():
            return False
        kinds = {
            name: b.typed[words[0].casefold()]
            for name, b in STAGES.items()
            if words[0].casefold() in b.typed
        }
        if not kinds:
            return False
        rows = await turn.session.scalars(
            select(StageRow)
            .join(RoundRow, RoundRow.id == StageRow.round_id)
            .where(
                StageRow.status == "open",
                StageRow.kind.in_(kinds),
                RoundRow.platform == i.platform,
                RoundRow.workspace == i.workspace,
            )
            .order_by(RoundRow.seq.desc(), StageRow.seq.desc())
        )
        for row in list(rows):
            stage = await self.box.context(turn, row)
            if stage.key is None:
                continue
            ballot = await turn.session.get(BallotRow, (stage.id, stage.pseudonym(i.user_id)))
            if ballot is None:
                continue
            turn.lang = stage.voice
            turn.incoming = dataclasses.replace(
                i, action=kinds[row.kind], value=f"{words[1]}\t{words[2]}", round_id=stage.id
            )
            stage, ballot = await self.box.ballot(turn, stage.id)
            await self.behaviour(row.kind).act(turn, self.box, stage, ballot, self.views)
            return True
        return False

    async def closed_stages(self, turn: Turn, round_id: str) -> list[StageContext]:
        """The round's closed stages, oldest first, for summaries and exports."""
        rows = await turn.session.scalars(
            select(StageRow)
            .where(StageRow.round_id == round_id, StageRow.status == "closed")
            .order_by(StageRow.seq)
        )
        round_row = await turn.session.get(RoundRow, round_id)
        assert round_row is not None
        return [StageContext(row, round_row, None) for row in rows]


def opening_of(command: Command) -> Opening:
    """The :class:`Opening` a parsed ``stem``/``feedback`` command asks for."""
    options: dict[str, Any] = dict(command.options)
    return Opening(
        source=str(options.get("source", "themes")),
        listed=tuple(str(o) for o in options.get("listed", ())),
        dots=int(options.get("dots", 3)),
        per_option=int(options.get("per_option", 1)),
        deadline=command.deadline,
        minimum=command.min_respondents,
    )
