"""Who may start a round, and how often: the limits on who can make noise in a channel.

- ``DIALOOG_HOSTS`` (empty: anyone in the channel) lists the platform user ids that may start
  rounds, and/or ``channel-managers``: the people the platform reports as managing the channel
  (Slack: workspace admins and owners, and the channel's creator; Teams: the team's owners).
  Asking the platform is a remote call, so it is prepared before the transaction
  (:mod:`bot.core.prepared`).
- At most ``DIALOOG_STARTS_PER_HOUR_CHANNEL`` starts per channel and
  ``DIALOOG_STARTS_PER_HOUR_PERSON`` per person in any sliding hour. Only rounds that started
  count; the rows are kept for an hour, the person as a keyed hash.

A refused start gets a private reply and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select

from bot.core.commands import CommandError
from bot.core.pseudonyms import Keyring
from bot.core.turn import Turn
from bot.support.settings import Settings
from storage.models import StartRow

MANAGERS = "channel-managers"
WINDOW = dt.timedelta(hours=1)


class Starts:
    def __init__(self, settings: Settings, keyring: Keyring) -> None:
        self.settings = settings
        self.keyring = keyring

    def _starter(self, turn: Turn) -> str:
        i = turn.incoming
        return self.keyring.host_hash("starts", i.platform, i.workspace, i.user_id)

    async def check(self, turn: Turn, channel_id: str) -> None:
        """Raise :class:`CommandError` when this person may not start a round in
        ``channel_id`` now (the channel they typed in, or the one a theme button starts in)."""
        i = turn.incoming
        hosts = self.settings.host_list
        if hosts and i.user_id not in hosts:
            if MANAGERS not in hosts:
                raise CommandError("error.not_allowed_host")
            if not turn.prepared.is_manager(i.platform, i.workspace, channel_id, i.user_id):
                raise CommandError("error.not_allowed_manager")
        since = turn.now - WINDOW
        in_channel = await turn.session.scalar(
            select(func.count())
            .select_from(StartRow)
            .where(
                StartRow.platform == i.platform,
                StartRow.workspace == i.workspace,
                StartRow.channel_id == channel_id,
                StartRow.started_at > since,
            )
        )
        limit = self.settings.starts_per_hour_channel
        if (in_channel or 0) >= limit:
            raise CommandError("error.starts_channel", count=limit)
        by_person = await turn.session.scalar(
            select(func.count())
            .select_from(StartRow)
            .where(StartRow.starter_hash == self._starter(turn), StartRow.started_at > since)
        )
        limit = self.settings.starts_per_hour_person
        if (by_person or 0) >= limit:
            raise CommandError("error.starts_person", count=limit)

    async def record(self, turn: Turn, channel_id: str) -> None:
        """Count this start (in the round's transaction) and forget starts older than the
        window."""
        i = turn.incoming
        await turn.session.execute(delete(StartRow).where(StartRow.started_at <= turn.now - WINDOW))
        turn.session.add(
            StartRow(
                platform=i.platform,
                workspace=i.workspace,
                channel_id=channel_id,
                starter_hash=self._starter(turn),
                started_at=turn.now,
            )
        )
