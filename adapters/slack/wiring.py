"""The slack-bolt app inside dialoogbot's aiohttp server (or on a Socket Mode connection).

Bolt verifies every request (signature and timestamp) and routes it; each listener only
translates the payload into an :class:`Incoming`, acknowledges, and hands the work to a
background task, so Slack gets its answer well within 3 seconds while the core stores the
answer and queues the messages. ``settle()`` waits for those tasks (tests, shutdown).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import incoming, modal
from adapters.slack.blocks import after_press
from adapters.slack.installations import (
    fixed_token,
    installation_store,
    installed_tokens,
    state_store,
)
from adapters.slack.platform import SlackPlatform
from adapters.slack.settings import SlackSettings
from bot.core.messages import Incoming
from bot.core.prompts import Catalog
from bot.core.templates import Templates
from bot.support.settings import Settings, SettingsError
from storage.database import Database

log = logging.getLogger(__name__)

COMMAND = "/dialoog"
START_WORDS = frozenset({"start"})
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "users:read",
    "app_mentions:read",
)

Handle = Callable[[Incoming], Awaitable[None]]


class SlackAdapter:
    """Bolt app + platform for one dialoogbot process."""

    def __init__(
        self,
        settings: Settings,
        handle: Handle,
        catalog: Catalog,
        templates: Templates,
        bolt: AsyncApp,
        platform: SlackPlatform,
    ) -> None:
        self.settings = settings
        self.handle = handle
        self.catalog = catalog
        self.templates = templates
        self.bolt = bolt
        self.platform = platform
        self._tasks: set[asyncio.Task[None]] = set()
        self._last: dict[str, asyncio.Task[None]] = {}  # per person: the latest queued work
        self.failures = 0
        # bolt tries listeners in this order: answers (message events) are most requests.
        bolt.event("message")(self._on_message)
        bolt.command(COMMAND)(self._on_command)
        bolt.event("app_mention")(self._on_mention)
        bolt.action(re.compile(r"^dialoog:\d+$"))(self._on_action)
        bolt.view(modal.CALLBACK_ID)(self._on_form)

    # -- background work ------------------------------------------------------------------
    def spawn(self, work: Awaitable[None], what: str, person: str | None = None) -> None:
        """Run ``work`` after the acknowledgement; failures are logged with no user text.

        Work for the same ``person`` runs in arrival order (two quick answers must not race
        each other); different people run at the same time.
        """
        before = self._last.get(person) if person else None

        async def guarded() -> None:
            if before is not None:
                await asyncio.wait([before])
            try:
                await work
            except Exception:
                self.failures += 1
                log.exception("Slack %s failed", what)

        task = asyncio.create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if person:
            self._last[person] = task
            task.add_done_callback(lambda done: self._forget(person, done))

    def _forget(self, person: str, task: asyncio.Task[None]) -> None:
        if self._last.get(person) is task:
            del self._last[person]

    async def settle(self) -> None:
        """Wait until every acknowledged request has been handed to the core."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- listeners ------------------------------------------------------------------------
    async def _on_message(self, body: dict[str, Any]) -> None:
        item = incoming.from_message(body)
        if item is not None:
            self.spawn(self.handle(item), "answer", _person(item))

    async def _on_mention(self, body: dict[str, Any]) -> None:
        item = incoming.from_mention(body)
        if item is not None:
            self.spawn(self.handle(item), "mention", _person(item))

    async def _on_command(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        item = incoming.from_command(body)
        if item.channel_id is not None and item.text.casefold() in START_WORDS:
            self.spawn(self._open_form(client, body, item.channel_id), "start form")
        else:
            self.spawn(self.handle(item), "command", _person(item))

    async def _open_form(self, client: AsyncWebClient, body: dict[str, Any], channel: str) -> None:
        view = modal.start_view(
            self.catalog,
            self.templates,
            self.settings.language,
            channel,
            self.settings.min_respondents,
        )
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        item = incoming.from_action(body)
        if item is not None:
            self.spawn(self.handle(item), "button", _person(item))
            pressed = after_press(body)
            if pressed is not None:
                channel, ts, blocks, text = pressed
                update = self.platform.update_blocks(item.workspace, channel, ts, blocks, text)
                self.spawn(update, "button update")

    async def _on_form(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        channel, words, errors = modal.submission(body.get("view") or {}, self.catalog)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        item = incoming.from_form(body, channel, words)
        self.spawn(self.handle(item), "start form", _person(item))

    # -- HTTP -----------------------------------------------------------------------------
    async def events(self, request: web.Request) -> web.Response:
        """``POST /slack/events``: events, slash commands and interactivity."""
        if not request.headers.get("X-Slack-Request-Timestamp", "0").isdigit():
            # bolt would fail on int("") with a 500; an unreadable timestamp is simply unsigned.
            return web.Response(status=401)
        response = await self.bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def install(self, request: web.Request) -> web.Response:
        flow = self.bolt.oauth_flow
        assert flow is not None
        response = await flow.handle_installation(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def oauth_redirect(self, request: web.Request) -> web.Response:
        flow = self.bolt.oauth_flow
        assert flow is not None
        response = await flow.handle_callback(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def close(self) -> None:
        await self.settle()
        await self.platform.close()


def _person(item: Incoming) -> str:
    return f"{item.workspace}:{item.user_id}"


def build(
    settings: Settings,
    handle: Handle,
    catalog: Catalog,
    templates: Templates,
    db: Database | None = None,
) -> SlackAdapter:
    """The adapter for the configured mode: one workspace (bot token) or OAuth installs."""
    slack = settings.load(SlackSettings)
    api_url = slack.api_url
    if slack.client_id and not slack.client_secret:
        raise SettingsError("SLACK_CLIENT_SECRET: needed with SLACK_CLIENT_ID")
    if not slack.signing_secret and not slack.app_token:
        raise SettingsError("SLACK_SIGNING_SECRET: needed to verify Slack's requests")
    # bolt's own calls (auth.test, views.open, oauth.v2.access) wait out a 429 too.
    client = AsyncWebClient(
        token=slack.bot_token,
        base_url=api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    oauth: dict[str, Any] = {}
    if slack.client_id:
        assert db is not None, "OAuth installs are stored in the database"
        store = installation_store(slack.client_id, db)
        tokens = installed_tokens(store)
        oauth["installation_store"] = store
        oauth["oauth_settings"] = AsyncOAuthSettings(
            client_id=slack.client_id,
            client_secret=slack.client_secret,
            scopes=list(BOT_SCOPES),
            installation_store=store,
            state_store=state_store(db),
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
        )
    else:
        assert slack.bot_token is not None
        tokens = fixed_token(slack.bot_token)
    bolt = AsyncApp(
        signing_secret=slack.signing_secret,
        client=client,
        # Listeners return at once (the work is spawned), so bolt answers after them.
        process_before_response=True,
        request_verification_enabled=slack.signing_secret is not None,
        **oauth,
    )
    platform = SlackPlatform(
        tokens,
        api_url,
        workspace_rate=slack.workspace_rate,
        workspace_ceiling=slack.workspace_rate_max,
        db=db,
    )
    return SlackAdapter(settings, handle, catalog, templates, bolt, platform)
