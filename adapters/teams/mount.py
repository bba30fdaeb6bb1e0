"""Mounting Teams: ``setup(app, web_app)`` mounts ``POST /api/messages`` and registers
:class:`TeamsPlatform`. With ``MICROSOFT_APP_ID`` set, Bot Framework JWT authentication is
enforced; without it the route still works for local testing (the Agents Playground) with
authentication off, and a warning says so. Bot Framework is being retired in favour of the
Microsoft 365 Agents SDK; that move should only touch this package.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web
from prometheus_client import Counter

from adapters.teams.settings import TeamsSettings
from bot.core.messages import Incoming
from bot.core.port import Platform
from bot.core.prompts import Catalog
from bot.runtime.rates import Rates
from bot.support.settings import Settings, SettingsError

log = logging.getLogger(__name__)

ROUTE = "/api/messages"


class App(Protocol):
    """What this adapter needs from ``bot.runtime.app.App``."""

    settings: Settings
    catalog: Catalog
    db: Any
    metrics: Any

    def add_platform(self, platform: Platform) -> None: ...

    async def handle(self, incoming: Incoming) -> None: ...


@dataclass(frozen=True)
class BotConfig:
    """The attribute names botbuilder's configuration factories read."""

    APP_ID: str | None
    APP_PASSWORD: str | None
    APP_TYPE: str | None
    APP_TENANTID: str | None


def build_adapter(
    app_id: str | None,
    password: str | None = None,
    app_type: str | None = None,
    tenant_id: str | None = None,
) -> Any:
    """A ``CloudAdapter``; authentication is off when ``app_id`` is empty."""
    from botbuilder.integration.aiohttp import (
        CloudAdapter,
        ConfigurationBotFrameworkAuthentication,
    )

    kind = app_type or ("SingleTenant" if tenant_id else "MultiTenant")
    config = BotConfig(app_id or "", password or "", kind, tenant_id or "")
    return CloudAdapter(ConfigurationBotFrameworkAuthentication(config))


def check_credentials(settings: Settings) -> TeamsSettings:
    """The Teams settings, or :class:`SettingsError` with one clear line per problem."""
    teams = settings.load(TeamsSettings)
    problems = teams.problems()
    if problems:
        raise SettingsError("\n".join(problems))
    return teams


async def setup(app: App, web_app: web.Application) -> bool:
    """Mount ``/api/messages``; ``True`` when Teams credentials are configured."""
    from adapters.teams.inbound import TeamsBot
    from adapters.teams.pacing import TENANT_RATE, Pacer
    from adapters.teams.platform import TeamsPlatform
    from adapters.teams.references import ReferenceStore

    settings = app.settings
    teams = check_credentials(settings)
    app_id = teams.app_id
    if not app_id:
        log.warning(
            "MICROSOFT_APP_ID is not set: %s accepts Teams activities WITHOUT authentication "
            "(local testing with the Agents Playground only)",
            ROUTE,
        )
    adapter = build_adapter(app_id, teams.app_password, teams.app_type, teams.app_tenant_id)
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
        pacer=Pacer(rates=Rates("teams", TENANT_RATE, TENANT_RATE, app.db)),
        on_retry=lambda status: retries.labels(status).inc(),
    )
    app.add_platform(platform)
    bot = TeamsBot(store, app.handle)

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=201)

    web_app.router.add_post(ROUTE, messages)
    return bool(app_id)
