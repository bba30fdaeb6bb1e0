"""A series of rounds in a channel (*traject*, PRODUCT.md §2): ``traject start "Naam"
[--methode 7v] [--doel "…"]``, ``traject`` (the harvest so far) and ``traject sluit``.

While a series is open in a channel, every round started there joins it and gets the next
place; a method with sessions (:mod:`bot.core.templates`) gives each new round its next
session. A round's invitation recaps what the previous round produced: the theme labels of
its published summary (:attr:`storage.models.RoundRow.outcome`), which the channel has
already read, so the recap shows nothing that was not published. A theme round started from
an exploratory round recaps that round instead.
"""

from __future__ import annotations

import json
import logging
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.actions import agreed_action
from bot.core.commands import Command, CommandError
from bot.core.export import action_line
from bot.core.messages import Block, Heading, Outgoing, Text
from bot.core.pseudonyms import Keyring
from bot.core.series_files import SeriesDocument
from bot.core.summary import Summary
from bot.core.templates import Template, Templates
from bot.core.turn import Turn
from bot.core.views import Views
from storage.models import ActionRow, RoundRow, SeriesRow, StageRow

log = logging.getLogger(__name__)
MAX_NAME = 200
MAX_GOAL = 1000
# At most this many theme labels in a recap line; the harvest shows them all.
RECAP_THEMES = 8


def outcome_of(summary: Summary) -> list[str]:
    """The labels of the themes a published summary shows, in its order, each once (a theme
    without a label, whose answers share no noun, names no next round)."""
    labels: list[str] = []
    for phase in summary.phases:
        if not phase.published:
            continue
        for theme in phase.themes:
            if theme.label and theme.label not in labels:
                labels.append(theme.label)
    return labels


def record_outcome(row: RoundRow, summary: Summary) -> None:
    """Keep what the channel was just shown of ``row``'s round, for the next invitation."""
    row.outcome = json.dumps(outcome_of(summary), ensure_ascii=False)


def outcome(row: RoundRow) -> list[str]:
    return list(json.loads(row.outcome)) if row.outcome else []


async def vote_results(session: AsyncSession, round_id: str) -> list[dict[str, object]]:
    """The options of the first published vote on ``round_id``, best first (each with its
    ``text``, ``ref``, ``dots`` and ``rank``); empty without one. Only what the channel was
    shown: the tallies of a closed vote that reached its threshold."""
    rows = await session.scalars(
        select(StageRow.results)
        .where(
            StageRow.round_id == round_id,
            StageRow.kind == "vote",
            StageRow.status == "closed",
        )
        .order_by(StageRow.seq)
    )
    for raw in rows:
        results = json.loads(raw) if raw else {}
        if results.get("published"):
            return list(results.get("options", ()))
    return []


class Series:
    """Series commands and what rounds ask of their series."""

    def __init__(self, templates: Templates, views: Views, keyring: Keyring) -> None:
        self.templates = templates
        self.views = views
        self.keyring = keyring

    @staticmethod
    async def open_in_channel(
        session: AsyncSession, platform: str, workspace: str, channel_id: str
    ) -> SeriesRow | None:
        return await session.scalar(
            select(SeriesRow).where(
                SeriesRow.platform == platform,
                SeriesRow.workspace == workspace,
                SeriesRow.channel_id == channel_id,
                SeriesRow.status == "open",
            )
        )

    def method(self, name: str) -> Template:
        template = self.templates.get(name)
        if template is None:
            raise CommandError(
                "error.unknown_method", method=name[:40], known=", ".join(self._methods())
            )
        return template

    def _methods(self) -> list[str]:
        """Templates a series can follow: every template but a session's own."""
        parts = {key for t in self.templates.all() for key in t.sessions}
        return [key for key in self.templates.names() if key not in parts]

    # -- commands ---------------------------------------------------------------------------
    async def command(self, turn: Turn, command: Command, default_lang: str) -> None:
        i = turn.incoming
        assert i.channel_id is not None
        found = await self.open_in_channel(turn.session, i.platform, i.workspace, i.channel_id)
        if found is not None:
            turn.lang = found.language
        action = command.args[0]
        if action == "start":
            await self._start(turn, command, found, default_lang)
        elif found is None:
            raise CommandError("error.no_series")
        elif action == "close":
            await self._close(turn, found)
        else:
            turn.reply(await self.harvest(turn.session, found))

    async def _start(
        self, turn: Turn, command: Command, found: SeriesRow | None, default_lang: str
    ) -> None:
        i = turn.incoming
        assert i.channel_id is not None and command.theme is not None
        if found is not None:
            raise CommandError("error.series_running", name=found.name)
        turn.lang = command.language or default_lang
        if len(command.theme) > MAX_NAME:
            raise CommandError("error.series_name_too_long", count=MAX_NAME)
        if command.story and len(command.story) > MAX_GOAL:
            raise CommandError("error.series_goal_too_long", count=MAX_GOAL)
        method = self.method(command.template) if command.template else None
        series_id = uuid.uuid4().hex
        row = SeriesRow(
            id=series_id,
            platform=i.platform,
            workspace=i.workspace,
            channel_id=i.channel_id,
            name=command.theme,
            goal=command.story,
            method=method.key if method else None,
            language=turn.lang,
            status="open",
            owner_hash=self.keyring.host_hash(series_id, i.platform, i.workspace, i.user_id),
            opened_day=turn.today,
        )
        turn.session.add(row)
        await turn.session.flush()
        lang = turn.lang
        blocks: list[Block] = [Heading(self.views.t(lang, "series.started_heading", name=row.name))]
        if row.goal:
            blocks.append(Text(self.views.t(lang, "series.started_goal", goal=row.goal)))
        if method is not None:
            blocks.append(
                Text(self.views.t(lang, "series.started_method", method=method.name(lang)))
            )
        blocks.append(Text(self.views.t(lang, "series.started_how")))
        turn.channel(i.channel_id, Outgoing(tuple(blocks)))
        turn.reply(self.views.note(lang, "series.started_host"))
        log.info("series %s started (method %s)", series_id, row.method or "-")

    async def _close(self, turn: Turn, row: SeriesRow) -> None:
        i = turn.incoming
        if self.keyring.host_hash(row.id, i.platform, i.workspace, i.user_id) != row.owner_hash:
            raise CommandError("error.not_series_owner")
        row.status = "closed"
        row.closed_day = turn.today
        turn.channel(row.channel_id, await self.harvest(turn.session, row))
        turn.channel(row.channel_id, self.views.note(row.language, "series.closed", name=row.name))
        turn.reply(self.views.note(row.language, "series.closed_host"))
        log.info("series %s closed", row.id)

    # -- rounds in a series -----------------------------------------------------------------
    async def place_for(self, session: AsyncSession, series: SeriesRow) -> int:
        """The place the next round of ``series`` takes."""
        current = await session.scalar(
            select(func.max(RoundRow.series_place)).where(RoundRow.series_id == series.id)
        )
        return (current or 0) + 1

    def template_for(self, series: SeriesRow, place: int) -> Template | None:
        """The template a round at ``place`` takes from the series' method, if it has one."""
        if series.method is None:
            return None
        method = self.templates.get(series.method)
        return self.templates.session(method, place) if method is not None else None

    async def rounds(self, session: AsyncSession, series: SeriesRow) -> list[RoundRow]:
        return list(
            (
                await session.scalars(
                    select(RoundRow)
                    .where(RoundRow.series_id == series.id)
                    .order_by(RoundRow.series_place, RoundRow.seq)
                )
            ).all()
        )

    def title(self, row: RoundRow, lang: str) -> str:
        template = self.templates.get(row.template) or self.templates.default
        name = template.name(lang)
        return f"{name}: {row.theme}" if row.theme else name

    async def recap(self, session: AsyncSession, row: RoundRow) -> list[Block]:
        """What a new round's invitation says of its place and of the round before it: the
        exploratory round it came from, else the previous round of its series."""
        lang = row.language
        blocks: list[Block] = []
        series = await session.get(SeriesRow, row.series_id) if row.series_id else None
        if series is not None and row.series_place is not None:
            blocks.append(
                Text(self.views.t(lang, "series.place", place=row.series_place, name=series.name))
            )
        if row.origin_id is not None:
            origin = await session.get(RoundRow, row.origin_id)
            if origin is not None and outcome(origin):
                themes = ", ".join(outcome(origin)[:RECAP_THEMES])
                title = self.title(origin, lang)
                blocks.append(
                    Text(self.views.t(lang, "series.recap_origin", title=title, themes=themes))
                )
            if origin is not None and (voted := await self.vote_line(session, origin.id, lang)):
                blocks.append(Text(voted))
            return blocks
        if series is None or row.series_place is None:
            return blocks
        previous = await session.scalar(
            select(RoundRow)
            .where(RoundRow.series_id == series.id, RoundRow.series_place < row.series_place)
            .order_by(RoundRow.series_place.desc())
            .limit(1)
        )
        if previous is not None and outcome(previous):
            themes = ", ".join(outcome(previous)[:RECAP_THEMES])
            blocks.append(
                Text(
                    self.views.t(
                        lang, "series.recap", title=self.title(previous, lang), themes=themes
                    )
                )
            )
        if previous is not None and (voted := await self.vote_line(session, previous.id, lang)):
            blocks.append(Text(voted))
        return blocks

    async def vote_line(self, session: AsyncSession, round_id: str, lang: str) -> str | None:
        """ "Stemming: buurtbus (8 stippen), wonen (4 stippen)." for a round whose vote was
        published, else None."""
        voted = await vote_results(session, round_id)
        if not voted:
            return None
        options = ", ".join(
            self.views.t(
                lang,
                "series.round_vote_option",
                text=str(option["text"]).rstrip(".;, "),
                dots=self.views.count(lang, "dots", int(str(option["dots"]))),
            )
            for option in voted
        )
        return self.views.t(lang, "series.round_vote", options=options)

    async def entries(
        self, session: AsyncSession, series: SeriesRow
    ) -> tuple[str | None, list[tuple[str, list[str]]]]:
        """The series' goal line, and every round in order: its line (``*1. Verkenning*
        (gesloten)``) and what it produced: the themes its summary published, the result of
        a published vote, the actions agreed on it."""
        lang = series.language
        goal = self.views.t(lang, "series.started_goal", goal=series.goal) if series.goal else None
        found: list[tuple[str, list[str]]] = []
        for row in await self.rounds(session, series):
            status = self.views.t(
                lang, "series.round_open" if row.status == "open" else "series.round_closed"
            )
            line = self.views.t(
                lang,
                "series.round_line",
                place=row.series_place,
                title=self.title(row, lang),
                status=status,
            )
            labels = outcome(row)
            details = [
                self.views.t(lang, "series.round_themes", themes=", ".join(labels))
                if labels
                else self.views.t(lang, "series.round_no_themes")
            ]
            voted = await self.vote_line(session, row.id, lang)
            if voted:
                details.append(voted)
            actions = await session.scalars(
                select(ActionRow).where(ActionRow.round_id == row.id).order_by(ActionRow.number)
            )
            details += [
                self.views.t(
                    lang,
                    "series.round_action",
                    line=action_line(
                        self.views.catalog, lang, agreed_action(self.views, lang, action)
                    ),
                )
                for action in actions
            ]
            found.append((line, details))
        return goal, found

    async def harvest_blocks(self, session: AsyncSession, series: SeriesRow) -> list[Block]:
        """Every round of the series in order, each with the themes its summary published."""
        goal, found = await self.entries(session, series)
        blocks: list[Block] = [Text(goal)] if goal else []
        if not found:
            blocks.append(Text(self.views.t(series.language, "series.harvest_empty")))
        blocks.extend(Text("\n".join((line, *details))) for line, details in found)
        return blocks

    async def harvest(self, session: AsyncSession, series: SeriesRow) -> Outgoing:
        heading = Heading(self.views.t(series.language, "series.harvest_heading", name=series.name))
        return Outgoing((heading, *await self.harvest_blocks(session, series)))

    async def summary_footer(self, session: AsyncSession, row: RoundRow) -> list[Block]:
        """Under a series round's published summary: its place, and the series' harvest."""
        if row.series_id is None:
            return []
        series = await session.get(SeriesRow, row.series_id)
        if series is None:
            return []
        lang = row.language
        line = self.views.t(lang, "series.summary_part", place=row.series_place, name=series.name)
        heading = Heading(self.views.t(lang, "series.harvest_heading", name=series.name))
        return [Text(line), heading, *await self.harvest_blocks(session, series)]

    async def document(self, session: AsyncSession, series: SeriesRow) -> SeriesDocument:
        """The series' harvest as a file's content (``export traject [md|docx]``,
        :mod:`bot.core.series_files`): what ``traject`` shows."""
        lang = series.language
        goal, found = await self.entries(session, series)
        lines: list[tuple[str, str]] = [("text", goal)] if goal else []
        if not found:
            lines.append(("text", self.views.t(lang, "series.harvest_empty")))
        for line, details in found:
            lines += [("round", line), *(("text", detail) for detail in details)]
        return SeriesDocument(
            self.views.t(lang, "series.harvest_heading", name=series.name),
            tuple(lines),
            self.views.t(lang, "series.file_title"),
        )
