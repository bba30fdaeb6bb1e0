"""Mounting Slack: ``setup`` mounts the bolt app on
``POST /slack/events`` (plus ``/slack/install`` and ``/slack/oauth_redirect`` with OAuth), or
connects over Socket Mode when ``SLACK_APP_TOKEN`` is set, and registers the platform.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

from adapters.slack.settings import SlackSettings

if TYPE_CHECKING:
    from adapters.slack.socket import SocketLink
    from adapters.slack.wiring import SlackAdapter
    from bot.runtime.app import App

log = logging.getLogger(__name__)


ADAPTER: web.AppKey[SlackAdapter] = web.AppKey("slack")
SOCKET: web.AppKey[SocketLink] = web.AppKey("slack socket mode")


async def setup(app: App, web_app: web.Application) -> bool:
    """Mount Slack when it is configured; False when no Slack settings are present."""
    settings = app.settings
    slack = settings.load(SlackSettings)
    if not slack.configured:
        return False
    from adapters.slack.wiring import build

    adapter = build(settings, app.accept, app.catalog, app.templates, app.db)
    app.add_platform(adapter.platform)
    web_app[ADAPTER] = adapter
    if slack.signing_secret:
        web_app.router.add_post("/slack/events", adapter.events)
        if slack.client_id:
            web_app.router.add_get("/slack/install", adapter.install)
            web_app.router.add_get("/slack/oauth_redirect", adapter.oauth_redirect)
    if slack.app_token:
        from adapters.slack.socket import SocketLink
        from bot.runtime.server import HEALTH

        # Connected in the background: the server starts (health, metrics, Teams) whatever
        # Slack does, and /healthz says whether Slack is reachable.
        link = SocketLink(adapter.bolt, slack.app_token)
        web_app[SOCKET] = link
        web_app[HEALTH]["slack"] = lambda: link.state

        async def connect(_: web.Application) -> None:
            link.start()

        async def disconnect(_: web.Application) -> None:
            await link.stop()

        web_app.on_startup.append(connect)
        web_app.on_cleanup.append(disconnect)

    async def close(_: web.Application) -> None:
        await adapter.close()

    web_app.on_cleanup.append(close)
    log.info(
        "Slack: %s%s",
        "OAuth installs" if slack.client_id else "one workspace",
        ", Socket Mode" if slack.app_token else ", HTTP at POST /slack/events",
    )
    return True
