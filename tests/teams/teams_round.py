"""Driving a bot's ``/api/messages`` the way Teams does, and reading Adaptive Cards back."""

from __future__ import annotations

import itertools
from typing import Any

_ids = itertools.count(1)


def card_text(activity: dict[str, Any]) -> str:
    """All text a person sees in an activity: its text and every card's text blocks/runs."""
    parts = [activity.get("text") or ""]
    for attachment in activity.get("attachments") or []:
        content = attachment.get("content") or {}
        for element in content.get("body") or []:
            if element.get("text"):
                parts.append(element["text"])
            for run in element.get("inlines") or []:
                parts.append(run.get("text", ""))
            for action in element.get("actions") or []:
                parts.append(action.get("title", ""))
    return "\n".join(p for p in parts if p)


def submit_data(activity: dict[str, Any], title: str) -> dict[str, Any] | None:
    """The data of the card button titled ``title``, as Teams would post it back."""
    for attachment in activity.get("attachments") or []:
        for element in (attachment.get("content") or {}).get("body") or []:
            for action in element.get("actions") or []:
                if action.get("title") == title:
                    return dict(action["data"])
    return None


def activity(
    *,
    service_url: str,
    tenant: str,
    user: tuple[str, str],
    conversation: dict[str, Any],
    text: str | None = None,
    value: dict[str, Any] | None = None,
    mention_bot: bool = False,
    channel_data: dict[str, Any] | None = None,
    bot: tuple[str, str] = ("28:bot-app-id", "dialoogbot"),
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "message",
        "id": f"act-{next(_ids)}",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": user[0], "name": user[1]},
        "conversation": {**conversation, "tenantId": tenant},
        "recipient": {"id": bot[0], "name": bot[1]},
        "channelData": {"tenant": {"id": tenant}, **(channel_data or {})},
    }
    if text is not None:
        body["text"] = f"<at>{bot[1]}</at> {text}" if mention_bot else text
        body["textFormat"] = "plain"
    if mention_bot:
        mention = {"id": bot[0], "name": bot[1]}
        body["entities"] = [{"type": "mention", "mentioned": mention, "text": f"<at>{bot[1]}</at>"}]
    if value is not None:
        body["value"] = value
    return body
