"""What hosts do in a channel: start a round, and (host only) status, next, remind, summary,
close. Nothing posted to the channel says who answered or who did not."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import delete, insert, select

from bot.core import drafts, invitees
from bot.core.actions import agreed
from bot.core.ballots import StageContext
from bot.core.commands import (
    DEFAULT_REMINDERS,
    Command,
    CommandError,
    parse_duration,
    slot_length,
)
from bot.core.deadlines import parse_deadline
from bot.core.export import DEFAULT_FORMAT, draw_file, export_format
from bot.core.harvest import gather
from bot.core.messages import Attachment, Block, Divider, Heading, Outgoing, Text
from bot.core.port import Member, spoken_names
from bot.core.prepared import Render
from bot.core.prompts import voice
from bot.core.pseudonyms import Keyring
from bot.core.reminders import send_reminders
from bot.core.render import summary_outgoing
from bot.core.review import Reviews
from bot.core.rounds import RoundContext
from bot.core.segments import Segments, pending
from bot.core.segments import question as segment_question
from bot.core.series import Series
from bot.core.series_files import series_format
from bot.core.stages import POSTED as STAGE_POSTED
from bot.core.stages import Opening, Stages
from bot.core.starts import Starts
from bot.core.status import status_report
from bot.core.summary import Summary
from bot.core.templates import Templates
from bot.core.thanks import owe
from bot.core.themes import Publication
from bot.core.turn import Turn
from bot.core.views import Views
from bot.support.metrics import Metrics
from bot.support.settings import Settings
from storage.database import after_commit, erases
from storage.models import AnswerRow, ProgressRow, RoundRow, SeriesRow, columns, insert_rows

log = logging.getLogger(__name__)
POSTED = "posted"
DRAFTED = "drafted"
MAX_THEME = 200
MAX_STORY = 4000


class Hosts:
    def __init__(
        self,
        settings: Settings,
        templates: Templates,
        views: Views,
        keyring: Keyring,
        metrics: Metrics,
        reviews: Reviews | None = None,
        series: Series | None = None,
        stages: Stages | None = None,
    ) -> None:
        self.settings = settings
        self.templates = templates
        self.views = views
        self.keyring = keyring
        self.metrics = metrics
        self.reviews = reviews or Reviews(views, keyring)
        self.starts = Starts(settings, keyring)
        self.series = series or Series(templates, views, keyring)
        self.publication = Publication(templates, views, self.series)
        self.stages = stages
        self.segment_views = Segments(views)

    @staticmethod
    def _humans(turn: Turn, channel_id: str) -> list[Member]:
        """The channel's people, from the roster fetched before the transaction."""
        i = turn.incoming
        return turn.prepared.humans(i.platform, i.workspace, channel_id)

    async def start(self, turn: Turn, command: Command) -> None:
        i = turn.incoming
        assert i.channel_id is not None
        await self.open_round(turn, command, i.channel_id)

    async def open_round(
        self,
        turn: Turn,
        command: Command,
        channel_id: str,
        lane: str = "",
        origin: RoundRow | None = None,
    ) -> RoundContext:
        """Start a round in ``channel_id``: by ``start`` in that channel (lane ""), or from an
        exploratory round's theme button (``lane``: the theme; ``origin``: that round). One
        open round per lane; a round started while the channel has an open series joins it."""
        i = turn.incoming
        if await turn.store.open_in_channel(i.platform, i.workspace, channel_id, lane):
            if lane:
                raise CommandError("error.theme_round_running", theme=command.theme)
            raise CommandError("error.round_running")
        language = command.language or self.settings.language
        address = command.address or self.settings.address
        turn.lang = voice(language, address)
        await self.starts.check(turn, channel_id)
        floor = self.settings.min_respondents
        if command.min_respondents is not None and command.min_respondents < floor:
            # PRODUCT.md §4.5: a host can raise the threshold for a round, never lower it.
            raise CommandError("error.min_below", value=command.min_respondents, count=floor)
        series = await self.series.open_in_channel(
            turn.session, i.platform, i.workspace, channel_id
        )
        place = await self.series.place_for(turn.session, series) if series else None
        template = self.templates.get(command.template)
        if command.template is None and series is not None and place is not None:
            template = self.series.template_for(series, place) or template
        if template is None:
            raise CommandError(
                "error.unknown_template",
                template=command.template,
                known=", ".join(self.templates.names()),
            )
        segments = command.segments or template.segments.get(turn.lang, ())
        deadline = None
        if command.deadline is not None:
            deadline = parse_deadline(command.deadline, turn.now, self.settings.timezone)
        if command.theme and len(command.theme) > MAX_THEME:
            raise CommandError("error.theme_too_long", count=MAX_THEME)
        if command.story and len(command.story) > MAX_STORY:
            raise CommandError("error.story_too_long", count=MAX_STORY)
        reminders: tuple[str, ...] = ()
        if deadline is not None:
            slots = command.reminders if command.reminders is not None else DEFAULT_REMINDERS
            # A slot whose moment has already passed (a 24h reminder in a 3h round) is dropped.
            reminders = tuple(s for s in slots if deadline - slot_length(s) > turn.now)
        phase_seconds = None
        if command.paced and command.phase_length is not None:
            phase_seconds = int(
                parse_duration(command.phase_length, "error.phase_length").total_seconds()
            )
        elif command.paced and deadline is not None:
            # No phase length given: the phases share the time until the deadline equally.
            phase_seconds = int((deadline - turn.now).total_seconds()) // len(template.phases)
        humans = self._humans(turn, channel_id)
        round_id = uuid.uuid4().hex
        key = self.keyring.new_key_in(turn.session, round_id)
        row = RoundRow(
            id=round_id,
            platform=i.platform,
            workspace=i.workspace,
            channel_id=channel_id,
            template=template.key,
            language=language,
            address=address,
            timezone=self.settings.timezone,
            theme=command.theme,
            opening_story=command.story,
            paced=command.paced,
            open_phase=0 if command.paced else len(template.phases) - 1,
            status="open",
            min_respondents=command.min_respondents or self.settings.min_respondents,
            deadline=deadline,
            host_hash=self.keyring.host_hash(round_id, i.platform, i.workspace, i.user_id),
            seq=await turn.store.next_seq(),
            opened_day=turn.today,
            reminders=",".join(reminders),
            phase_seconds=phase_seconds,
            phase_opened=turn.now if command.paced else None,
            publish=command.publish or "review",
            segments="\n".join(segments) or None,
            series_id=series.id if series else None,
            series_place=place,
            lane=lane,
            origin_id=origin.id if origin else None,
        )
        turn.session.add(row)
        await turn.session.flush()
        await self.starts.record(turn, channel_id)
        ctx = RoundContext(row, template, key)
        await invitees.record(turn, ctx, humans)
        invitation = self.views.invitation(
            ctx,
            await self.series.recap(turn.session, row),
            segment_question(self.views, ctx) if segments else None,
        )
        if humans:
            await turn.session.execute(
                insert(ProgressRow),
                [
                    {
                        "round_id": round_id,
                        "pseudonym": ctx.pseudonym(m.user_id),
                        "step": 0,
                        "awaiting_choice": False,
                        "editing": False,
                        "confirming": False,
                        "started": False,
                        "forgotten": False,
                        "segment": None,
                    }
                    for m in humans
                ],
            )
        for member in humans:
            turn.private(member.user_id, invitation)
        lang = turn.lang
        blocks: list[Block] = [
            Heading(self.views.t(lang, "round.started_heading", template=template.name(lang))),
            Text(
                self.views.t(lang, "round.started_theme", theme=command.theme)
                if command.theme
                else self.views.t(lang, "round.started_no_theme")
            ),
            Text(self.views.t(lang, "round.started_how", count=len(humans))),
        ]
        if deadline is not None:
            blocks.append(
                Text(self.views.t(lang, "round.deadline", when=self.views.when(ctx, deadline)))
            )
        if phase_seconds is not None:
            blocks.append(
                Text(
                    self.views.t(
                        lang,
                        "round.phase_schedule",
                        length=self.views.duration(lang, phase_seconds),
                    )
                )
            )
        if series is not None:
            blocks.append(Text(self.views.t(lang, "series.place", place=place, name=series.name)))
        turn.channel(channel_id, Outgoing(tuple(blocks)))
        if origin is None:
            turn.reply(self.views.note(lang, "round.started_host"))
        else:
            turn.reply(self.views.note(lang, "series.theme_started_host", theme=command.theme))
        self.metrics.rounds_started.inc()
        log.info(
            "round %s started: %d participants, template %s", round_id, len(humans), template.key
        )
        return ctx

    def _hosts(self, turn: Turn, ctx: RoundContext) -> bool:
        i = turn.incoming
        return self.keyring.host_hash(ctx.id, i.platform, i.workspace, i.user_id) == (
            ctx.row.host_hash
        )

    async def _own_round(
        self, turn: Turn, closed_too: bool = False, theme: str | None = None
    ) -> RoundContext:
        """The channel's open round (or, with ``closed_too``, its newest), if the sender is
        its host. With several open (theme rounds), the one whose theme the command names,
        else the only one the sender hosts."""
        i = turn.incoming
        assert i.channel_id is not None
        if closed_too:
            ctx = await turn.store.latest_in_channel(i.platform, i.workspace, i.channel_id)
            if ctx is None:
                raise CommandError("error.no_round_yet")
        else:
            found = await turn.store.all_open_in_channel(i.platform, i.workspace, i.channel_id)
            if theme is not None:
                found = [c for c in found if (c.row.theme or "").casefold() == theme.casefold()]
            if not found:
                raise CommandError("error.no_round_here")
            turn.lang = found[0].voice
            hosted = [c for c in found if self._hosts(turn, c)]
            if len(hosted) > 1:
                themes = ", ".join(f'`--thema "{c.row.theme}"`' for c in hosted if c.row.theme)
                raise CommandError("error.which_round", themes=themes)
            ctx = hosted[0] if hosted else found[0]
        turn.lang = ctx.voice
        if not self._hosts(turn, ctx):
            raise CommandError("error.not_host")
        return ctx

    async def export(self, turn: Turn, command: Command) -> None:
        """The anonymised harvest of the newest round, privately to its host
        (bot/core/export.py)."""
        if command.args[1:] == ("series",):
            await self._export_series(turn, command.args[0])
            return
        ctx = await self._own_round(turn, closed_too=True)
        format_ = export_format(command.args[0] if command.args else DEFAULT_FORMAT)
        humans = self._humans(turn, ctx.row.channel_id)
        names = spoken_names(humans)
        request = await gather(turn.session, ctx, self.views.catalog, names)
        summary = await turn.prepared.summary(request)
        if self.stages is not None:  # priorities and agreement beside the themes
            summary = await self.stages.annotate(turn, ctx.id, summary)
        # Charts and office files take a moment to draw: before the write transaction, so a
        # slow file holds no writer (bot/core/prepared.py).
        actions = await agreed(
            turn.session,
            self.views,
            ctx.row.platform,
            ctx.row.workspace,
            ctx.row.channel_id,
            ctx.voice,
        )
        data = await turn.prepared.file(
            Render(format_.name, request, actions, summary.stages),
            lambda: draw_file(format_.name, request, summary, self.views.catalog, actions),
        )
        heading = self.views.t(ctx.voice, "harvest.export_heading", format=format_.name)
        name = self.views.t(ctx.voice, "harvest.file_name")
        filename = f"{name}-{ctx.row.seq}.{format_.extension}"
        title = self.views.t(ctx.voice, "harvest.file_title")
        blocks: tuple[Block, ...] = (
            Heading(heading),
            Attachment(filename, format_.mime, data, f"{title} ({format_.name})"),
        )
        turn.private(turn.incoming.user_id, Outgoing(blocks))
        turn.reply(self.views.note(ctx.voice, "harvest.export_sent", format=format_.name))
        log.info(
            "round %s: export (%s, %d bytes) sent to its host", ctx.id, format_.name, len(data)
        )

    async def _export_series(self, turn: Turn, name: str) -> None:
        """The harvest of the channel's series (open, else the newest), as a file of the
        registered series format ``name`` (bot/core/series_files.py), privately to whoever
        started it."""
        i = turn.incoming
        row = await turn.session.scalar(
            select(SeriesRow)
            .where(
                SeriesRow.platform == i.platform,
                SeriesRow.workspace == i.workspace,
                SeriesRow.channel_id == i.channel_id,
            )
            .order_by((SeriesRow.status == "open").desc(), SeriesRow.opened_day.desc())
            .limit(1)
        )
        if row is None:
            raise CommandError("error.no_series")
        turn.lang = row.language
        if self.keyring.host_hash(row.id, i.platform, i.workspace, i.user_id) != row.owner_hash:
            raise CommandError("error.not_series_owner")
        format_ = series_format(name)
        data = format_.render(await self.series.document(turn.session, row))
        lang = row.language
        file_name = self.views.t(lang, "series.file_name")
        title = self.views.t(lang, "series.file_title")
        heading = self.views.t(lang, "series.export_heading", name=row.name, format=format_.name)
        blocks: tuple[Block, ...] = (
            Heading(heading),
            Attachment(
                f"{file_name}.{format_.extension}",
                format_.mime,
                data,
                f"{title} ({format_.name})",
            ),
        )
        turn.private(i.user_id, Outgoing(blocks))
        turn.reply(self.views.note(lang, "series.export_sent", format=format_.name))
        log.info(
            "series %s: export (%s, %d bytes) sent to its owner", row.id, format_.name, len(data)
        )

    async def status(self, turn: Turn, command: Command | None = None) -> None:
        ctx = await self._own_round(turn, theme=command.theme if command else None)
        turn.reply(await status_report(turn, ctx, self.views))

    async def segments(self, turn: Turn, command: Command | None = None) -> None:
        """``groepen``: participation per group and the views the rules allow
        (bot/core/segments.py), privately to the host of the channel's newest round."""
        ctx = await self._own_round(turn, closed_too=True)
        names = spoken_names(self._humans(turn, ctx.row.channel_id))
        turn.reply(await self.segment_views.report(turn, ctx, names))

    async def next(self, turn: Turn, command: Command | None = None) -> None:
        ctx = await self._own_round(turn, theme=command.theme if command else None)
        if not ctx.row.paced:
            raise CommandError("error.not_paced")
        if ctx.row.open_phase >= len(ctx.phases) - 1:
            raise CommandError("error.last_phase")
        await self.open_next_phase(turn, ctx)
        turn.reply(
            self.views.note(
                ctx.voice, "round.next_host", title=ctx.phases[ctx.row.open_phase].title(ctx.voice)
            )
        )

    async def open_next_phase(self, turn: Turn, ctx: RoundContext) -> None:
        """Close the open phase (posting its summary) and send everyone the next prompt."""
        closing = ctx.phases[ctx.row.open_phase]
        humans = self._humans(turn, ctx.row.channel_id)
        await self._post_summary(
            turn,
            ctx,
            humans,
            [closing.key],
            self.views.t(ctx.voice, "harvest.phase_heading", title=closing.title(ctx.voice)),
        )
        ctx.row.open_phase += 1
        ctx.row.phase_opened = turn.now
        step = ctx.row.open_phase
        progress = {
            p.pseudonym: p
            for p in await turn.session.scalars(
                select(ProgressRow).where(ProgressRow.round_id == ctx.id)
            )
        }
        lead = self.views.t(ctx.voice, "round.next_phase")
        for member in humans:
            row = progress.get(ctx.pseudonym(member.user_id))
            if row is None or row.forgotten:
                continue
            row.step = max(row.step, step)
            row.choice = None
            row.awaiting_choice = False
            row.editing = False
            row.target = None
            row.confirming = False
            if pending(ctx, row.segment):  # the group question still comes first
                blocks = (Text(lead), Divider(), *segment_question(self.views, ctx))
                turn.private(member.user_id, Outgoing(blocks))
                continue
            turn.private(member.user_id, self.views.after_step(ctx, row.step, lead))

    async def remind(self, turn: Turn, command: Command | None = None) -> None:
        ctx = await self._own_round(turn, theme=command.theme if command else None)
        sent = await self.send_reminders(turn, ctx)
        turn.reply(self.views.note(ctx.voice, "round.reminded", count=sent))

    async def send_reminders(self, turn: Turn, ctx: RoundContext, slot: str | None = None) -> int:
        """See :func:`bot.core.reminders.send_reminders`."""
        humans = self._humans(turn, ctx.row.channel_id)
        recap = await self.series.recap(turn.session, ctx.row)
        return await send_reminders(turn, ctx, humans, self.views, slot, recap)

    async def summary(self, turn: Turn, command: Command | None = None) -> None:
        ctx = await self._own_round(turn, theme=command.theme if command else None)
        humans = self._humans(turn, ctx.row.channel_id)
        heading = self.views.t(ctx.voice, "harvest.interim_heading")
        outcome = await self._deliver(turn, ctx, humans, heading, turn.incoming.user_id)
        if outcome is None:
            raise CommandError("error.too_few", count=ctx.row.min_respondents)
        key = "round.summary_posted" if outcome == POSTED else "round.summary_drafted"
        turn.reply(self.views.note(ctx.voice, key))

    async def close(self, turn: Turn, command: Command | None = None) -> None:
        ctx = await self._own_round(turn, theme=command.theme if command else None)
        outcome = await self.close_round(turn, ctx, host=turn.incoming.user_id)
        key = "round.closed_host_review" if outcome == DRAFTED else "round.closed_host"
        turn.reply(self.views.note(ctx.voice, key))

    async def close_round(
        self, turn: Turn, ctx: RoundContext, host: str | None = None
    ) -> str | None:
        """Close: the final summary to the channel, or as a draft to the host (``host``, or
        found in the channel at the deadline), or that there were too few; destroy the key.
        Returns :data:`POSTED`, :data:`DRAFTED` or None (too few)."""
        humans = self._humans(turn, ctx.row.channel_id)
        heading = self.views.t(ctx.voice, "harvest.final_heading")
        outcome = await self._deliver(turn, ctx, humans, heading, host, closing=True)
        if outcome is None:
            turn.channel(
                ctx.row.channel_id,
                Outgoing(
                    (
                        Heading(heading),
                        Text(
                            self.views.t(
                                ctx.voice, "harvest.too_few_final", min=ctx.row.min_respondents
                            )
                        ),
                    )
                ),
            )
        elif outcome == DRAFTED:
            turn.channel(ctx.row.channel_id, self.views.note(ctx.voice, "round.closed_review"))
        ctx.row.status = "closed"
        ctx.row.closed_day = turn.today
        await _forget_arrival_order(turn, ctx)
        ctx.key = None
        # The key file goes once the close is durable: destroyed before a commit that then
        # failed, it would leave an open round nobody can answer in.
        round_id = ctx.id
        after_commit(turn.session, lambda: self.keyring.destroy_round_key(round_id))
        erases(turn.session)
        self.metrics.rounds_closed.inc()
        log.info("round %s closed; pseudonym key destroyed", ctx.id)
        if outcome is not None and self.stages is not None:
            await self.stages.open_next(turn, ctx, humans)  # a stage the template lists
        return outcome

    # -- ballot stages on a closed round (bot/core/stages.py) --------------------------------
    async def open_stage(self, turn: Turn, kind: str, opening: Opening) -> None:
        """``stem …`` or ``feedback``: a stage on the channel's newest round, once closed."""
        assert self.stages is not None
        ctx = await self._own_round(turn, closed_too=True)
        if ctx.row.status == "open":
            raise CommandError("error.stage_round_open")
        humans = self._humans(turn, ctx.row.channel_id)
        await self.stages.open(
            turn, ctx, kind, opening, [m.user_id for m in humans], spoken_names(humans)
        )
        turn.reply(self.views.note(ctx.voice, f"stage.{kind}.opened_host"))

    async def stage_command(self, turn: Turn, name: str) -> None:
        """``sluit`` or ``status`` in a channel with no open round: its open stage's."""
        assert self.stages is not None
        stage = await self.stages.open_in_channel(turn)
        if stage is None:
            raise CommandError("error.no_round_here")
        turn.lang = stage.voice
        i = turn.incoming
        row = stage.round
        if self.keyring.host_hash(row.id, i.platform, i.workspace, i.user_id) != row.host_hash:
            raise CommandError("error.not_host")
        if name == "status":
            turn.reply(await self.stages.status(turn, stage))
            return
        outcome = await self.close_stage(turn, stage, host=i.user_id)
        key = "stage.closed_host" if outcome == STAGE_POSTED else "stage.closed_host_review"
        turn.reply(self.views.note(stage.voice, key))

    async def close_stage(self, turn: Turn, stage: StageContext, host: str | None = None) -> str:
        """Close ``stage`` (its result to the channel or to the host), then open the
        template's next stage."""
        assert self.stages is not None
        humans = self._humans(turn, stage.round.channel_id)
        names = spoken_names(humans)
        outcome = await self.stages.close(turn, stage, names, [m.user_id for m in humans], host)
        ctx = await turn.store.context(stage.round)
        await self.stages.open_next(turn, ctx, humans)
        return outcome

    async def _deliver(
        self,
        turn: Turn,
        ctx: RoundContext,
        humans: list[Member],
        heading: str,
        host: str | None,
        closing: bool = False,
    ) -> str | None:
        """The round's summary: posted (``--publiceer direct``) or a draft for its host
        (bot/core/review.py). None when too few people answered to show anything. A closing
        round's posted summary is followed by the invitees' thank-you (bot/core/thanks.py)."""
        summary = await self._synthesize(turn, ctx, humans, None)
        if not summary.published:
            return None
        if ctx.row.publish == "direct":
            host = host or self.reviews.host_among(ctx, humans)
            footer = await self.publication.published(turn, ctx.row, summary, host)
            self._post(turn, ctx, summary, heading, footer)
            if closing:
                owe(turn, self.views, ctx.row, summary)
            return POSTED
        host = host or self.reviews.host_among(ctx, humans)
        await self.reviews.make(turn, ctx, summary, heading, host)
        return DRAFTED

    async def _synthesize(
        self, turn: Turn, ctx: RoundContext, humans: list[Member], phases: list[str] | None
    ) -> Summary:
        request = await gather(turn.session, ctx, self.views.catalog, spoken_names(humans), phases)
        return await turn.prepared.summary(request)

    def _post(
        self,
        turn: Turn,
        ctx: RoundContext,
        summary: Summary,
        heading: str,
        footer: list[Block] | None = None,
    ) -> None:
        body = summary_outgoing(summary, self.views.catalog)
        blocks = (Heading(heading), *body.blocks, *(footer or ()))
        turn.channel(ctx.row.channel_id, Outgoing(blocks))
        ctx.row.published = drafts.dumps(summary)  # what a vote's options come from

    async def _post_summary(
        self,
        turn: Turn,
        ctx: RoundContext,
        humans: list[Member],
        phases: list[str] | None,
        heading: str,
    ) -> bool:
        """A paced round's phase summary, posted when the phase closes."""
        summary = await self._synthesize(turn, ctx, humans, phases)
        if not summary.published:
            return False
        self._post(turn, ctx, summary, heading)
        return True


async def _forget_arrival_order(turn: Turn, ctx: RoundContext) -> None:
    """Rewrite the closed round's answers in the order of their random ids, opened into plain
    text while the round key is still there.

    Rows lie in a table in the order they arrived (SQLite's rowid, PostgreSQL's heap), and a
    dump lists them so: joined with the times in a chat log, that order could link answers
    to people even after the key is gone (PRODUCT.md §4.1 and §4.3)."""
    rows = (await turn.session.scalars(select(AnswerRow).where(AnswerRow.round_id == ctx.id))).all()
    kept = []
    for row in rows:
        values = columns(row)
        values["text"] = ctx.text_of(row.id, row.text, row.sealed)
        values["sealed"] = None
        if values["text"] is not None:
            kept.append(values)
    kept.sort(key=lambda row: row["id"])
    await turn.session.execute(
        delete(AnswerRow).where(AnswerRow.round_id == ctx.id),
        execution_options={"synchronize_session": False},
    )
    for row in rows:
        turn.session.expunge(row)
    await insert_rows(turn.session, AnswerRow, kept)
