"""``SlackPlatform``: the core's :class:`~bot.core.port.Platform` on the Slack Web API.

Every post is paced (:mod:`adapters.slack.pacing`), 429s are retried after ``Retry-After``
(:mod:`adapters.slack.retry`), and each delivery carries its outbox key as message metadata
so :meth:`SlackPlatform.was_delivered` can tell after a crash whether it arrived.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import CONTINUED, fallback, pages, render, rendered
from adapters.slack.deliveries import (
    METADATA_EVENT,
    Found,
    page_key,
    pages_in_thread,
    search_history,
)
from adapters.slack.members import channel_members
from adapters.slack.pacing import WORKSPACE_CEILING, WORKSPACE_RATE, Pacer
from adapters.slack.retry import retry_after, retry_handlers
from bot.core.messages import Attachment, Outgoing
from bot.core.port import (
    URGENT,
    DeliveryDeferred,
    DeliveryRefused,
    Member,
    MessageRef,
    NotInChannel,
)
from bot.runtime.rates import Rates
from storage.database import Database

log = logging.getLogger(__name__)

# Errors after which Slack will never take this message: count it and move on.
REFUSED = frozenset(
    {
        "channel_not_found",
        "user_not_found",
        "users_not_found",
        "is_archived",
        "cannot_dm_bot",
        "user_disabled",
        "account_inactive",
        "not_in_channel",
        "messages_tab_disabled",
        "restricted_action",
        "invalid_blocks",
        "msg_too_long",
        "too_many_attachments",
        "no_text",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "missing_scope",
    }
)

TokenSource = Callable[[str], Awaitable[str | None]]


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error", "")) if exc.response is not None else ""


class SlackPlatform:
    """Sends, updates and looks up messages for every installed workspace."""

    name = "slack"

    def __init__(
        self,
        tokens: TokenSource,
        api_url: str,
        workspace_rate: float = WORKSPACE_RATE,
        channel_interval: float = 1.0,
        workspace_ceiling: float = WORKSPACE_CEILING,
        db: Database | None = None,
    ) -> None:
        self._tokens = tokens
        self._api_url = api_url
        self.channel_interval = channel_interval
        # Each workspace's rate starts at ``workspace_rate`` (or what was learned before) and
        # finds Slack's limit for it, never above ``workspace_ceiling``.
        self.rates = Rates(self.name, workspace_rate, max(workspace_rate, workspace_ceiling), db)
        self._clients: dict[str, AsyncWebClient] = {}
        self._pacers: dict[str, Pacer] = {}
        self._dm_channels: dict[tuple[str, str], str] = {}
        # Found by was_delivered after a crash: resent, such a message posts only what is
        # missing (in this process, as recovery and the resend both run here).
        self._partial: dict[str, Found] = {}
        self._session: aiohttp.ClientSession | None = None
        self.stats: Counter[str] = Counter()

    async def close(self) -> None:
        await self.rates.flush()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def pacer(self, workspace: str) -> Pacer:
        """The workspace's pacer, at the rate learned for it so far."""
        if workspace not in self._pacers:
            rate = await self.rates.get(workspace)
            if workspace not in self._pacers:

                def limited() -> None:
                    self.rates.limited(workspace)

                self._pacers[workspace] = Pacer(rate, self.channel_interval, on_limited=limited)
        return self._pacers[workspace]

    async def client(self, workspace: str) -> AsyncWebClient:
        """One Web API client per workspace, sharing one HTTP session."""
        if workspace in self._clients:
            return self._clients[workspace]
        token = await self._tokens(workspace)
        if not token:
            raise DeliveryRefused(f"no Slack installation for workspace {workspace}")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=200),
                timeout=aiohttp.ClientTimeout(total=30),
            )
        client = AsyncWebClient(
            token=token,
            base_url=self._api_url,
            session=self._session,
            retry_handlers=retry_handlers(await self.pacer(workspace), self.stats),
        )
        self._clients[workspace] = client
        return client

    async def _post(
        self,
        workspace: str,
        channel: str,
        blocks: list[dict[str, Any]],
        text: str,
        thread_ts: str | None = None,
        key: str | None = None,
        count: int = 1,
    ) -> MessageRef:
        client = await self.client(workspace)
        kwargs: dict[str, Any] = {"channel": channel, "blocks": blocks, "text": text}
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        if key:
            payload: dict[str, Any] = {"key": key}
            if count > 1:
                payload["pages"] = count  # was_delivered checks that every page arrived
            kwargs["metadata"] = {"event_type": METADATA_EVENT, "event_payload": payload}
        await (await self.pacer(workspace)).acquire(channel, URGENT.get())
        try:
            response = await client.chat_postMessage(**kwargs)
        except SlackApiError as exc:
            raise self._failure(exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            # The post may have reached Slack before the connection broke: look before retrying.
            if key:
                found = await self._find(workspace, channel, key)
                if found is not None:
                    return MessageRef(found[0], found[1])
            raise DeliveryDeferred(1.0, f"Slack unreachable: {exc}") from exc
        self.stats["sent"] += 1
        self.rates.succeeded(workspace)
        return MessageRef(str(response["channel"]), str(response["ts"]))

    def _failure(self, exc: SlackApiError) -> Exception:
        status = exc.response.status_code if exc.response is not None else 0
        error = _error(exc)
        if status == 429 or error == "ratelimited":
            headers = exc.response.headers if exc.response is not None else {}
            seconds = retry_after(headers)
            return DeliveryDeferred(seconds, "Slack rate limit")
        if error in REFUSED:
            self.stats["refused"] += 1
            return DeliveryRefused(error)
        return DeliveryDeferred(5.0, error or f"HTTP {status}")

    async def _post_pages(
        self,
        workspace: str,
        channel: str,
        message: Outgoing,
        thread_of: str | None,
        key: str | None,
        thread_rest: bool,
    ) -> MessageRef:
        all_pages, text = rendered(message)
        first, *rest = all_pages
        partial = self._partial.pop(key, None) if key else None
        if partial is not None:
            ref, arrived = MessageRef(partial.channel, partial.ts), partial.later
        else:
            ref = await self._post(workspace, channel, first, text, thread_of, key, len(rest) + 1)
            arrived = frozenset()
        for n, page in enumerate(rest, 1):
            if n in arrived:
                continue
            thread = (thread_of or ref.message_id) if thread_rest else None
            later = page_key(key, n) if key else None
            await self._post(workspace, ref.channel_id, page, CONTINUED, thread, later)
        return ref

    async def _upload(self, workspace: str, user_id: str, attachment: Attachment) -> None:
        """Share ``attachment`` in the private chat with ``user_id`` through Slack's external
        upload flow (``files.getUploadURLExternal``, the bytes to the upload URL,
        ``files.completeUploadExternal`` with the private chat as ``channel_id``), done by
        slack_sdk's ``files_upload_v2``. The file is shared in that chat only."""
        client = await self.client(workspace)
        channel = await self._dm_channel(workspace, user_id)
        await (await self.pacer(workspace)).acquire(channel, URGENT.get())
        try:
            await client.files_upload_v2(
                channel=channel,
                content=attachment.data,
                filename=attachment.filename,
                title=attachment.title,
            )
        except SlackApiError as exc:
            raise self._failure(exc) from exc
        except (SlackRequestError, aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryDeferred(5.0, f"file upload failed: {exc}") from exc
        self.stats["files"] += 1

    async def send_private(
        self, workspace: str, user_id: str, message: Outgoing, key: str | None = None
    ) -> MessageRef:
        # A file first, then the message with the delivery key: after a crash in between,
        # the file is sent again rather than lost (was_delivered looks for the key).
        for attachment in message.attachments:
            await self._upload(workspace, user_id, attachment)
        if message.attachments:
            message = message.without_attachments()
        # Posting to a user id lands in the app's Messages tab: no conversations.open
        # (a Tier 3 method) per participant during a fan-out.
        ref = await self._post_pages(workspace, user_id, message, None, key, thread_rest=False)
        self._dm_channels[(workspace, user_id)] = ref.channel_id
        return ref

    async def post_channel(
        self,
        workspace: str,
        channel_id: str,
        message: Outgoing,
        thread_of: str | None = None,
        key: str | None = None,
    ) -> MessageRef:
        return await self._post_pages(
            workspace, channel_id, message, thread_of, key, thread_rest=True
        )

    async def reply(
        self,
        workspace: str,
        channel_id: str | None,
        user_id: str,
        message: Outgoing,
        key: str | None = None,
    ) -> None:
        if channel_id is None:
            await self.send_private(workspace, user_id, message, key=key)
            return
        client = await self.client(workspace)
        for n, page in enumerate(pages(render(message))):
            await (await self.pacer(workspace)).acquire(channel_id, URGENT.get())
            try:
                await client.chat_postEphemeral(
                    channel=channel_id,
                    user=user_id,
                    blocks=page,
                    text=fallback(message) if n == 0 else CONTINUED,
                )
            except SlackApiError as exc:
                if _error(exc) in ("channel_not_found", "not_in_channel", "user_not_in_channel"):
                    # The app cannot see this channel: answer in the private chat instead.
                    await self.send_private(workspace, user_id, message)
                    return
                raise self._failure(exc) from exc

    async def update_blocks(
        self, workspace: str, channel: str, ts: str, blocks: list[dict[str, Any]], text: str
    ) -> None:
        """Replace a posted message's blocks (a pressed row of buttons, for one)."""
        client = await self.client(workspace)
        await (await self.pacer(workspace)).acquire(channel, URGENT.get())
        await client.chat_update(channel=channel, ts=ts, blocks=blocks, text=text)

    async def list_members(self, workspace: str, channel_id: str) -> list[Member]:
        """Every member of the channel, with names; bots marked. :class:`NotInChannel` when
        the bot cannot see the channel."""
        try:
            return await channel_members(await self.client(workspace), channel_id)
        except SlackApiError as exc:
            if _error(exc) in ("channel_not_found", "not_in_channel", "missing_scope"):
                raise NotInChannel(_error(exc)) from exc
            raise

    async def is_channel_manager(self, workspace: str, channel_id: str, user_id: str) -> bool:
        """A workspace admin or owner (``users.info``), or the channel's creator
        (``conversations.info``): what Slack reliably reports to a bot. Slack's own "channel
        manager" role is not in its Web API for bots."""
        client = await self.client(workspace)
        user = (await client.users_info(user=user_id)).get("user") or {}
        if user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"):
            return True
        try:
            channel = (await client.conversations_info(channel=channel_id)).get("channel") or {}
        except SlackApiError as exc:
            if _error(exc) in ("channel_not_found", "not_in_channel", "missing_scope"):
                raise NotInChannel(_error(exc)) from exc
            raise
        return bool(channel.get("creator")) and channel.get("creator") == user_id

    async def _dm_channel(self, workspace: str, user_id: str) -> str:
        if (workspace, user_id) not in self._dm_channels:
            client = await self.client(workspace)
            response = await client.conversations_open(users=user_id)
            self._dm_channels[(workspace, user_id)] = str(response["channel"]["id"])
        return self._dm_channels[(workspace, user_id)]

    async def _find(self, workspace: str, channel: str, key: str) -> tuple[str, str] | None:
        """``(channel, ts)`` of the message carrying delivery ``key``, if it is recent."""
        found = await self._search(workspace, channel, key)
        return (found.channel, found.ts) if isinstance(found, Found) else None

    async def _search(self, workspace: str, channel: str, key: str) -> Found | bool | None:
        """The message with ``key``; False when the recent history has no such message;
        None when the lookup failed or the history is too long to be sure."""
        try:
            client = await self.client(workspace)
            if channel.startswith(("U", "W")):
                channel = await self._dm_channel(workspace, channel)
            return await search_history(client, channel, key)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("looking up delivery %s failed: %s", key, exc)
            return None

    async def _thread_pages(
        self, workspace: str, channel: str, ts: str, key: str
    ) -> frozenset[int] | None:
        """The later pages of ``key`` in the thread under ``ts``; None when the lookup failed."""
        try:
            return await pages_in_thread(await self.client(workspace), channel, ts, key)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("looking up the pages of delivery %s failed: %s", key, exc)
            return None

    async def was_delivered(
        self, workspace: str, channel_id: str | None, user_id: str | None, key: str
    ) -> bool | None:
        """True when the message with ``key`` arrived whole. A long one whose first page
        arrived but not every later page is not delivered: it is noted, so that sending it
        again posts only the missing pages, in the same thread."""
        channel = channel_id or user_id
        if channel is None:
            return None
        found = await self._search(workspace, channel, key)
        if not isinstance(found, Found):
            return found
        if found.pages > 1 and channel_id is not None:  # a channel's later pages: the thread
            threaded = await self._thread_pages(workspace, found.channel, found.ts, key)
            if threaded is None:
                return None
            found = replace(found, later=threaded)
        if all(n in found.later for n in range(1, found.pages)):
            return True
        self._partial[key] = found
        return False
