"""Mounting Teams: ``setup(app, web_app)`` mounts ``POST /api/messages`` and registers
:class:`TeamsPlatform`.

- With ``MICROSOFT_APP_ID`` set, every activity needs a Bot Framework token (botbuilder checks
  it), and its ``serviceUrl`` must equal the token's ``serviceurl`` claim and be a known Bot
  Framework host (:mod:`adapters.teams.service_urls`); anything else is refused with 401.
- Without it ``/api/messages`` refuses everything (401) and nothing is ever sent to Teams,
  unless ``DIALOOG_TEAMS_PLAYGROUND=1``: then activities are accepted without a token, for the
  local Agents Playground only: from a loopback address, naming a loopback ``serviceUrl``, with
  a warning at start.

A body that is not an activity (not JSON, not an object, too deeply nested, values of the
wrong type, text no database can store in its identifiers) gets 400, a bad token 401, each
with one log line and no traceback. Bot Framework is being retired in favour of the
Microsoft 365 Agents SDK; that move should only touch this package.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from aiohttp import web
from prometheus_client import Counter

from adapters.teams.service_urls import ServiceUrls, is_loopback, parse_hosts, same_url
from adapters.teams.settings import TeamsSettings
from bot.core.messages import Incoming
from bot.core.port import Platform
from bot.core.prompts import Catalog
from bot.core.storable import storable
from bot.runtime.rates import Rates
from bot.support.settings import Settings, SettingsError

log = logging.getLogger(__name__)

ROUTE = "/api/messages"
MAX_DEPTH = 32  # activities nest a few levels; deeper is not an activity
SERVICE_URL_CLAIM = "serviceurl"  # AuthenticationConstants.SERVICE_URL_CLAIM
FREE_TEXT = frozenset({"text", "value"})  # checked by the core, which answers the person
# The JSON type of the activity fields we read; botbuilder's deserializer would coerce or fail.
SHAPE: dict[str, type] = {
    "type": str, "id": str, "serviceUrl": str, "channelId": str, "text": str,
    "from": dict, "recipient": dict, "conversation": dict, "channelData": dict,
    "entities": list, "attachments": list, "membersAdded": list,
}  # fmt: skip


class App(Protocol):
    """What this adapter needs from ``bot.runtime.app.App``."""

    settings: Settings
    catalog: Catalog
    db: Any
    metrics: Any
    downloads: Any

    def add_platform(self, platform: Platform) -> None: ...

    async def handle(self, incoming: Incoming) -> None: ...


@dataclass(frozen=True)
class BotConfig:
    """The attribute names botbuilder's configuration factories read."""

    APP_ID: str | None
    APP_PASSWORD: str | None
    APP_TYPE: str | None
    APP_TENANTID: str | None


@dataclass(frozen=True)
class OpenIdBotConfig(BotConfig):
    """The public cloud's settings, but the channel's signing keys read from another OpenID
    metadata URL: with any of these set, botbuilder takes them all from the configuration."""

    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str
    OAUTH_URL: str
    CALLER_ID: str


def build_adapter(
    app_id: str | None,
    password: str | None = None,
    app_type: str | None = None,
    tenant_id: str | None = None,
    openid_metadata_url: str | None = None,
) -> Any:
    """A ``CloudAdapter``; authentication is off when ``app_id`` is empty. With
    ``openid_metadata_url`` the tokens' signing keys come from there (a sovereign cloud's, or
    a local fake's in tests) instead of login.botframework.com."""
    from botbuilder.integration.aiohttp import (
        CloudAdapter,
        ConfigurationBotFrameworkAuthentication,
    )
    from botbuilder.schema import CallerIdConstants
    from botframework.connector.auth import AuthenticationConstants as Public

    kind = app_type or ("SingleTenant" if tenant_id else "MultiTenant")
    config = BotConfig(app_id or "", password or "", kind, tenant_id or "")
    if openid_metadata_url:
        config = OpenIdBotConfig(
            *(config.APP_ID, config.APP_PASSWORD, config.APP_TYPE, config.APP_TENANTID),
            TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=openid_metadata_url,
            TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=openid_metadata_url,
            TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=Public.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
            TO_CHANNEL_FROM_BOT_LOGIN_URL=Public.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX,
            TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=Public.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
            OAUTH_URL=Public.OAUTH_URL,
            CALLER_ID=CallerIdConstants.public_azure_channel,
        )
    return CloudAdapter(ConfigurationBotFrameworkAuthentication(config))


def check_credentials(settings: Settings) -> TeamsSettings:
    """The Teams settings, or :class:`SettingsError` with one clear line per problem."""
    teams = settings.load(TeamsSettings)
    problems = teams.problems()
    if problems:
        raise SettingsError("\n".join(problems))
    return teams


class Refused(Exception):
    """An activity refused with ``status``; ``reason`` goes to the log (no user text)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_activity(raw: bytes) -> Any:
    """The activity in a request body, or :class:`Refused` (400) for anything else."""
    from botbuilder.schema import Activity

    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    except RecursionError:
        raise Refused(400, "body nested too deeply") from None
    except ValueError:
        raise Refused(400, "body is not JSON") from None
    if not isinstance(body, dict):
        raise Refused(400, f"body is a JSON {type(body).__name__}, not an activity")
    check_values(body)
    for name, kind in SHAPE.items():
        if name in body and not isinstance(body[name], kind):
            raise Refused(400, f"{name} is not a JSON {kind.__name__}")
    for name in ("type", "serviceUrl"):
        if not body.get(name):
            raise Refused(400, f"activity without {name}")
    try:
        activity = Activity().deserialize(body)
    except Exception as exc:
        raise Refused(400, f"not an activity ({type(exc).__name__})") from None
    return activity


def check_values(body: dict[str, Any]) -> None:
    """Refuse a body nested deeper than :data:`MAX_DEPTH`, or whose identifiers and names
    hold text no database stores (the free text itself is the core's to refuse, with a
    reply). Iterative, so that no body can exhaust the stack."""
    stack: list[tuple[Any, int, bool]] = [(body, 0, True)]
    while stack:
        value, depth, top = stack.pop()
        if depth > MAX_DEPTH:
            raise Refused(400, "body nested too deeply")
        if isinstance(value, dict):
            for key, item in value.items():
                if not storable(key):
                    raise Refused(400, "a key no database can store")
                if not (top and key in FREE_TEXT):
                    stack.append((item, depth + 1, False))
        elif isinstance(value, list):
            stack.extend((item, depth + 1, False) for item in value)
        elif isinstance(value, str) and not storable(value):
            raise Refused(400, "a value no database can store")


class Gate:
    """Who may reach the bot through ``/api/messages``: see the module docstring."""

    def __init__(self, adapter: Any, service_urls: ServiceUrls, authenticated: bool) -> None:
        self.adapter = adapter
        self.service_urls = service_urls
        self.authenticated = authenticated

    async def admit(self, request: web.Request, activity: Any) -> Any:
        """What ``CloudAdapter.process_activity`` takes for an admitted activity: the
        authentication result, or the (empty) header in the playground."""
        if not self.authenticated:
            if not is_loopback(request.remote):
                raise Refused(401, "playground: activity from a non-loopback address")
            if not self.service_urls.allowed(activity.service_url):
                raise Refused(401, "playground: serviceUrl is not a loopback address")
            return ""
        header = request.headers.get("Authorization", "")
        if not header:
            raise Refused(401, "no Authorization header")
        try:
            result = await self.adapter.bot_framework_authentication.authenticate_request(
                activity, header
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            # the Bot Framework's keys could not be fetched: our problem, not the caller's
            raise Refused(503, f"cannot check tokens now ({type(exc).__name__})") from None
        except Exception as exc:
            raise Refused(401, f"bad token ({type(exc).__name__}: {str(exc)[:120]})") from None
        identity = result.claims_identity
        claims = getattr(identity, "claims", None) or {}
        claimed = claims.get(SERVICE_URL_CLAIM)
        if not getattr(identity, "is_authenticated", False):
            raise Refused(401, "token not authenticated")
        if not isinstance(claimed, str) or not same_url(claimed, activity.service_url or ""):
            raise Refused(401, "serviceUrl does not match the token's serviceurl claim")
        if not self.service_urls.allowed(activity.service_url):
            raise Refused(401, "serviceUrl is not a known Bot Framework host")
        return result


async def closed(request: web.Request) -> web.Response:
    """``/api/messages`` without Teams credentials (and no playground): nothing gets in."""
    log.info("teams: refused an activity (401): MICROSOFT_APP_ID is not set")
    return web.Response(status=401)


async def setup(app: App, web_app: web.Application) -> bool:
    """Mount ``/api/messages``; ``True`` when Teams credentials are configured. botbuilder
    (seconds of imports) is loaded only then: a bot for Slack alone starts without it."""
    settings = app.settings
    teams = check_credentials(settings)
    app_id = teams.app_id
    if not app_id and not teams.playground:
        web_app.router.add_post(ROUTE, closed)
        log.info("Teams: not configured (no MICROSOFT_APP_ID): %s refuses every activity", ROUTE)
        return False

    from adapters.teams.inbound import TeamsBot
    from adapters.teams.pacing import TENANT_RATE, TENANT_WINDOW, Pacer
    from adapters.teams.platform import TeamsPlatform
    from adapters.teams.references import ReferenceStore

    if not app_id:
        log.warning(
            "DIALOOG_TEAMS_PLAYGROUND=1: %s accepts Teams activities WITHOUT authentication, "
            "from loopback addresses and to loopback service URLs only "
            "(local testing with the Agents Playground)",
            ROUTE,
        )
    service_urls = ServiceUrls(parse_hosts(teams.service_url_hosts), playground=not app_id)
    adapter = build_adapter(
        app_id,
        teams.app_password,
        teams.app_type,
        teams.app_tenant_id,
        teams.openid_metadata_url,
    )
    store = ReferenceStore(app.db)
    await store.forget_deliveries()
    retries = Counter(
        "dialoog_teams_http_retries",
        "Teams connector requests retried, by HTTP status (429: throttled)",
        ["status"],
        registry=app.metrics.registry,
    )
    platform = TeamsPlatform(
        adapter,
        store,
        app.catalog,
        app_id=app_id,
        lang=settings.language,
        # Each tenant's rate is learned and kept in the database, within Teams' published 50/s.
        pacer=Pacer(rates=Rates("teams", TENANT_RATE, TENANT_RATE, app.db, window=TENANT_WINDOW)),
        on_retry=lambda status: retries.labels(status).inc(),
        service_urls=service_urls,
        downloads=app.downloads,
    )
    if not settings.public_url:
        log.warning(
            "DIALOOG_PUBLIC_URL is not set: export links for Teams hosts point at %s, "
            "which only this machine can open",
            app.downloads.public_url,
        )
    app.add_platform(platform)
    bot = TeamsBot(store, app.handle)
    gate = Gate(adapter, service_urls, authenticated=bool(app_id))

    async def messages(request: web.Request) -> web.StreamResponse:
        try:
            if "application/json" not in request.headers.get("Content-Type", ""):
                raise Refused(415, "not application/json")
            activity = parse_activity(await request.read())
            admitted = await gate.admit(request, activity)
        except Refused as refused:
            log.info("teams: refused an activity (%d): %s", refused.status, refused.reason)
            return web.Response(status=refused.status)
        invoke = await adapter.process_activity(admitted, activity, bot.on_turn)
        if invoke is not None:
            from botbuilder.core import serializer_helper

            return web.json_response(data=serializer_helper(invoke.body), status=invoke.status)
        return web.Response(status=201)

    web_app.router.add_post(ROUTE, messages)
    return bool(app_id)
