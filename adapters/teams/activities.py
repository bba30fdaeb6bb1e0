"""Translate a Bot Framework activity from Teams into a platform-neutral :class:`Incoming`.

- in a team channel the text after ``@dialoogbot`` is a command (``channel_id`` is the channel);
- in the personal chat the text is a command word or an answer (``channel_id`` is ``None``);
- an ``Action.Submit`` from one of our cards carries the choice key, value and round id.

The bot's own mention is removed using the mention entities Teams sends; other ``<at>``
mentions are kept as they are so the core's scrubber can replace them, and any other markup
Teams adds (``<p>``, ``<div>``, entities) is reduced to plain text.
"""

from __future__ import annotations

import html
import re
from typing import Any

from botbuilder.schema import Activity, ActivityTypes

from adapters.teams.cards import ACTION_KEY, REF_KEY, ROUND_KEY, VALUE_KEY
from bot.core.messages import Incoming

PLATFORM = "teams"

_BREAK = re.compile(r"<\s*(?:br|/p|/div)\s*/?\s*>", re.IGNORECASE)
_TAG_EXCEPT_AT = re.compile(r"<(?!\s*/?\s*at\b)[^>]*>", re.IGNORECASE)
_AT_BLOCK = re.compile(r"(<\s*at\b[^>]*>.*?<\s*/\s*at\s*>)", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"[ \t\u00a0]+")


def tenant_of(activity: Activity) -> str:
    """The Teams tenant id (our ``workspace``), from the conversation or the channel data."""
    conversation = activity.conversation
    if conversation is not None and conversation.tenant_id:
        return str(conversation.tenant_id)
    data = activity.channel_data or {}
    tenant = data.get("tenant") if isinstance(data, dict) else None
    return str(tenant.get("id", "")) if isinstance(tenant, dict) else ""


def team_and_channel(activity: Activity) -> tuple[str | None, str | None]:
    """``(team id, channel id)`` for a channel message, ``(None, None)`` elsewhere."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = data.get("team") or {}
    channel = data.get("channel") or {}
    team_id = team.get("id") if isinstance(team, dict) else None
    channel_id = channel.get("id") if isinstance(channel, dict) else None
    if channel_id is None and activity.conversation is not None:
        if activity.conversation.conversation_type == "channel":
            channel_id = str(activity.conversation.id).split(";", 1)[0]
    return team_id, channel_id


def conversation_kind(activity: Activity) -> str:
    """``personal``, ``channel`` or ``groupChat`` (Teams' ``conversationType``)."""
    conversation = activity.conversation
    kind = conversation.conversation_type if conversation is not None else None
    if kind:
        return str(kind)
    return "groupChat" if conversation is not None and conversation.is_group else "personal"


def _strip_bot_mention(activity: Activity, text: str) -> str:
    bot_id = activity.recipient.id if activity.recipient is not None else None
    for entity in activity.entities or []:
        props: dict[str, Any] = entity.additional_properties or {}
        if entity.type != "mention":
            continue
        mentioned = props.get("mentioned") or {}
        if bot_id is not None and mentioned.get("id") == bot_id and props.get("text"):
            text = text.replace(str(props["text"]), " ")
    return text


def plain_text(text: str) -> str:
    """Teams message text as plain text; ``<at>`` mentions of other people are kept."""
    text = _BREAK.sub("\n", text)
    parts = _AT_BLOCK.split(text)
    cleaned = []
    for index, part in enumerate(parts):
        if index % 2 == 1:  # an <at>…</at> block: keep it for the scrubber
            cleaned.append(part)
        else:
            cleaned.append(html.unescape(_TAG_EXCEPT_AT.sub("", part)))
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(cleaned).splitlines())
    return "\n".join(line for line in lines if line)


def to_incoming(activity: Activity) -> Incoming | None:
    """The :class:`Incoming` for a message or card submit; ``None`` for anything else."""
    if activity.type != ActivityTypes.message or activity.from_property is None:
        return None
    kind = conversation_kind(activity)
    if kind == "channel":
        channel_id = team_and_channel(activity)[1]
    elif kind == "groupChat":
        channel_id = str(activity.conversation.id)
    else:
        channel_id = None
    common: dict[str, Any] = {
        "platform": PLATFORM,
        "workspace": tenant_of(activity),
        "user_id": str(activity.from_property.id),
        "channel_id": channel_id,
        "event_id": str(activity.id) if activity.id else None,
    }
    value = activity.value if isinstance(activity.value, dict) else None
    if value is not None and value.get(ACTION_KEY):
        chosen = value.get(VALUE_KEY)
        round_id = value.get(ROUND_KEY)
        if value.get(REF_KEY) is not None:  # an Entry: which option, and the text typed
            chosen = f"{value[REF_KEY]}\t{chosen or ''}"
        return Incoming(
            **common,
            action=str(value[ACTION_KEY]),
            value=None if chosen is None else str(chosen),
            round_id=None if round_id is None else str(round_id),
        )
    text = plain_text(_strip_bot_mention(activity, activity.text or ""))
    if not text:
        return None
    return Incoming(**common, text=text)
