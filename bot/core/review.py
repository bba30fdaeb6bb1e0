"""The host's review of a summary before it reaches the channel (PRODUCT.md §3, Publishing).

``summary``, ``close`` and the deadline make a *draft*: the summary as it would be published,
kept in ``drafts`` (:class:`storage.models.DraftRow`) and sent privately to the round's host
with buttons: publish, rename a theme, remove a quote, cancel. The same can be typed, in the
channel or the private chat: ``publiceer``, ``hernoem <n> <naam>``, ``verwijder citaat <n>``,
``annuleer``. Only the round's host (their keyed hash, :attr:`RoundRow.host_hash`) can act on a
draft; anyone else is refused and nothing changes. A draft outlives its round's close; it goes
when it is published or cancelled, and a new draft of the same round replaces it.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.core import drafts
from bot.core.commands import Command, CommandError
from bot.core.messages import Block, Choices, Entry, Heading, Option, Outgoing, Quote, Text
from bot.core.port import Member
from bot.core.prompts import voice
from bot.core.pseudonyms import Keyring
from bot.core.render import chunks, summary_outgoing, theme_heading
from bot.core.rounds import RoundContext
from bot.core.summary import Summary
from bot.core.thanks import owe
from bot.core.themes import Publication
from bot.core.turn import Turn
from bot.core.views import Views
from storage.models import DraftRow, RoundRow

log = logging.getLogger(__name__)

# Incoming.action keys of the draft's buttons and fields.
DRAFT = "draft"
RENAME = "draft_rename"
REMOVE = "draft_quote"
ACTIONS = frozenset({DRAFT, RENAME, REMOVE})


class Reviews:
    """Drafts: made by the host commands and timers, acted on by the round's host only."""

    def __init__(
        self, views: Views, keyring: Keyring, publication: Publication | None = None
    ) -> None:
        self.views = views
        self.keyring = keyring
        self.publication = publication

    # -- making a draft ---------------------------------------------------------------------
    def host_among(self, ctx: RoundContext, members: list[Member]) -> str | None:
        """The user id of the round's host among ``members`` (found by their keyed hash)."""
        row = ctx.row
        for member in members:
            if self.keyring.host_hash(row.id, row.platform, row.workspace, member.user_id) == (
                row.host_hash
            ):
                return member.user_id
        return None

    async def make(
        self, turn: Turn, ctx: RoundContext, summary: Summary, heading: str, host: str | None
    ) -> None:
        """Keep ``summary`` as the round's draft (replacing an older one) and send it to
        ``host`` privately; with no host to reach, it waits for ``publiceer`` in the channel."""
        content = drafts.dumps(summary)
        row = await turn.session.get(DraftRow, ctx.id, with_for_update=True)
        if row is None:
            row = DraftRow(round_id=ctx.id, heading=heading, content=content, day=turn.today)
            turn.session.add(row)
        else:
            row.heading, row.content, row.day = heading, content, turn.today
        if host is not None:
            turn.private(host, self.preview(ctx.row, row))
        else:
            log.info("round %s: draft kept; its host is not in the channel", ctx.id)

    def preview(self, round_row: RoundRow, draft: DraftRow) -> Outgoing:
        """What the host sees: the summary as it would be posted, numbered, with buttons."""
        lang = voice(round_row.language, round_row.address)
        summary = drafts.loads(draft.content)
        body = summary_outgoing(drafts.numbered(summary, self.views.catalog), self.views.catalog)
        blocks: list[Block] = [
            Heading(self.views.t(lang, "draft.heading", heading=draft.heading)),
            Text(self.views.t(lang, "draft.intro")),
            *body.blocks,
            Text(self.views.t(lang, "draft.how")),
            Choices(
                DRAFT,
                (
                    Option("publish", self.views.t(lang, "draft.button.publish")),
                    Option("rename", self.views.t(lang, "draft.button.rename")),
                    Option("remove", self.views.t(lang, "draft.button.remove")),
                    Option("discard", self.views.t(lang, "draft.button.discard")),
                ),
                round_row.id,
            ),
        ]
        return Outgoing(tuple(blocks))

    # -- finding the draft a host means ---------------------------------------------------------
    async def _for_round(self, turn: Turn, round_id: str) -> tuple[RoundRow, DraftRow]:
        row = await turn.session.get(RoundRow, round_id)
        i = turn.incoming
        if row is None or (row.platform, row.workspace) != (i.platform, i.workspace):
            raise CommandError("error.no_draft")
        turn.lang = voice(row.language, row.address)
        self._check_host(turn, row)
        draft = await turn.session.get(DraftRow, round_id, with_for_update=True)
        if draft is None:
            raise CommandError("error.no_draft")
        return row, draft

    def _check_host(self, turn: Turn, row: RoundRow) -> None:
        i = turn.incoming
        if self.keyring.host_hash(row.id, i.platform, i.workspace, i.user_id) != row.host_hash:
            raise CommandError("error.draft_not_host")

    async def _in_channel(self, turn: Turn) -> tuple[RoundRow, DraftRow]:
        """The newest draft of this channel's rounds; only its host may act on it."""
        i = turn.incoming
        found = (
            await turn.session.execute(
                select(RoundRow, DraftRow)
                .join(DraftRow, DraftRow.round_id == RoundRow.id)
                .where(
                    RoundRow.platform == i.platform,
                    RoundRow.workspace == i.workspace,
                    RoundRow.channel_id == i.channel_id,
                )
                .order_by(RoundRow.seq.desc())
                .limit(1)
            )
        ).first()
        if found is None:
            raise CommandError("error.no_draft")
        turn.lang = voice(found[0].language, found[0].address)
        self._check_host(turn, found[0])
        return await self._for_round(turn, found[0].id)

    async def hosted(self, turn: Turn) -> RoundRow | None:
        """In a private chat: the newest round with a draft whose host is the sender."""
        i = turn.incoming
        rows = await turn.session.scalars(
            select(RoundRow)
            .join(DraftRow, DraftRow.round_id == RoundRow.id)
            .where(RoundRow.platform == i.platform, RoundRow.workspace == i.workspace)
            .order_by(RoundRow.seq.desc())
        )
        for row in rows:
            if self.keyring.host_hash(row.id, i.platform, i.workspace, i.user_id) == row.host_hash:
                return row
        return None

    # -- acting on it -----------------------------------------------------------------------
    async def command(self, turn: Turn, command: Command, round_id: str | None = None) -> None:
        """A typed draft command: in the channel its newest draft, privately ``round_id``'s."""
        if round_id is not None:
            row, draft = await self._for_round(turn, round_id)
        else:
            row, draft = await self._in_channel(turn)
        if command.name == "publish":
            await self._publish(turn, row, draft)
        elif command.name == "discard":
            await self._discard(turn, row, draft)
        elif command.name == "rename":
            number, label = int(command.args[0]), command.args[1]
            self._edit(turn, row, draft, drafts.rename(drafts.loads(draft.content), number, label))
        else:
            number = int(command.args[0])
            self._edit(turn, row, draft, drafts.remove_quote(drafts.loads(draft.content), number))

    async def action(self, turn: Turn) -> None:
        """A button press or a submitted field on a draft message."""
        i = turn.incoming
        if i.round_id is None:
            raise CommandError("error.no_draft")
        row, draft = await self._for_round(turn, i.round_id)
        value = i.value or ""
        summary = drafts.loads(draft.content)
        if i.action == DRAFT and value == "publish":
            await self._publish(turn, row, draft)
        elif i.action == DRAFT and value == "discard":
            await self._discard(turn, row, draft)
        elif i.action == DRAFT and value == "rename":
            turn.reply(self._rename_form(row, summary))
        elif i.action == DRAFT and value == "remove":
            turn.reply(self._remove_list(row, summary))
        elif i.action == RENAME:
            number, _, label = value.partition("\t")
            if not number.isdigit():
                raise CommandError("error.draft_rename_usage")
            self._edit(turn, row, draft, drafts.rename(summary, int(number), label))
        elif i.action == REMOVE and value.isdigit():
            self._edit(turn, row, draft, drafts.remove_quote(summary, int(value)))
        else:
            raise CommandError("error.choice_stale")

    async def _publish(self, turn: Turn, row: RoundRow, draft: DraftRow) -> None:
        summary = drafts.loads(draft.content)
        body = summary_outgoing(summary, self.views.catalog)
        footer: list[Block] = []
        if self.publication is not None:
            footer = await self.publication.published(turn, row, summary, turn.incoming.user_id)
        turn.channel(row.channel_id, Outgoing((Heading(draft.heading), *body.blocks, *footer)))
        row.published = draft.content  # as the host left it: what a vote's options come from
        await turn.session.delete(draft)
        if row.status == "closed":
            owe(turn, self.views, row, summary)
        turn.reply(self.views.note(voice(row.language, row.address), "draft.published"))
        log.info("round %s: draft published by its host", row.id)

    async def _discard(self, turn: Turn, row: RoundRow, draft: DraftRow) -> None:
        await turn.session.delete(draft)
        turn.reply(self.views.note(voice(row.language, row.address), "draft.discarded"))
        log.info("round %s: draft cancelled by its host", row.id)

    def _edit(self, turn: Turn, row: RoundRow, draft: DraftRow, summary: Summary) -> None:
        """Keep the edited draft and show it again: privately, also when typed in the channel."""
        draft.content = drafts.dumps(summary)
        i = turn.incoming
        if i.channel_id is None:
            turn.reply(self.preview(row, draft))
        else:
            turn.private(i.user_id, self.preview(row, draft))
            turn.reply(self.views.note(voice(row.language, row.address), "draft.changed"))

    def _rename_form(self, row: RoundRow, summary: Summary) -> Outgoing:
        lang = voice(row.language, row.address)
        options = tuple(
            Option(str(n), f"{n}. {theme_heading(self.views.catalog, summary.language, theme)}")
            for n, theme in enumerate(drafts.themes(summary), start=1)
        )
        if not options:
            return self.views.note(lang, "draft.no_themes")
        return Outgoing(
            (
                Text(self.views.t(lang, "draft.rename_intro")),
                Entry(
                    RENAME,
                    options,
                    self.views.t(lang, "draft.rename_label"),
                    self.views.t(lang, "draft.rename_submit"),
                    self.views.t(lang, "draft.rename_command"),
                    row.id,
                ),
            )
        )

    def _remove_list(self, row: RoundRow, summary: Summary) -> Outgoing:
        lang = voice(row.language, row.address)
        texts = drafts.quotes(summary)
        if not texts:
            return self.views.note(lang, "draft.no_quotes")
        blocks: list[Block] = [Text(self.views.t(lang, "draft.remove_intro"))]
        lines = [f"[{n}] {' '.join(text.split())}" for n, text in enumerate(texts, start=1)]
        blocks += [Quote(chunk) for chunk in chunks(lines)]
        blocks.append(
            Choices(
                REMOVE,
                tuple(
                    Option(str(n), self.views.t(lang, "draft.remove_button", number=n))
                    for n in range(1, len(texts) + 1)
                ),
                row.id,
            )
        )
        return Outgoing(tuple(blocks))
