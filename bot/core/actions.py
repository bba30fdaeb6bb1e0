"""Actions agreed: *wie, wat, wanneer* (issue 18, item 5).

The host of a channel's round records an action in the channel::

    actie "Buurthuis na vieren open" --eigenaar @bram --wanneer 31-12-2026
    actie --idee 2 --eigenaar @bram --wanneer vrijdag        (idea 2 of the round's harvest)

Actions are not anonymous: the owner is a named member of the channel, who gets the action
privately with a button to take it on. The owner or the host sets its status (``actie 3
bezig``, ``actie 3 klaar``); ``acties`` lists the channel's actions for anyone. A day before
the due moment the owner gets a private reminder (a timer, :mod:`bot.runtime.schedules`).
When an action is done, everyone the round invited hears privately what happened with their
input (:mod:`bot.core.invitees`). The weekly digest and the exports list them too.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import invitees
from bot.core.commands import Command, CommandError
from bot.core.dates import clock_text, day_text
from bot.core.deadlines import parse_deadline
from bot.core.export import AgreedAction, action_line
from bot.core.harvest import gather
from bot.core.messages import Block, Choices, Heading, Option, Outgoing, Text
from bot.core.port import Member, spoken_names
from bot.core.prompts import voice
from bot.core.pseudonyms import Keyring
from bot.core.turn import Turn
from bot.core.views import Views
from bot.support.settings import Settings
from storage.models import ActionRow, RoundRow

log = logging.getLogger(__name__)

ACCEPT = "action_accept"  # Incoming.action of the owner's button; the value is the action id
STATUSES = ("open", "doing", "done")
MAX_TEXT = 500
REMIND_BEFORE = dt.timedelta(days=1)
_MENTION = re.compile(r"^<@([A-Za-z0-9_.:-]+)(?:\|[^>]*)?>$")
_AT = re.compile(r"</?at>", re.IGNORECASE)


def find_owner(raw: str, members: list[Member]) -> Member | None:
    """The channel member ``raw`` names: a mention (``<@U02BRAM>``, ``<at>Bram</at>``), a
    user id, a full name or a first name that only one member has, ``@`` or not."""
    text = _AT.sub("", raw).strip()
    mention = _MENTION.match(text)
    if mention:
        text = mention.group(1)
    text = text.lstrip("@").strip()
    folded = " ".join(text.casefold().split())
    if not folded:
        return None
    for member in members:
        names = (member.name, *member.aliases)
        if member.user_id.casefold() == folded or any(
            " ".join(name.casefold().split()) == folded for name in names
        ):
            return member
    first = [m for m in members if m.name and m.name.casefold().split()[0] == folded]
    compact = [m for m in members if m.name.casefold().replace(" ", "") == folded]
    for found in (first, compact):
        if len(found) == 1:
            return found[0]
    return None


def due_text(views: Views, lang: str, row: ActionRow) -> str:
    """The due moment in the action's language and time zone, as Babel writes it: "maandag
    9 maart om 17:00" (the year only when it is not the year the action was recorded in)."""
    local = row.due.astimezone(ZoneInfo(row.timezone))
    year = local.year != row.day.year
    return views.t(
        lang,
        "format.datetime",
        date=day_text(lang, local.date(), year=year),
        time=clock_text(lang, local),
    )


class Actions:
    """Recording, accepting, listing and finishing actions; the owner's reminder."""

    def __init__(self, settings: Settings, views: Views, keyring: Keyring) -> None:
        self.settings = settings
        self.views = views
        self.keyring = keyring

    # -- words -----------------------------------------------------------------------------
    def status_word(self, lang: str, status: str) -> str:
        return self.views.t(lang, f"action.status_{status}")

    def describe(self, lang: str, row: ActionRow) -> str:
        return action_line(self.views.catalog, lang, agreed_action(self.views, lang, row))

    # -- the host records one ---------------------------------------------------------------
    async def _round(self, turn: Turn, number: int | None) -> RoundRow:
        """The round the action comes from: ``--ronde N`` (this channel's only), else the
        channel's newest; the sender must be its host."""
        i = turn.incoming
        query = select(RoundRow).where(
            RoundRow.platform == i.platform, RoundRow.workspace == i.workspace
        )
        if number is not None:
            row = await turn.session.scalar(query.where(RoundRow.seq == number))
            if row is None:
                raise CommandError("error.action_round_unknown", number=number)
            if row.channel_id != i.channel_id:
                raise CommandError("error.action_other_channel", number=number)
        else:
            row = await turn.session.scalar(
                query.where(RoundRow.channel_id == i.channel_id)
                .order_by(RoundRow.seq.desc())
                .limit(1)
            )
            if row is None:
                raise CommandError("error.no_round_yet")
        turn.lang = voice(row.language, row.address)
        if self.keyring.host_hash(row.id, i.platform, i.workspace, i.user_id) != row.host_hash:
            raise CommandError("error.action_not_host")
        return row

    async def _idea(self, turn: Turn, row: RoundRow, number: int, names: list[str]) -> str:
        """Idea ``number`` of the round's published ideas, as the harvest lists them."""
        ctx = await turn.store.context(row)
        request = await gather(turn.session, ctx, self.views.catalog, names)
        summary = await turn.prepared.summary(request)
        ideas = [
            item.text
            for phase in summary.phases
            if phase.published and phase.role == "ideas"
            for item in phase.items
        ]
        if not 1 <= number <= len(ideas):
            raise CommandError("error.action_idea", number=number, count=len(ideas))
        return ideas[number - 1]

    async def record(self, turn: Turn, command: Command) -> None:
        i = turn.incoming
        assert i.channel_id is not None and command.owner and command.due
        row = await self._round(turn, command.round_number)
        members = turn.prepared.humans(i.platform, i.workspace, i.channel_id)
        owner = find_owner(command.owner, members)
        if owner is None:
            raise CommandError("error.action_owner_unknown", owner=command.owner[:60])
        due = parse_deadline(command.due, turn.now, row.timezone)
        if command.idea is not None:
            text = await self._idea(turn, row, command.idea, spoken_names(members))
        else:
            text = " ".join(command.args[0].split())
        if len(text) > MAX_TEXT:
            raise CommandError("error.action_too_long", count=MAX_TEXT)
        where = (
            ActionRow.platform == i.platform,
            ActionRow.workspace == i.workspace,
            ActionRow.channel_id == i.channel_id,
        )
        number = (await turn.session.scalar(select(func.max(ActionRow.number)).where(*where))) or 0
        remind = due - REMIND_BEFORE
        action = ActionRow(
            id=uuid.uuid4().hex,
            platform=i.platform,
            workspace=i.workspace,
            channel_id=i.channel_id,
            number=number + 1,
            round_id=row.id,
            text=text,
            owner_id=owner.user_id,
            owner_name=owner.name or owner.user_id,
            recorder_id=i.user_id,
            due=due,
            remind_at=remind if remind > turn.now else None,
            status="open",
            accepted=False,
            language=voice(row.language, row.address),  # the round's form of address too
            timezone=row.timezone,
            day=turn.today,
        )
        turn.session.add(action)
        await turn.session.flush()
        lang = action.language
        turn.private(owner.user_id, self._offer(action))
        turn.channel(
            i.channel_id,
            Outgoing(
                (
                    Heading(self.views.t(lang, "action.recorded_heading", number=action.number)),
                    Text(self.describe(lang, action)),
                )
            ),
        )
        turn.reply(self.views.note(lang, "action.recorded_host", number=action.number))
        log.info("action %s recorded in round %s", action.id, row.id)

    def _offer(self, action: ActionRow) -> Outgoing:
        """The owner's private message: what, when, and the button to take it on."""
        lang = action.language
        return Outgoing(
            (
                Heading(self.views.t(lang, "action.offer_heading")),
                Text(self.describe(lang, action)),
                Text(self.views.t(lang, "action.offer_how", number=action.number)),
                Choices(ACCEPT, (Option(action.id, self.views.t(lang, "action.accept_button")),)),
            ),
            lang,
        )

    # -- the owner takes it on ----------------------------------------------------------------
    async def accept(self, turn: Turn) -> None:
        i = turn.incoming
        action = await turn.session.get(ActionRow, i.value or "", with_for_update=True)
        if action is None or (action.platform, action.workspace) != (i.platform, i.workspace):
            raise CommandError("error.action_unknown")
        turn.lang = action.language
        if action.owner_id != i.user_id:
            raise CommandError("error.action_not_owner", number=action.number)
        if action.accepted:
            raise CommandError("error.action_accepted_already", number=action.number)
        action.accepted = True
        turn.reply(self.views.note(action.language, "action.accepted", number=action.number))
        if action.recorder_id != action.owner_id:
            turn.private(
                action.recorder_id,
                self.views.note(
                    action.language,
                    "action.accepted_host",
                    number=action.number,
                    owner=action.owner_name,
                ),
            )

    # -- status and the news that it is done ------------------------------------------------
    async def set_status(self, turn: Turn, command: Command) -> None:
        i = turn.incoming
        number, status = int(command.args[0]), command.args[1]
        action = await turn.session.scalar(
            select(ActionRow)
            .where(
                ActionRow.platform == i.platform,
                ActionRow.workspace == i.workspace,
                ActionRow.channel_id == i.channel_id,
                ActionRow.number == number,
            )
            .with_for_update()
        )
        if action is None:
            raise CommandError("error.action_number_unknown", number=number)
        turn.lang = action.language
        if i.user_id not in (action.owner_id, action.recorder_id):
            raise CommandError("error.action_not_allowed", number=number)
        if action.status == status:
            raise CommandError(
                "error.action_same_status",
                number=number,
                status=self.status_word(turn.lang, status),
            )
        action.status = status
        lang = action.language
        word = self.status_word(lang, status)
        turn.channel(
            action.channel_id,
            self.views.note(lang, "action.status_changed", number=number, status=word),
        )
        reached = 0
        if status == "done" and action.round_id is not None:
            reached = await self._tell_invitees(turn, action)
        turn.reply(self.views.note(lang, "action.status_host", number=number, status=word))
        log.info("action %s: status %s, %d invitees told", action.id, status, reached)

    async def _tell_invitees(self, turn: Turn, action: ActionRow) -> int:
        """ "Wat er met je inbreng gebeurde": privately to everyone the round invited."""
        row = await turn.session.get(RoundRow, action.round_id)
        if row is None:
            return 0
        members = turn.prepared.humans(row.platform, row.workspace, row.channel_id)
        lang = action.language
        blocks: list[Block] = [
            Heading(self.views.t(lang, "action.news_heading")),
            Text(
                self.views.t(lang, "action.news_theme", theme=row.theme)
                if row.theme
                else self.views.t(lang, "action.news_no_theme")
            ),
            Text(self.views.t(lang, "action.news_done", text=action.text, owner=action.owner_name)),
        ]
        message = Outgoing(tuple(blocks), lang)
        reached = await invitees.reachable(turn, row, members)
        for user_id in reached:
            turn.private(user_id, message)
        return len(reached)

    # -- lists and reminders ----------------------------------------------------------------
    async def in_channel(self, session_turn: Turn, channel_id: str) -> list[ActionRow]:
        i = session_turn.incoming
        return list(
            await session_turn.session.scalars(
                select(ActionRow)
                .where(
                    ActionRow.platform == i.platform,
                    ActionRow.workspace == i.workspace,
                    ActionRow.channel_id == channel_id,
                )
                .order_by(ActionRow.number)
            )
        )

    async def list(self, turn: Turn) -> None:
        """``acties``: the channel's actions, privately to whoever asks."""
        i = turn.incoming
        assert i.channel_id is not None
        rows = await self.in_channel(turn, i.channel_id)
        lang = rows[-1].language if rows else turn.lang
        if not rows:
            turn.reply(self.views.note(lang, "action.none"))
            return
        blocks: list[Block] = [
            Heading(self.views.t(lang, "action.list_heading", count=len(rows))),
            *(Text(self.describe(lang, row)) for row in rows),
        ]
        turn.reply(Outgoing(tuple(blocks)))

    async def remind(self, turn: Turn, action_id: str) -> None:
        """The timer a day before the due moment: privately to the owner, unless done."""
        action = await turn.session.get(ActionRow, action_id, with_for_update=True)
        if action is None or action.status == "done":
            return
        lang = action.language
        turn.lang = lang
        turn.private(
            action.owner_id,
            Outgoing(
                (
                    Heading(self.views.t(lang, "action.reminder_heading")),
                    Text(self.describe(lang, action)),
                    Text(self.views.t(lang, "action.reminder_how", number=action.number)),
                ),
                lang,
            ),
        )


def agreed_action(views: Views, lang: str, row: ActionRow) -> AgreedAction:
    """``row`` in words, in ``lang``."""
    return AgreedAction(
        row.number,
        row.text,
        row.owner_name,
        due_text(views, lang, row),
        views.t(lang, f"action.status_{row.status}"),
        row.accepted,
    )


async def agreed(
    session: AsyncSession, views: Views, platform: str, workspace: str, channel_id: str, lang: str
) -> tuple[AgreedAction, ...]:
    """The channel's actions in words, for a digest or an export."""
    rows = await session.scalars(
        select(ActionRow)
        .where(
            ActionRow.platform == platform,
            ActionRow.workspace == workspace,
            ActionRow.channel_id == channel_id,
        )
        .order_by(ActionRow.number)
    )
    return tuple(agreed_action(views, lang, row) for row in rows)
