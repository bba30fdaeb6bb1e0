"""Loading rounds and their participants: the queries every command starts from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.prompts import voice
from bot.core.pseudonyms import Keyring
from bot.core.templates import Phase, Template, Templates
from storage.models import ProgressRow, RoundRow


@dataclass
class RoundContext:
    """A round with its template and (while open) its unwrapped pseudonym key."""

    row: RoundRow
    template: Template
    key: bytes | None

    @property
    def id(self) -> str:
        return self.row.id

    @property
    def lang(self) -> str:
        """The round's language (``nl``, ``en``): for dates, synthesis and storage."""
        return self.row.language

    @property
    def voice(self) -> str:
        """The round's language in its form of address (``nl``, ``nl-u``, ``en``): for every
        text a person reads."""
        return voice(self.row.language, self.row.address)

    @property
    def phases(self) -> tuple[Phase, ...]:
        return self.template.phases

    def pseudonym(self, user_id: str) -> str:
        if self.key is None:
            raise LookupError("round key destroyed")
        return Keyring.pseudonym(
            self.key, self.row.id, self.row.platform, self.row.workspace, user_id
        )

    def seal(self, answer_id: str, text: str) -> bytes:
        """``text`` sealed for the answer row ``answer_id`` (only while the round is open)."""
        if self.key is None:
            raise LookupError("round key destroyed")
        return Keyring.seal(self.key, self.row.id, answer_id, text)

    def text_of(self, answer_id: str, text: str | None, sealed: bytes | None) -> str | None:
        """An answer's text: plain once the round closed, else opened with the round key;
        None for a sealed answer whose key is gone."""
        if text is not None:
            return text
        if sealed is None or self.key is None:
            return None
        return Keyring.open_sealed(self.key, self.row.id, answer_id, sealed)

    def local_day(self, moment: dt.datetime) -> dt.date:
        """The date in the round's time zone: an answer keeps only this day, and weekly
        digests count local weeks (a Sunday-night answer must not land in the next week)."""
        return moment.astimezone(ZoneInfo(self.row.timezone)).date()

    def is_finished(self, progress: ProgressRow) -> bool:
        return progress.step >= len(self.phases) and not progress.awaiting_choice

    def phase_open(self, step: int) -> bool:
        return not self.row.paced or step <= self.row.open_phase


@dataclass
class Batch:
    """What private messages applied together in one transaction share, so that most of them
    need no query of their own: the open rounds per workspace (such a batch opens and closes
    no round) and the progress rows of everyone in the batch, loaded in one query."""

    rounds: dict[tuple[str, str], list[RoundContext]] = field(default_factory=dict)
    progress: dict[tuple[str, str], ProgressRow | None] = field(default_factory=dict)

    def clear(self) -> None:
        self.rounds.clear()
        self.progress.clear()


class RoundStore:
    """Round queries inside one session."""

    def __init__(
        self,
        session: AsyncSession,
        keyring: Keyring,
        templates: Templates,
        batch: Batch | None = None,
    ) -> None:
        self.session = session
        self.keyring = keyring
        self.templates = templates
        self.batch = batch

    async def context(self, row: RoundRow) -> RoundContext:
        template = self.templates.get(row.template) or self.templates.default
        # A closed round's key is gone; a file left by a crash between the close's commit and
        # the file's destruction is not used (and is destroyed at the next start).
        key = self.keyring.round_key(row.id) if row.status == "open" else None
        return RoundContext(row, template, key)

    async def open_in_channel(
        self, platform: str, workspace: str, channel_id: str, lane: str | None = None
    ) -> RoundContext | None:
        """The channel's open round in ``lane`` ("" for a round started with ``start``, a
        theme for a theme round); with no lane given, the newest open round."""
        query = _open_rounds(platform, workspace, channel_id).limit(1)
        if lane is not None:
            query = query.where(RoundRow.lane == lane)
        row = await self.session.scalar(query)
        return await self.context(row) if row is not None else None

    async def all_open_in_channel(
        self, platform: str, workspace: str, channel_id: str
    ) -> list[RoundContext]:
        """Every open round of the channel (one per lane), newest first, locked."""
        rows = await self.session.scalars(_open_rounds(platform, workspace, channel_id))
        return [await self.context(row) for row in rows]

    async def latest_in_channel(
        self, platform: str, workspace: str, channel_id: str
    ) -> RoundContext | None:
        """The channel's newest round, open or closed."""
        row = await self.session.scalar(
            select(RoundRow)
            .where(
                RoundRow.platform == platform,
                RoundRow.workspace == workspace,
                RoundRow.channel_id == channel_id,
            )
            .order_by(RoundRow.seq.desc())
            .limit(1)
        )
        return await self.context(row) if row is not None else None

    async def open_rounds(self, platform: str, workspace: str) -> list[RoundContext]:
        if self.batch is not None and (platform, workspace) in self.batch.rounds:
            return self.batch.rounds[(platform, workspace)]
        rows = await self.session.scalars(
            select(RoundRow)
            .where(
                RoundRow.platform == platform,
                RoundRow.workspace == workspace,
                RoundRow.status == "open",
            )
            .order_by(RoundRow.seq.desc())
        )
        contexts = [await self.context(row) for row in rows]
        if self.batch is not None:
            self.batch.rounds[(platform, workspace)] = contexts
        return contexts

    async def by_id(self, round_id: str) -> RoundContext | None:
        row = await self.session.get(RoundRow, round_id)
        return await self.context(row) if row is not None else None

    async def load_progress(self, platform: str, workspace: str, users: Iterable[str]) -> None:
        """Load, in one query per open round, the progress of ``users`` into the batch."""
        assert self.batch is not None
        for ctx in await self.open_rounds(platform, workspace):
            if ctx.key is None:
                continue
            wanted = {ctx.pseudonym(user) for user in users}
            rows = await self.session.scalars(
                select(ProgressRow)
                .where(ProgressRow.round_id == ctx.id, ProgressRow.pseudonym.in_(wanted))
                # PostgreSQL: locked as one message's turn locks its row, in one order for
                # every process so that two batches cannot deadlock.
                .order_by(ProgressRow.pseudonym)
                .with_for_update()
            )
            found = {row.pseudonym: row for row in rows}
            for pseudonym in wanted:
                self.batch.progress[(ctx.id, pseudonym)] = found.get(pseudonym)

    def forget_progress(self, ctx: RoundContext, pseudonym: str) -> None:
        """The row is gone (forget me): later turns of the batch must not find it loaded."""
        if self.batch is not None:
            self.batch.progress[(ctx.id, pseudonym)] = None

    async def progress(self, ctx: RoundContext, pseudonym: str) -> ProgressRow | None:
        if self.batch is not None and (ctx.id, pseudonym) in self.batch.progress:
            return self.batch.progress[(ctx.id, pseudonym)]
        return await self.session.scalar(
            select(ProgressRow)
            .where(ProgressRow.round_id == ctx.id, ProgressRow.pseudonym == pseudonym)
            .with_for_update()
        )

    async def participation(
        self, platform: str, workspace: str, user_id: str
    ) -> tuple[RoundContext, ProgressRow] | None:
        """The open round a private text belongs to: the newest round the person has begun
        and not finished (so a theme round that opens meanwhile does not take the answers
        of the round they are in), else the newest unfinished one, else the newest they take
        part in."""
        unfinished: tuple[RoundContext, ProgressRow] | None = None
        fallback: tuple[RoundContext, ProgressRow] | None = None
        for ctx in await self.open_rounds(platform, workspace):
            if ctx.key is None:
                continue
            progress = await self.progress(ctx, ctx.pseudonym(user_id))
            if progress is None or progress.forgotten:
                continue
            if not ctx.is_finished(progress):
                begun = progress.started or progress.choice is not None
                if begun or progress.awaiting_choice:
                    return ctx, progress
                unfinished = unfinished or (ctx, progress)
            fallback = fallback or (ctx, progress)
        return unfinished or fallback

    async def next_seq(self) -> int:
        current = await self.session.scalar(select(func.max(RoundRow.seq)))
        return (current or 0) + 1


def _open_rounds(platform: str, workspace: str, channel_id: str) -> Select[RoundRow]:
    """The channel's open rounds, newest first, locked: host commands and timers on one round
    take turns (PostgreSQL row lock), so a `close` and the deadline cannot both close it."""
    return (
        select(RoundRow)
        .where(
            RoundRow.platform == platform,
            RoundRow.workspace == workspace,
            RoundRow.channel_id == channel_id,
            RoundRow.status == "open",
        )
        .order_by(RoundRow.seq.desc())
        .with_for_update()
    )
