"""Who is in a channel: paginated ``conversations.members``, names from ``users.list``."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.port import Member


async def channel_members(client: AsyncWebClient, channel_id: str) -> list[Member]:
    """Every member (paginated ``conversations.members``) with names from ``users.list``;
    guests from another workspace by ``users.info``."""
    ids: list[str] = []
    cursor: str | None = None
    while True:
        response = await client.conversations_members(channel=channel_id, limit=1000, cursor=cursor)
        members: list[Any] = response.get("members", [])
        ids.extend(str(u) for u in members)
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            break
    wanted = set(ids)
    people: dict[str, Member] = {}
    cursor = None
    while wanted - people.keys():
        response = await client.users_list(limit=1000, cursor=cursor)
        users: list[dict[str, Any]] = response.get("members", [])
        for user in users:
            if user.get("id") in wanted:
                people[user["id"]] = member(user)
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            break
    for user_id in sorted(wanted - people.keys()):  # e.g. guests from another workspace
        response = await client.users_info(user=user_id)
        people[user_id] = member(response.get("user") or {"id": user_id})
    return [people[user_id] for user_id in dict.fromkeys(ids)]


def member(user: dict[str, Any]) -> Member:
    profile = user.get("profile") or {}
    # The full name to show (an action's owner), the other names for the scrubber only: one
    # string of all of them named Bram Jansen "Bram Jansen Bram" in the channel.
    found = [profile.get("real_name"), user.get("real_name"), profile.get("display_name")]
    names = list(dict.fromkeys(n.strip() for n in found if isinstance(n, str) and n.strip()))
    user_id = str(user.get("id", ""))
    is_bot = bool(user.get("is_bot")) or user_id == "USLACKBOT" or bool(user.get("is_app_user"))
    if not names:
        return Member(user_id=user_id, name=str(user.get("name", "")), is_bot=is_bot)
    return Member(user_id=user_id, name=names[0], is_bot=is_bot, aliases=tuple(names[1:]))
