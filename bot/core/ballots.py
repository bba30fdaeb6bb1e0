"""Ballots: what one person chose in a stage after a round (a dot-vote, reactions to the draft
harvest), stored under the stage's pseudonym only (PRODUCT.md §4.1, §4.10).

Each stage gets its own random key, kept in a key file outside the database like a round's
(:mod:`storage.keys`). A ballot row holds the keyed hash of the person (HMAC with that key,
as answers have), the choices as JSON and the day of the last change: no user id, no name,
no time. The invited get a row with no choices when the stage opens, so "not invited" is a
missing row and "voted" a row with choices. Changing a ballot replaces its choices; a retried
delivery of the same press changes nothing (the runtime drops a delivery id it saw before,
and a press sets a state rather than adding to one where it can).

Closing a stage writes its tallies, rewrites its ballots in the order of their pseudonyms
(random, so a dump no longer lists them in the order people voted), opens its comments into
plain text without a pseudonym, and destroys the key file once the close is durable: from
then on nothing links a ballot to a person. This module is the one place that stores ballots;
:mod:`bot.core.voting` and :mod:`bot.core.feedback` only say what a ballot means.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from bot.core.commands import CommandError
from bot.core.prompts import voice
from bot.core.pseudonyms import Keyring
from bot.core.turn import Turn
from storage.database import after_commit, erases
from storage.models import BallotCommentRow, BallotRow, RoundRow, StageRow, insert_rows

Choices = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Item:
    """An option of a vote or a statement of a feedback stage: its text (from the synthesis
    or the host's list) and the group of the synthesis it belongs to (a phase's title)."""

    text: str
    group: str = ""
    ref: str = ""  # the theme label or listed answer it comes from (notes beside it)


@dataclass
class StageContext:
    """A stage with its round and (while open) its key."""

    row: StageRow
    round: RoundRow
    key: bytes | None

    @property
    def id(self) -> str:
        return self.row.id

    @property
    def lang(self) -> str:
        """The round's language (``nl``, ``en``): for scrubbing and dates."""
        return self.round.language

    @property
    def voice(self) -> str:
        """The catalog voice its texts speak: the language with the round's form of address."""
        return voice(self.round.language, self.round.address)

    @property
    def is_open(self) -> bool:
        return self.row.status == "open" and self.key is not None

    @property
    def items(self) -> list[Item]:
        return [Item(**raw) for raw in json.loads(self.row.items)]

    @property
    def results(self) -> dict[str, Any] | None:
        return json.loads(self.row.results) if self.row.results else None

    def pseudonym(self, user_id: str) -> str:
        if self.key is None:
            raise LookupError("stage key destroyed")
        return Keyring.pseudonym(
            self.key, self.row.id, self.round.platform, self.round.workspace, user_id
        )


def dumps_items(items: Iterable[Item]) -> str:
    return json.dumps(
        [{"text": i.text, "group": i.group, "ref": i.ref} for i in items], ensure_ascii=False
    )


class BallotBox:
    """Stages and their ballots in one session: open, find, change, close."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    async def context(self, turn: Turn, row: StageRow) -> StageContext:
        round_row = await turn.session.get(RoundRow, row.round_id)
        assert round_row is not None
        key = self.keyring.round_key(row.id) if row.status == "open" else None
        return StageContext(row, round_row, key)

    async def open(
        self,
        turn: Turn,
        round_row: RoundRow,
        kind: str,
        items: list[Item],
        invited: Iterable[str],
        *,
        dots: int = 0,
        per_option: int = 0,
        min_respondents: int,
        deadline: Any = None,
    ) -> StageContext:
        """A new open stage of ``round_row`` with an empty ballot for each of ``invited``."""
        before = await turn.session.scalar(
            select(func.count()).select_from(StageRow).where(StageRow.round_id == round_row.id)
        )
        stage_id = uuid.uuid4().hex
        key = self.keyring.new_key_in(turn.session, stage_id)
        row = StageRow(
            id=stage_id,
            round_id=round_row.id,
            seq=(before or 0) + 1,
            kind=kind,
            status="open",
            items=dumps_items(items),
            dots=dots,
            per_option=per_option,
            min_respondents=min_respondents,
            deadline=deadline,
            opened_day=turn.today,
        )
        turn.session.add(row)
        await turn.session.flush()
        ctx = StageContext(row, round_row, key)
        pseudonyms = sorted({ctx.pseudonym(user) for user in invited})
        await insert_rows(
            turn.session,
            BallotRow,
            [
                {"stage_id": stage_id, "pseudonym": p, "choices": "{}", "day": None}
                for p in pseudonyms
            ],
        )
        return ctx

    async def open_in_round(self, turn: Turn, round_id: str) -> StageRow | None:
        """The open stage of a round, if any (one at a time)."""
        return await turn.session.scalar(
            select(StageRow)
            .where(StageRow.round_id == round_id, StageRow.status == "open")
            .with_for_update()
        )

    async def newest(self, turn: Turn, round_id: str, kind: str | None = None) -> StageRow | None:
        """The round's newest stage (of ``kind``), open or closed."""
        query = select(StageRow).where(StageRow.round_id == round_id)
        if kind is not None:
            query = query.where(StageRow.kind == kind)
        return await turn.session.scalar(query.order_by(StageRow.seq.desc()).limit(1))

    async def ballot(self, turn: Turn, stage_id: str) -> tuple[StageContext, BallotRow]:
        """The sender's ballot in an open stage; refused when the stage is closed or the
        sender was not invited."""
        row = await turn.session.get(StageRow, stage_id, with_for_update=True)
        i = turn.incoming
        if row is None:
            raise CommandError("error.stage_unknown")
        ctx = await self.context(turn, row)
        if (ctx.round.platform, ctx.round.workspace) != (i.platform, i.workspace):
            raise CommandError("error.stage_unknown")
        turn.lang = ctx.voice
        if not ctx.is_open:
            raise CommandError("error.stage_closed")
        ballot = await turn.session.get(
            BallotRow, (stage_id, ctx.pseudonym(i.user_id)), with_for_update=True
        )
        if ballot is None:
            raise CommandError("error.stage_not_invited")
        return ctx, ballot

    @staticmethod
    def choices(ballot: BallotRow) -> Choices:
        found: Choices = json.loads(ballot.choices or "{}")
        return found

    @staticmethod
    def keep(turn: Turn, ballot: BallotRow, choices: Choices) -> None:
        """Replace the ballot's choices (sorted, so equal ballots are equal bytes); the day of
        the change is the only time kept."""
        ballot.choices = json.dumps(dict(sorted(choices.items())), ensure_ascii=False)
        ballot.day = turn.today if choices else None

    async def comment(self, turn: Turn, ctx: StageContext, item: int, text: str) -> None:
        """A comment on statement ``item``, sealed under the stage's key."""
        assert ctx.key is not None
        comment_id = uuid.uuid4().hex
        turn.session.add(
            BallotCommentRow(
                id=comment_id,
                stage_id=ctx.id,
                pseudonym=ctx.pseudonym(turn.incoming.user_id),
                item=item,
                text=None,
                sealed=Keyring.seal(ctx.key, ctx.id, comment_id, text),
                day=turn.today,
            )
        )

    async def counts(self, turn: Turn, stage_id: str) -> tuple[int, int]:
        """(invited, with a ballot filled in): the progress a host may see."""
        rows = list(
            await turn.session.scalars(
                select(BallotRow.choices).where(BallotRow.stage_id == stage_id)
            )
        )
        return len(rows), sum(1 for c in rows if c not in ("{}", ""))

    async def filled(self, turn: Turn, ctx: StageContext) -> list[Choices]:
        """Every filled-in ballot's choices, in the order of the pseudonyms (no one's)."""
        rows = await turn.session.scalars(
            select(BallotRow.choices)
            .where(BallotRow.stage_id == ctx.id)
            .order_by(BallotRow.pseudonym)
        )
        return [json.loads(c) for c in rows if c not in ("{}", "")]

    async def comments(self, turn: Turn, ctx: StageContext) -> list[tuple[int, str]]:
        """(statement, text) of every comment, opened while the key is there."""
        rows = await turn.session.scalars(
            select(BallotCommentRow).where(BallotCommentRow.stage_id == ctx.id)
        )
        return sorted((row.item, text) for row, text in _opened(ctx, rows))

    async def close(self, turn: Turn, ctx: StageContext, results: dict[str, Any]) -> None:
        """Close the stage with its ``results``: ballots rewritten in pseudonym order,
        comments opened and unlinked, the key destroyed once the close is durable."""
        session = turn.session
        old = list(await session.scalars(select(BallotRow).where(BallotRow.stage_id == ctx.id)))
        ballots = sorted(
            (
                {"stage_id": ctx.id, "pseudonym": b.pseudonym, "choices": b.choices, "day": b.day}
                for b in old
            ),
            key=lambda b: str(b["pseudonym"]),
        )
        rows = list(
            await session.scalars(
                select(BallotCommentRow).where(BallotCommentRow.stage_id == ctx.id)
            )
        )
        opened = [
            {
                "id": uuid.uuid4().hex,
                "stage_id": ctx.id,
                "pseudonym": None,
                "item": row.item,
                "text": text,
                "sealed": None,
                "day": row.day,
            }
            for row, text in _opened(ctx, rows)
        ]
        opened.sort(key=lambda r: str(r["id"]))
        for stale in [*old, *rows]:
            session.expunge(stale)
        await session.execute(
            delete(BallotRow).where(BallotRow.stage_id == ctx.id),
            execution_options={"synchronize_session": False},
        )
        await session.execute(
            delete(BallotCommentRow).where(BallotCommentRow.stage_id == ctx.id),
            execution_options={"synchronize_session": False},
        )
        await insert_rows(session, BallotRow, ballots)
        await insert_rows(session, BallotCommentRow, opened)
        ctx.row.status = "closed"
        ctx.row.closed_day = turn.today
        ctx.row.results = json.dumps(results, ensure_ascii=False)
        ctx.key = None
        stage_id = ctx.id
        after_commit(session, lambda: self.keyring.destroy_round_key(stage_id))
        erases(session)

    async def forget(self, turn: Turn, platform: str, workspace: str, user_id: str) -> int:
        """*Forget me* (PRODUCT.md §4.9): empty the sender's ballots in every open stage and
        drop their comments; returns how many ballots held choices."""
        stages = await turn.session.scalars(
            select(StageRow)
            .join(RoundRow, RoundRow.id == StageRow.round_id)
            .where(
                StageRow.status == "open",
                RoundRow.platform == platform,
                RoundRow.workspace == workspace,
            )
        )
        erased = 0
        for row in list(stages):
            ctx = await self.context(turn, row)
            if ctx.key is None:
                continue
            pseudonym = ctx.pseudonym(user_id)
            ballot = await turn.session.get(BallotRow, (ctx.id, pseudonym), with_for_update=True)
            if ballot is None:
                continue
            if self.choices(ballot):
                erased += 1
            self.keep(turn, ballot, {})
            await turn.session.execute(
                delete(BallotCommentRow).where(
                    BallotCommentRow.stage_id == ctx.id, BallotCommentRow.pseudonym == pseudonym
                )
            )
        if erased:
            erases(turn.session)
        return erased


def _opened(
    ctx: StageContext, rows: Iterable[BallotCommentRow]
) -> Iterator[tuple[BallotCommentRow, str]]:
    """Each comment row with its text: as stored once the stage closed, opened with the
    stage key while it is open; a sealed comment without the key is left out."""
    for row in rows:
        text = row.text
        if text is None and row.sealed is not None and ctx.key is not None:
            text = Keyring.open_sealed(ctx.key, ctx.id, row.id, row.sealed)
        if text is not None:
            yield row, text
