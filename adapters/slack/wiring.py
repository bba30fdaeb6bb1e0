"""The slack-bolt app inside dialoogbot's aiohttp server (or on a Socket Mode connection).

Bolt verifies every request (signature and timestamp) and routes it; each listener
translates the payload into an :class:`Incoming` and makes it durable before bolt answers
(``process_before_response``): an answer is applied and committed (the group commit keeps
that to milliseconds), a channel command recorded in the inbox and applied after the answer
(:meth:`bot.runtime.app.App.accept`). So a 200 is never followed by a loss: a crash or a
failure before it leaves Slack without a 200, and Slack sends the event again with the same
event id. ``settle()`` waits for the work run after the answer (tests, shutdown).
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
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import incoming, modal, shapes
from adapters.slack.blocks import ENTRY_ACTION, after_press
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
from bot.core.review import ACTIONS as REVIEW_ACTIONS
from bot.core.templates import Templates
from bot.support.settings import Settings, SettingsError
from storage.database import Database

log = logging.getLogger(__name__)

COMMAND = "/dialoog"
START_WORDS = frozenset({"start"})
BOT_SCOPES = (
    "commands",
    "chat:write",
    "files:write",
    "im:write",
    "im:history",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "users:read",
    "app_mentions:read",
)

# Makes an Incoming durable; returns the work left to run after the acknowledgement, if any.
Accept = Callable[[Incoming], Awaitable[Awaitable[None] | None]]


class SlackAdapter:
    """Bolt app + platform for one dialoogbot process."""

    def __init__(
        self,
        settings: Settings,
        accept: Accept,
        catalog: Catalog,
        templates: Templates,
        bolt: AsyncApp,
        platform: SlackPlatform,
    ) -> None:
        self.settings = settings
        self.accept = accept
        self.catalog = catalog
        self.templates = templates
        self.bolt = bolt
        self.platform = platform
        self.signing_secret = settings.load(SlackSettings).signing_secret
        self._tasks: set[asyncio.Task[None]] = set()
        self._last: dict[str, asyncio.Task[None]] = {}  # per person: the latest queued work
        self.failures = 0
        # bolt tries listeners in this order: answers (message events) are most requests.
        bolt.event("message")(self._on_message)
        bolt.command(COMMAND)(self._on_command)
        bolt.event("app_mention")(self._on_mention)
        bolt.action(re.compile(r"^dialoog:\d+$"))(self._on_action)
        bolt.view(modal.CALLBACK_ID)(self._on_form)
        bolt.action(re.compile(rf"^{ENTRY_ACTION}:\d+$"))(self._on_entry)
        bolt.view(modal.ENTRY_CALLBACK_ID)(self._on_entry_form)

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

    async def durable(self, item: Incoming, what: str) -> None:
        """Make ``item`` durable before bolt answers Slack; a failure here is bolt's 500 (no
        acknowledgement: Slack retries events). Work left for after the answer is spawned."""
        rest = await self.accept(item)
        if rest is not None:
            self.spawn(rest, what, _person(item))

    # -- listeners ------------------------------------------------------------------------
    async def _on_message(self, body: dict[str, Any]) -> None:
        item = incoming.from_message(body)
        if item is not None:
            await self.durable(item, "answer")

    async def _on_mention(self, body: dict[str, Any]) -> None:
        item = incoming.from_mention(body)
        if item is not None:
            await self.durable(item, "mention")

    async def _on_command(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        item = incoming.from_command(body)
        if item.channel_id is not None and item.text.casefold() in START_WORDS:
            self.spawn(self._open_form(client, body, item.channel_id), "start form")
        else:
            await self.durable(item, "command")

    async def _open_form(self, client: AsyncWebClient, body: dict[str, Any], channel: str) -> None:
        view = modal.start_view(
            self.catalog,
            self.templates,
            self.settings.language,
            channel,
            self.settings.min_respondents,
            self.settings.address,
        )
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        item = incoming.from_action(body)
        if item is not None:
            await self.durable(item, "button")
            if item.action in REVIEW_ACTIONS:
                # A draft's buttons stay: the core answers every press with a new message,
                # and a press by anyone but the host must leave the host's message as it is.
                return
            pressed = after_press(body)
            if pressed is not None:
                channel, ts, blocks, text = pressed
                update = self.platform.update_blocks(item.workspace, channel, ts, blocks, text)
                self.spawn(update, "button update")

    async def _on_form(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        channel, words, errors = modal.submission(
            body.get("view") or {}, self.catalog, self.settings.min_respondents
        )
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        item = incoming.from_form(body, channel, words)
        await self.durable(item, "start form")

    async def _on_entry(self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        """A button that asks for a text (rename a theme): open a form with one field."""
        await ack()
        action = (body.get("actions") or [{}])[0]
        close = self.catalog.text(self.settings.language, "slack.modal.close")
        view = modal.entry_view(str(action.get("value") or ""), close)
        if view is not None and body.get("trigger_id"):
            self.spawn(self._open_entry(client, body["trigger_id"], view), "entry form")

    @staticmethod
    async def _open_entry(client: AsyncWebClient, trigger: str, view: dict[str, Any]) -> None:
        await client.views_open(trigger_id=trigger, view=view)

    async def _on_entry_form(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        item = incoming.from_entry(body)
        if item is not None:
            await self.durable(item, "entry form")

    # -- HTTP -----------------------------------------------------------------------------
    async def events(self, request: web.Request) -> web.Response:
        """``POST /slack/events``: events, slash commands and interactivity. The signature is
        checked on the raw body before anything is parsed, and the body's shape before bolt
        routes it (:mod:`adapters.slack.shapes`): refusals are 4xx with one log line."""
        raw = await request.read()
        try:
            if self.signing_secret is not None:
                shapes.verify(
                    self.signing_secret,
                    raw,
                    request.headers.get("X-Slack-Request-Timestamp"),
                    request.headers.get("X-Slack-Signature"),
                )
            text = shapes.check(raw, request.headers.get("Content-Type"))
        except shapes.Malformed as refused:
            log.info("slack: refused a request (%d): %s", refused.status, refused.reason)
            return web.Response(status=refused.status)
        bolt_request = AsyncBoltRequest(
            body=text,
            query=request.query_string,
            headers=request.headers,  # type: ignore[arg-type]
        )
        response = await self.bolt.async_dispatch(bolt_request)
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
    accept: Accept,
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
        # Named, or bolt names the app after its caller's file through inspect.stack(),
        # which reads the source of every frame: a quarter of a second at each start.
        name="dialoogbot",
        signing_secret=slack.signing_secret,
        client=client,
        # Bolt answers once a listener returns: after the Incoming is durable.
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
    return SlackAdapter(settings, accept, catalog, templates, bolt, platform)
