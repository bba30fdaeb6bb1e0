"""Finding a delivery again in Slack after a crash: each message carries its outbox key as
metadata, and the later pages of a long message carry ``<key>/<page>``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

METADATA_EVENT = "dialoogbot_delivery"
HISTORY_PAGES = 3  # of 200 messages: further back, a lookup says "not sure"


@dataclass(frozen=True)
class Found:
    """A message found by its key: where, which of its later pages arrived, how many pages."""

    channel: str
    ts: str
    later: frozenset[int]
    pages: int


def page_key(key: str, page: int) -> str:
    return f"{key}/{page}"


async def search_history(client: AsyncWebClient, channel: str, key: str) -> Found | bool | None:
    """The message with ``key`` in the recent history of ``channel``, with the later pages
    of it seen there; False when the history has none; None when it is too long to be sure."""
    cursor: str | None = None
    later: set[int] = set()
    for _ in range(HISTORY_PAGES):
        response = await client.conversations_history(
            channel=channel, limit=200, include_all_metadata=True, cursor=cursor
        )
        messages: list[dict[str, Any]] = response.get("messages", [])
        for item in messages:
            payload = _payload(item)
            if payload.get("key") == key:
                count = payload.get("pages")
                pages = count if isinstance(count, int) and count > 1 else 1
                return Found(channel, str(item.get("ts")), frozenset(later), pages)
            page = _page_of(payload.get("key"), key)
            if page is not None:
                later.add(page)
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return False
    return None


async def pages_in_thread(
    client: AsyncWebClient, channel: str, ts: str, key: str
) -> frozenset[int]:
    """The later pages of ``key`` in the thread under ``ts``."""
    found: set[int] = set()
    cursor: str | None = None
    while True:
        response = await client.conversations_replies(
            channel=channel, ts=ts, limit=200, include_all_metadata=True, cursor=cursor
        )
        replies: list[dict[str, Any]] = response.get("messages", [])
        for item in replies:
            page = _page_of(_payload(item).get("key"), key)
            if page is not None:
                found.add(page)
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return frozenset(found)


def _payload(item: dict[str, Any]) -> dict[str, Any]:
    metadata = item.get("metadata") or {}
    if metadata.get("event_type") != METADATA_EVENT:
        return {}
    payload = metadata.get("event_payload")
    return payload if isinstance(payload, dict) else {}


def _page_of(found: object, key: str) -> int | None:
    """The page number when ``found`` is the key of a later page of ``key``."""
    if not isinstance(found, str) or not found.startswith(f"{key}/"):
        return None
    number = found[len(key) + 1 :]
    return int(number) if number.isdigit() else None
