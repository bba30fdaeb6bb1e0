"""A vote's or feedback stage's result before it reaches the channel (PRODUCT.md §3,
Publishing): closing a stage of a round that publishes after review sends the result privately
to the round's host, comments numbered; the host publishes it, discards it (it then shows in no
harvest either) or takes out a comment that makes someone recognisable, with buttons. Only the
round's host (their keyed hash) can act on it; anyone else is refused and nothing changes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.core.ballots import BallotBox, StageContext
from bot.core.commands import CommandError
from bot.core.messages import Block, Choices, Heading, Option, Outgoing, Text
from bot.core.turn import Turn
from bot.core.views import Views
from storage.models import RoundRow, StageRow

if TYPE_CHECKING:
    from bot.core.stages import StageBehaviour

REVIEW = "review"  # closed, the result waiting for its host (StageRow.status)
RESULT = "stage_result"  # the host's buttons on a result in review: publish, discard
RESULT_REMOVE = "stage_result_remove"  # take comment n out


class Results:
    """Results waiting for their host's review."""

    def __init__(
        self, views: Views, box: BallotBox, behaviour: Callable[[str], StageBehaviour]
    ) -> None:
        self.views = views
        self.box = box
        self.behaviour = behaviour

    def host_among(self, row: RoundRow, members: list[str]) -> str | None:
        """The user id of the round's host among ``members`` (by their keyed hash)."""
        for user in members:
            if self.box.keyring.host_hash(row.id, row.platform, row.workspace, user) == (
                row.host_hash
            ):
                return user
        return None

    def preview(self, stage: StageContext) -> Outgoing:
        """The result as the host sees it before it is posted, comments numbered."""
        lang = stage.voice
        behaviour = self.behaviour(stage.row.kind)
        body = behaviour.result(stage, self.views, numbered=True)
        options = [
            Option("publish", self.views.t(lang, "draft.button.publish")),
            Option("discard", self.views.t(lang, "draft.button.discard")),
        ]
        blocks: list[Block] = [
            Heading(self.views.t(lang, "stage.review_heading")),
            Text(self.views.t(lang, "stage.review_intro")),
            *body.blocks,
            Choices(RESULT, tuple(options), stage.id),
        ]
        count = behaviour.comments(stage.results or {})
        if count:
            blocks.append(Text(self.views.t(lang, "stage.review_remove")))
            blocks.append(
                Choices(
                    RESULT_REMOVE,
                    tuple(
                        Option(str(n), self.views.t(lang, "draft.remove_button", number=n))
                        for n in range(1, count + 1)
                    ),
                    stage.id,
                )
            )
        return Outgoing(tuple(blocks))

    async def action(self, turn: Turn) -> None:
        """The host's press on a result waiting for review: publish, discard, drop a comment."""
        row = await turn.session.get(StageRow, turn.incoming.round_id or "", with_for_update=True)
        i = turn.incoming
        if row is None:
            raise CommandError("error.stage_unknown")
        stage = await self.box.context(turn, row)
        owner = stage.round
        if (owner.platform, owner.workspace) != (i.platform, i.workspace):
            raise CommandError("error.stage_unknown")
        turn.lang = stage.voice
        if self.box.keyring.host_hash(owner.id, i.platform, i.workspace, i.user_id) != (
            owner.host_hash
        ):
            raise CommandError("error.draft_not_host")
        if row.status != REVIEW:
            raise CommandError("error.no_draft")
        behaviour = self.behaviour(row.kind)
        value = i.value or ""
        if i.action == RESULT and value == "publish":
            row.status = "closed"
            turn.channel(owner.channel_id, behaviour.result(stage, self.views))
            turn.reply(self.views.note(stage.voice, "stage.published"))
        elif i.action == RESULT and value == "discard":
            row.status = "closed"
            row.results = json.dumps({"published": False, "discarded": True})
            turn.reply(self.views.note(stage.voice, "stage.discarded"))
        elif i.action == RESULT_REMOVE and value.isdigit():
            results = behaviour.without_comment(stage.results or {}, int(value))
            row.results = json.dumps(results, ensure_ascii=False)
            turn.reply(self.preview(stage))
        else:
            raise CommandError("error.choice_stale")
