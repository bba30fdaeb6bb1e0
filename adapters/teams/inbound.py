"""The inbound side: one botbuilder turn per activity Teams posts to ``/api/messages``.

Each turn first remembers where the person and the channel are (conversation references in the
database, for proactive messages later), then hands the activity to the core as an
:class:`~bot.core.messages.Incoming`. The core deduplicates on the activity id.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from adapters.teams.activities import conversation_kind, team_and_channel, tenant_of, to_incoming
from adapters.teams.references import CHANNEL, TENANT, USER, ReferenceStore
from bot.core.messages import Incoming

log = logging.getLogger(__name__)


def references_of(activity: Activity) -> list[tuple[str, str, dict[str, Any]]]:
    """``(kind, key, reference)`` rows worth keeping from ``activity``."""
    reference: dict[str, Any] = TurnContext.get_conversation_reference(activity).serialize()
    reference.pop("activityId", None)
    rows: list[tuple[str, str, dict[str, Any]]] = []
    bot = reference.get("bot") or {}
    rows.append(
        (
            TENANT,
            "",
            {
                "serviceUrl": reference["serviceUrl"],
                "channelId": reference.get("channelId", "msteams"),
                "bot": bot,
                "conversation": {"id": ""},
            },
        )
    )
    kind = conversation_kind(activity)
    if kind == "personal" and activity.from_property is not None:
        rows.append((USER, str(activity.from_property.id), reference))
    elif kind == "channel":
        team_id, channel_id = team_and_channel(activity)
        if channel_id:
            # a channel reference is about the channel, not about who mentioned the bot
            shared = {k: v for k, v in reference.items() if k != "user"}
            conversation = {**reference["conversation"], "id": channel_id}
            rows.append(
                (CHANNEL, channel_id, {**shared, "conversation": conversation, "teamId": team_id})
            )
    elif kind == "groupChat":
        shared = {k: v for k, v in reference.items() if k != "user"}
        rows.append((CHANNEL, str(reference["conversation"]["id"]), shared))
    return rows


class TeamsBot:
    """What ``CloudAdapter.process`` calls for every authenticated activity."""

    def __init__(self, store: ReferenceStore, handle: Callable[[Incoming], Awaitable[None]]):
        self.store = store
        self.handle = handle

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        tenant = tenant_of(activity)
        if tenant and activity.service_url and activity.conversation is not None:
            for kind, key, reference in references_of(activity):
                await self.store.save(tenant, kind, key, reference)
        incoming = to_incoming(activity)
        if incoming is None:
            log.debug("teams: ignored %s activity", activity.type)
            return
        await self.handle(incoming)
