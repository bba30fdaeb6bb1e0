"""One handled ``Incoming``: the session it runs in and the deliveries it produces."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Delivery, Incoming, Outgoing, Target, TargetKind
from bot.core.prepared import Prepared
from bot.core.rounds import RoundStore


@dataclass
class Turn:
    incoming: Incoming
    session: AsyncSession
    store: RoundStore
    now: dt.datetime
    lang: str
    prepared: Prepared = field(default_factory=Prepared)
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def today(self) -> dt.date:
        return self.now.date()

    def reply(self, message: Outgoing) -> None:
        """Answer the sender privately, where they are."""
        i = self.incoming
        self.deliveries.append(
            Delivery(
                Target(TargetKind.REPLY, i.platform, i.workspace, i.channel_id, i.user_id), message
            )
        )

    def private(self, user_id: str, message: Outgoing) -> None:
        i = self.incoming
        self.deliveries.append(
            Delivery(Target(TargetKind.PRIVATE, i.platform, i.workspace, None, user_id), message)
        )

    def channel(self, channel_id: str, message: Outgoing) -> None:
        i = self.incoming
        self.deliveries.append(
            Delivery(Target(TargetKind.CHANNEL, i.platform, i.workspace, channel_id), message)
        )
