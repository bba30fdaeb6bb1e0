"""One handled ``Incoming``: the session it runs in, and what it asks to store and deliver.

The router fills a :class:`Turn` and returns its :class:`TurnResult`: the new answers and
the deliveries (each in the language the turn spoke when it made it). The runtime writes both
in the turn's transaction; the core never inserts answers or outbox rows itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.commands import CommandError
from bot.core.messages import Delivery, Incoming, Outgoing, Target, TargetKind
from bot.core.prepared import Prepared
from bot.core.rounds import RoundStore
from storage.models import AnswerRow


@dataclass(frozen=True, slots=True)
class TurnResult:
    """What the runtime persists for a turn: new answers, and deliveries for the outbox.

    ``refused`` is set when the input changed nothing: the runtime then rolls back whatever
    the turn did and keeps only the refusal (its one delivery) and the event key."""

    deliveries: tuple[Delivery, ...] = ()
    answers: tuple[AnswerRow, ...] = ()
    refused: CommandError | None = None


@dataclass
class Turn:
    """The turn being handled. ``lang`` is the language it speaks to people: the
    installation's until the round (or the command) says otherwise."""

    incoming: Incoming
    session: AsyncSession
    store: RoundStore
    now: dt.datetime
    lang: str
    prepared: Prepared = field(default_factory=Prepared)
    deliveries: list[Delivery] = field(default_factory=list)
    answers: list[AnswerRow] = field(default_factory=list)

    @property
    def today(self) -> dt.date:
        return self.now.date()

    def result(self) -> TurnResult:
        return TurnResult(tuple(self.deliveries), tuple(self.answers))

    def store_answer(self, row: AnswerRow) -> None:
        """A new answer for the runtime to insert with the turn (not added to the session)."""
        self.answers.append(row)

    def _deliver(self, target: Target, message: Outgoing) -> None:
        self.deliveries.append(Delivery(target, message, self.lang))

    def reply(self, message: Outgoing) -> None:
        """Answer the sender privately, where they are."""
        i = self.incoming
        self._deliver(
            Target(TargetKind.REPLY, i.platform, i.workspace, i.channel_id, i.user_id), message
        )

    def private(self, user_id: str, message: Outgoing) -> None:
        i = self.incoming
        self._deliver(Target(TargetKind.PRIVATE, i.platform, i.workspace, None, user_id), message)

    def channel(self, channel_id: str, message: Outgoing) -> None:
        i = self.incoming
        self._deliver(Target(TargetKind.CHANNEL, i.platform, i.workspace, channel_id), message)
