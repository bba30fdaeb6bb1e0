"""Translate Slack payloads (events, slash commands, button presses) into :class:`Incoming`.

Pure functions over the JSON bolt hands us, so they are tested without a server. Each
``Incoming`` carries a delivery id the core deduplicates on: Slack's ``event_id`` for events
(the same on every retry), the ``trigger_id`` for commands and interactions.
"""

from __future__ import annotations

import html
import re
from typing import Any

from adapters.slack.blocks import parse_block_id
from adapters.slack.modal import entry_submission
from bot.core.messages import Incoming

PLATFORM = "slack"
# Message subtypes that are still a person writing (everything else: edits, joins, bots).
PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})
_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>[\s:,]*")


def unescape(text: str) -> str:
    """Slack sends ``&``, ``<`` and ``>`` escaped; the core stores what the person typed."""
    return html.unescape(text) if "&" in text else text


def _where(channel_id: str | None) -> str | None:
    """The private chat with the bot (a ``D…`` channel) is ``None`` for the core."""
    return None if not channel_id or channel_id.startswith("D") else channel_id


def from_message(body: dict[str, Any]) -> Incoming | None:
    """A private message to the bot (``message.im``), or None for anything else."""
    event = body.get("event") or {}
    if event.get("channel_type") != "im" or event.get("subtype") not in PERSON_SUBTYPES:
        return None
    if event.get("bot_id") or not event.get("user"):
        return None
    return Incoming(
        platform=PLATFORM,
        workspace=str(body.get("team_id") or event.get("team") or ""),
        user_id=str(event["user"]),
        text=unescape(str(event.get("text") or "")).strip(),
        channel_id=None,
        event_id=body.get("event_id"),
    )


def from_mention(body: dict[str, Any]) -> Incoming | None:
    """``@dialoogbot start`` in a channel: the same words as ``/dialoog start``."""
    event = body.get("event") or {}
    if event.get("bot_id") or not event.get("user"):
        return None
    text = _LEADING_MENTION.sub("", unescape(str(event.get("text") or "")), count=1)
    return Incoming(
        platform=PLATFORM,
        workspace=str(body.get("team_id") or event.get("team") or ""),
        user_id=str(event["user"]),
        text=text.strip(),
        channel_id=_where(event.get("channel")),
        event_id=body.get("event_id"),
    )


def from_command(body: dict[str, Any]) -> Incoming:
    """``/dialoog <words>``: the words go to the core as they are."""
    return Incoming(
        platform=PLATFORM,
        workspace=str(body.get("team_id") or ""),
        user_id=str(body.get("user_id") or ""),
        text=unescape(str(body.get("text") or "")).strip(),
        channel_id=_where(body.get("channel_id")),
        event_id=f"command:{body.get('trigger_id')}",
    )


def from_action(body: dict[str, Any]) -> Incoming | None:
    """A press on one of our buttons: the choice key, the option value and the round."""
    actions = body.get("actions") or []
    if not actions:
        return None
    action = actions[0]
    parsed = parse_block_id(str(action.get("block_id") or ""))
    if parsed is None:
        return None
    key, round_id = parsed
    user = body.get("user") or {}
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    delivery = body.get("trigger_id") or f"{user.get('id')}:{action.get('action_ts')}"
    return Incoming(
        platform=PLATFORM,
        workspace=str((body.get("team") or {}).get("id") or user.get("team_id") or ""),
        user_id=str(user.get("id") or ""),
        channel_id=_where(channel),
        action=key,
        value=str(action.get("value") or ""),
        round_id=round_id,
        event_id=f"action:{delivery}",
    )


def from_form(body: dict[str, Any], channel_id: str, words: str) -> Incoming:
    """The submitted start form, as the ``start`` words the host could have typed."""
    user = body.get("user") or {}
    delivery = body.get("trigger_id") or (body.get("view") or {}).get("id")
    return Incoming(
        platform=PLATFORM,
        workspace=str((body.get("team") or {}).get("id") or user.get("team_id") or ""),
        user_id=str(user.get("id") or ""),
        text=words,
        channel_id=channel_id,
        event_id=f"form:{delivery}",
    )


def from_entry(body: dict[str, Any]) -> Incoming | None:
    """A submitted one-field form (a theme's new name): the entry's key, ``ref\ttext`` and
    the round, as if a button with that value had been pressed in the private chat."""
    view = body.get("view") or {}
    found = entry_submission(view)
    if found is None:
        return None
    key, value, round_id = found
    user = body.get("user") or {}
    return Incoming(
        platform=PLATFORM,
        workspace=str((body.get("team") or {}).get("id") or user.get("team_id") or ""),
        user_id=str(user.get("id") or ""),
        channel_id=None,
        action=key,
        value=value,
        round_id=round_id,
        event_id=f"entry:{view.get('id')}:{view.get('hash') or body.get('trigger_id')}",
    )
