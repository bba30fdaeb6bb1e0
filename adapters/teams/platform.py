"""``TeamsPlatform``: the :class:`bot.core.port.Platform` for Microsoft Teams, through botbuilder.

Messages go to conversation references from the database (``create_conversation`` opens a
personal chat with someone the bot has not talked to yet) through the authenticated connector
client of a proactive ``CloudAdapter.continue_conversation`` turn, kept per service URL. Every
call is paced to Teams' limits by :class:`~adapters.teams.pacing.Pacer` and retried on
429/412/502/504 with back-off that honours ``Retry-After``. A 403 (the person blocked or removed
the app) becomes :class:`~bot.core.port.DeliveryRefused`; when retries run out the dispatcher gets
:class:`~bot.core.port.DeliveryDeferred`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from botbuilder.core import CardFactory, TurnContext
from botbuilder.core.conversation_reference_extension import get_continuation_activity
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams import cards
from adapters.teams.pacing import RETRY_STATUSES, Backoff, Pacer, parse_retry_after
from adapters.teams.references import CHANNEL, TENANT, USER, ReferenceStore
from adapters.teams.service_urls import ServiceUrls
from bot.core.messages import Outgoing, Text
from bot.core.port import DeliveryDeferred, DeliveryRefused, Member, MessageRef, NotInChannel
from bot.core.prompts import Catalog

if TYPE_CHECKING:
    from bot.runtime.downloads import Downloads

log = logging.getLogger(__name__)

T = TypeVar("T")

REFUSED_STATUSES = frozenset({403, 404})
ROSTER_PAGE_SIZE = 500  # the largest page Teams serves


def _status(exc: HttpOperationError) -> tuple[int | None, float | None]:
    response = getattr(exc, "response", None)
    if response is None:
        return None, None
    status = getattr(response, "status_code", None)
    headers = getattr(response, "headers", None) or {}
    return status, parse_retry_after(headers.get("Retry-After"))


class TeamsPlatform:
    """Sends rendered Adaptive Cards to Teams personal chats and channels."""

    name = "teams"

    def __init__(
        self,
        adapter: CloudAdapter,
        store: ReferenceStore,
        catalog: Catalog,
        *,
        app_id: str | None = None,
        lang: str = "nl",
        pacer: Pacer | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_retry: Callable[[str], None] | None = None,
        service_urls: ServiceUrls | None = None,
        downloads: Downloads | None = None,
    ) -> None:
        self.adapter = adapter
        # Only addresses the Bot Framework uses (references stored before Teams was closed by
        # default may name any address); None: no check (tests that build the platform alone).
        self.service_urls = service_urls
        self.downloads = downloads  # where a file waits for its single download
        self.store = store
        self.catalog = catalog
        self.app_id = app_id
        self.lang = lang
        self.pacer = pacer or Pacer()
        self.backoff = backoff or Backoff()
        self.sleep = sleep
        self.on_retry = on_retry  # called with the HTTP status (or "network") of each retry
        self._clients: dict[str, Any] = {}
        self._client_lock = asyncio.Lock()
        self.throttled = 0  # 429 answers seen (for the benchmark)
        self.refused = 0

    # -- the port ----------------------------------------------------------------------------

    async def _offer(self, message: Outgoing) -> Outgoing:
        """``message`` with each file replaced by a link to a signed, expiring, single-use
        download on the bot's own server (bot/runtime/downloads.py)."""
        lang = message.lang or self.lang
        lines = []
        for attachment in message.attachments:
            if self.downloads is None:
                lines.append(self.catalog.text(lang, "harvest.file_link_unavailable"))
                continue
            token = await self.downloads.offer(
                attachment.filename, attachment.mime, attachment.data, lang
            )
            hours = round(self.downloads.lifetime.total_seconds() / 3600)
            url = self.downloads.link(token)
            lines.append(
                self.catalog.text(
                    lang, "harvest.file_link", filename=attachment.filename, url=url, count=hours
                )
            )
        return message.without_attachments(Text("\n".join(lines)))

    async def send_private(
        self, workspace: str, user_id: str, message: Outgoing, key: str | None = None
    ) -> MessageRef:
        if message.attachments:
            message = await self._offer(message)
        reference = await self.store.get(workspace, USER, user_id)
        if reference is None:
            reference = await self._open_personal_chat(workspace, user_id)
        conversation_id = str(reference["conversation"]["id"])
        message_id = await self._post(workspace, reference, conversation_id, message, key)
        return MessageRef(conversation_id, message_id)

    async def post_channel(
        self,
        workspace: str,
        channel_id: str,
        message: Outgoing,
        thread_of: str | None = None,
        key: str | None = None,
    ) -> MessageRef:
        reference = await self._channel_reference(workspace, channel_id)
        conversation_id = channel_id if thread_of is None else f"{channel_id};messageid={thread_of}"
        message_id = await self._post(workspace, reference, conversation_id, message, key)
        return MessageRef(channel_id, message_id)

    async def reply(
        self,
        workspace: str,
        channel_id: str | None,
        user_id: str,
        message: Outgoing,
        key: str | None = None,
    ) -> None:
        # Teams has no ephemeral messages: the answer goes to the person's personal chat.
        await self.send_private(
            workspace, user_id, message, key=key if channel_id is None else None
        )

    async def list_members(self, workspace: str, channel_id: str) -> list[Member]:
        try:
            reference = await self._channel_reference(workspace, channel_id)
        except DeliveryRefused as exc:
            raise NotInChannel(str(exc)) from exc
        team_id = reference.get("teamId")
        roster_id = str(team_id or reference["conversation"]["id"])
        members: list[Member] = []
        token: str | None = None
        while True:

            async def page(client: Any, token: str | None = token) -> Any:
                context = self._turn(reference, client)
                if team_id:
                    return await TeamsInfo.get_paged_team_members(
                        context, str(team_id), token, ROSTER_PAGE_SIZE
                    )
                return await TeamsInfo.get_paged_members(context, token, ROSTER_PAGE_SIZE)

            result = await self._call(workspace, reference, roster_id, page)
            for account in result.members or []:
                is_bot = str(account.id).startswith("28:") or account.role == "bot"
                members.append(Member(str(account.id), str(account.name or ""), is_bot))
            token = result.continuation_token
            if not token:
                return members

    async def is_channel_manager(self, workspace: str, channel_id: str, user_id: str) -> bool:
        """An owner of the channel's team, as the team roster reports it (``userRole``
        ``owner``); in a group chat nobody is."""
        try:
            reference = await self._channel_reference(workspace, channel_id)
        except DeliveryRefused as exc:
            raise NotInChannel(str(exc)) from exc
        team_id = reference.get("teamId")
        if not team_id:
            return False

        async def member(client: Any) -> Any:
            context = self._turn(reference, client)
            return await TeamsInfo.get_team_member(context, str(team_id), user_id)

        account = await self._call(workspace, reference, str(team_id), member)
        return str(getattr(account, "user_role", "") or "").casefold() == "owner"

    async def was_delivered(
        self, workspace: str, channel_id: str | None, user_id: str | None, key: str
    ) -> bool | None:
        # The Bot Framework cannot look a message up by our key; we noted the keys Teams
        # accepted. A key not noted was not sent, or was in flight when the process died.
        return True if await self.store.was_delivered(key) else None

    # -- sending -----------------------------------------------------------------------------

    def _activity(
        self,
        reference: dict[str, Any],
        conversation_id: str,
        message: Outgoing,
        card: dict[str, Any] | None = None,
    ) -> Any:
        card = card or cards.render(message, self.catalog, message.lang or self.lang)
        conversation = dict(reference["conversation"])
        conversation["id"] = conversation_id
        activity = Activity(
            type=ActivityTypes.message,
            attachments=[CardFactory.adaptive_card(card)],
            summary=cards.summary(message)
            or self.catalog.text(message.lang or self.lang, "teams.card_summary"),
            channel_id=reference.get("channelId", "msteams"),
            service_url=reference["serviceUrl"],
        )
        ref = ConversationReference.deserialize(reference)
        activity.from_property = ref.bot
        if ref.user is not None:  # a personal chat; a channel post has no one recipient
            activity.recipient = ref.user
        activity.conversation = ConversationReference.deserialize(
            {**reference, "conversation": conversation}
        ).conversation
        return activity

    async def _post(
        self,
        workspace: str,
        reference: dict[str, Any],
        conversation_id: str,
        message: Outgoing,
        key: str | None,
    ) -> str:
        parts = cards.render_parts(message, self.catalog, message.lang or self.lang)
        first = ""
        for number, (part, card) in enumerate(parts, start=1):
            activity = self._activity(reference, conversation_id, part, card)

            async def send(client: Any, activity: Any = activity) -> str:
                response = await client.conversations.send_to_conversation(
                    conversation_id, activity
                )
                return str(getattr(response, "id", "") or "")

            last = number == len(parts)
            sent = await self._call(
                workspace, reference, conversation_id, send, key if last else None
            )
            first = first or sent
        return first

    async def _call(
        self,
        workspace: str,
        reference: dict[str, Any],
        conversation_id: str,
        operation: Callable[[Any], Awaitable[T]],
        key: str | None = None,
    ) -> T:
        """Run ``operation(connector_client)`` paced, with retries; note ``key`` on success.

        The request and the note are shielded from cancellation: a shutdown that cancels a
        send mid-request still notes what Teams accepted, so it is not sent again.
        """
        attempt = 0
        while True:
            await self.pacer.acquire(workspace, conversation_id)
            try:
                result = await asyncio.shield(self._once(reference, operation, key))
                self.pacer.succeeded(workspace)
                return result
            except HttpOperationError as exc:
                status, retry_after = _status(exc)
                if status in REFUSED_STATUSES:
                    self.refused += 1
                    raise DeliveryRefused(f"Teams answered {status}") from exc
                if status not in RETRY_STATUSES:
                    raise
                delay = self.backoff.delay(attempt, retry_after)
                if status == 429:
                    self.throttled += 1
                    self.pacer.pause(workspace, conversation_id, delay)
            except (ClientRequestError, OSError) as exc:
                status, delay = None, self.backoff.delay(attempt, None)
                log.warning("teams connector unreachable (%s)", type(exc).__name__)
            attempt += 1
            if attempt >= self.backoff.attempts:
                raise DeliveryDeferred(delay, f"Teams kept answering {status}")
            log.debug("teams: HTTP %s, retry %d in %.2fs", status, attempt, delay)
            if self.on_retry is not None:
                self.on_retry(str(status or "network"))
            await self.sleep(delay)

    async def _once(
        self, reference: dict[str, Any], operation: Callable[[Any], Awaitable[T]], key: str | None
    ) -> T:
        result = await operation(await self._connector(reference))
        if key is not None:
            await self.store.record_delivery(key)
        return result

    def _turn(self, reference: dict[str, Any], client: Any) -> TurnContext:
        """A proactive turn for ``reference`` using ``client`` (for ``TeamsInfo`` calls)."""
        activity = get_continuation_activity(ConversationReference.deserialize(reference))
        context = TurnContext(self.adapter, activity)
        context.turn_state[self.adapter.BOT_CONNECTOR_CLIENT_KEY] = client
        return context

    async def _connector(self, reference: dict[str, Any]) -> Any:
        """The authenticated connector client for the reference's service URL.

        It comes from a proactive turn (``continue_conversation``) and is kept per service URL:
        botbuilder builds a new client per turn, and building one costs milliseconds of CPU
        (msrest's retry configuration), too much for thousands of prompts at 50 per second.
        """
        url = str(reference["serviceUrl"])
        self._check(url)
        client = self._clients.get(url)
        if client is not None:
            return client
        async with self._client_lock:
            client = self._clients.get(url)
            if client is not None:
                return client
            grabbed: list[Any] = []

            async def logic(turn_context: TurnContext) -> None:
                grabbed.append(turn_context.turn_state[self.adapter.BOT_CONNECTOR_CLIENT_KEY])

            await self.adapter.continue_conversation(
                ConversationReference.deserialize(reference), logic, bot_app_id=self.app_id
            )
            client = grabbed[0]
            client.config.retry_policy.retries = 0  # our retry policy, not msrest's
            self._clients[url] = client
            return client

    def _check(self, url: object) -> None:
        if self.service_urls is not None and not self.service_urls.allowed(url):
            self.refused += 1
            raise DeliveryRefused("service URL is not a Bot Framework address")

    # -- references --------------------------------------------------------------------------

    async def _channel_reference(self, workspace: str, channel_id: str) -> dict[str, Any]:
        reference = await self.store.get(workspace, CHANNEL, channel_id)
        if reference is None:
            raise DeliveryRefused(f"the bot was never mentioned in channel {channel_id}")
        return reference

    async def _open_personal_chat(self, workspace: str, user_id: str) -> dict[str, Any]:
        """Create the personal chat with someone who never wrote to the bot (Teams allows it
        when the app is installed for them, e.g. in the team); store its reference."""
        tenant = await self.store.get(workspace, TENANT, "")
        if tenant is None:
            raise DeliveryRefused("no service URL known for this tenant")
        self._check(tenant["serviceUrl"])
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=tenant["bot"]["id"], name=tenant["bot"].get("name")),
            members=[ChannelAccount(id=user_id)],
            tenant_id=workspace,
            channel_data={"tenant": {"id": workspace}},
        )
        created: list[dict[str, Any]] = []

        async def logic(turn_context: TurnContext) -> None:
            reference = TurnContext.get_conversation_reference(turn_context.activity)
            created.append(_clean_reference(reference.serialize()))

        attempt = 0
        while True:
            await self.pacer.acquire(workspace, f"create:{user_id}")
            try:
                await self.adapter.create_conversation(
                    self.app_id or "",
                    logic,
                    parameters,
                    channel_id=tenant.get("channelId", "msteams"),
                    service_url=tenant["serviceUrl"],
                )
                break
            except HttpOperationError as exc:
                status, retry_after = _status(exc)
                if status in REFUSED_STATUSES:
                    self.refused += 1
                    raise DeliveryRefused(f"Teams refused a personal chat ({status})") from exc
                attempt += 1
                if status not in RETRY_STATUSES or attempt >= self.backoff.attempts:
                    raise
                await self.sleep(self.backoff.delay(attempt - 1, retry_after))
        reference = created[0]
        reference["user"] = {"id": user_id}
        await self.store.save(workspace, USER, user_id, reference)
        return reference


def _clean_reference(reference: dict[str, Any]) -> dict[str, Any]:
    """A reference for proactive sends: no activity id (we post, we do not reply)."""
    reference = dict(reference)
    reference.pop("activityId", None)
    return reference
