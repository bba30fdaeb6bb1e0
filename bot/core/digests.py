"""Weekly digests: ``digest weekly <day> <HH:MM>`` / ``digest off`` in a channel, and the
digest itself, posted by the scheduler.

A digest covers the seven days before the day it is posted (answers keep only the day). Per
round with new answers: the counts, and when at least the round's threshold of distinct people
answered that week, the summary of that week's answers; below the threshold only counts, with
"fewer than N" in place of the number of people. A channel with an open series gets the
series' harvest so far under it: every round in order with the themes it published.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from sqlalchemy import func, select

from bot.core.actions import agreed
from bot.core.commands import Command, CommandError
from bot.core.dates import period_text
from bot.core.export import action_line
from bot.core.harvest import gather
from bot.core.messages import Block, Heading, Outgoing, Text
from bot.core.port import spoken_names
from bot.core.prompts import language_of, voice
from bot.core.pseudonyms import Keyring
from bot.core.render import summary_outgoing
from bot.core.series import Series
from bot.core.stages import Stages
from bot.core.turn import Turn
from bot.core.views import Views
from bot.support.settings import Settings
from storage.models import AnswerRow, DigestRow, RoundRow

log = logging.getLogger(__name__)
WEEK = 7


class Digests:
    """The ``digest`` command and the weekly post."""

    def __init__(
        self,
        settings: Settings,
        views: Views,
        keyring: Keyring,
        series: Series | None = None,
        stages: Stages | None = None,
    ) -> None:
        self.settings = settings
        self.views = views
        self.keyring = keyring
        self.series = series
        self.stages = stages

    async def configure(self, turn: Turn, command: Command) -> None:
        """Set, change or stop this channel's digest. Whoever sets it first owns it."""
        i = turn.incoming
        assert i.channel_id is not None
        existing = await turn.session.scalar(
            select(DigestRow)
            .where(
                DigestRow.platform == i.platform,
                DigestRow.workspace == i.workspace,
                DigestRow.channel_id == i.channel_id,
            )
            .with_for_update()
        )
        if existing is not None:
            turn.lang = voice(existing.language, self.settings.address)
            owner = self.keyring.host_hash(existing.id, i.platform, i.workspace, i.user_id)
            if owner != existing.owner_hash:
                raise CommandError("error.not_digest_owner")
        if command.weekday is None or command.at is None:
            if existing is None:
                raise CommandError("error.no_digest")
            await turn.session.delete(existing)
            turn.reply(self.views.note(turn.lang, "digest.off"))
            log.info("digest %s stopped", existing.id)
            return
        zone = command.timezone or (existing.timezone if existing else self.settings.timezone)
        if existing is None:
            digest_id = uuid.uuid4().hex
            existing = DigestRow(
                id=digest_id,
                platform=i.platform,
                workspace=i.workspace,
                channel_id=i.channel_id,
                language=language_of(turn.lang),
                owner_hash=self.keyring.host_hash(digest_id, i.platform, i.workspace, i.user_id),
            )
            turn.session.add(existing)
        existing.weekday = command.weekday
        existing.at_time = command.at
        existing.timezone = zone
        existing.since = turn.now
        turn.reply(
            self.views.note(
                turn.lang,
                "digest.set",
                day=self.views.t(turn.lang, f"digest.day.{command.weekday}"),
                time=command.at,
                zone=zone,
            )
        )
        log.info("digest %s set: weekday %d %s %s", existing.id, command.weekday, command.at, zone)

    async def _actions(self, turn: Turn, digest: DigestRow) -> list[Block]:
        """The channel's actions agreed (bot/core/actions.py): who, what, when, how far."""
        lang = digest.language
        lines = await agreed(
            turn.session, self.views, digest.platform, digest.workspace, digest.channel_id, lang
        )
        if not lines:
            return []
        return [
            Text(self.views.t(lang, "digest.actions_heading", count=len(lines))),
            Text("\n".join(action_line(self.views.catalog, lang, line) for line in lines)),
        ]

    async def post(self, turn: Turn, digest: DigestRow, day: dt.date) -> None:
        """Post the digest due on local date ``day``: the seven days before it."""
        first, last = day - dt.timedelta(days=WEEK), day - dt.timedelta(days=1)
        # A digest spans rounds: it speaks with the default form of address.
        lang = voice(digest.language, self.settings.address)
        counts = (
            await turn.session.execute(
                select(
                    RoundRow.id,
                    func.count(AnswerRow.id),
                    func.count(func.distinct(AnswerRow.pseudonym)),
                )
                .join(AnswerRow, AnswerRow.round_id == RoundRow.id)
                .where(
                    RoundRow.platform == digest.platform,
                    RoundRow.workspace == digest.workspace,
                    RoundRow.channel_id == digest.channel_id,
                    AnswerRow.day >= first,
                    AnswerRow.day <= last,
                )
                .group_by(RoundRow.id)
            )
        ).all()
        heading = Heading(
            self.views.t(lang, "digest.heading", period=period_text(lang, first, last))
        )
        harvest = await self._series_harvest(turn, digest)
        agreed = await self._actions(turn, digest)
        if not counts:
            nothing = Text(self.views.t(lang, "digest.nothing"))
            turn.channel(digest.channel_id, Outgoing((heading, nothing, *harvest, *agreed)))
            return
        humans = turn.prepared.humans(digest.platform, digest.workspace, digest.channel_id)
        names = spoken_names(humans)
        overview: list[Block] = [heading]
        summaries: list[Outgoing] = []
        for round_id, answers, respondents in sorted(counts):
            ctx = await turn.store.by_id(round_id)
            assert ctx is not None
            minimum = ctx.row.min_respondents
            title = ctx.row.theme or ctx.template.name(lang)
            status = (
                "digest.round_status_open"
                if ctx.row.status == "open"
                else "digest.round_status_closed"
            )
            people = (
                str(respondents)
                if respondents >= minimum
                else self.views.t(lang, "digest.fewer", min=minimum)
            )
            overview.append(Text(self.views.t(lang, "digest.round_title", title=title)))
            overview.append(
                Text(
                    self.views.t(
                        lang,
                        "digest.new_answers",
                        answers=answers,
                        respondents=people,
                        status=self.views.t(lang, status),
                    )
                )
            )
            if respondents < minimum:
                overview.append(Text(self.views.t(lang, "digest.too_few")))
                continue
            request = await gather(turn.session, ctx, self.views.catalog, names, days=(first, last))
            summary = await turn.prepared.summary(request)
            if self.stages is not None:  # the round's priorities and agreement, when voted
                summary = await self.stages.annotate(turn, ctx.id, summary)
            if summary.published:
                summaries.append(summary_outgoing(summary, self.views.catalog))
            else:
                overview.append(Text(self.views.t(lang, "digest.too_few")))
        turn.channel(digest.channel_id, Outgoing((*overview, *harvest, *agreed)))
        for message in summaries:
            turn.channel(digest.channel_id, message)
        log.info("digest %s posted for %s: %d rounds", digest.id, day, len(counts))

    async def _series_harvest(self, turn: Turn, digest: DigestRow) -> list[Block]:
        """The harvest of the channel's open series, if it has one (already published)."""
        if self.series is None:
            return []
        found = await self.series.open_in_channel(
            turn.session, digest.platform, digest.workspace, digest.channel_id
        )
        if found is None:
            return []
        heading = self.views.t(digest.language, "series.harvest_heading", name=found.name)
        return [Heading(heading), *await self.series.harvest_blocks(turn.session, found)]
